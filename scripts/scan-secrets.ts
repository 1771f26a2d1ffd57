/**
 * Greps every workflow history on a Temporal server (and any log files given) for the values of
 * secret environment variables. Exits 1 when one is found; prints where, never the value.
 *
 *   npx tsx scripts/scan-secrets.ts [--secret-env IMPLY_TOKEN,IMPLY_CLIENT_SECRET] [--query "…"] [--log file]…
 *
 * Temporal settings come from TEMPORAL_*; with IMPLY_RUNBOOKS_CODEC_KEYS set, payloads are also
 * scanned decrypted.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { codecFromEnv } from '../src/codec/data-converter';
import { connectClient, temporalSettingsFromEnv } from '../src/temporal/connection';
import { scanOutput, scanServerHistories, type SecretFinding } from './lib/secret-scan';

const DEFAULT_SECRET_VARIABLES = ['IMPLY_TOKEN', 'IMPLY_CLIENT_SECRET', 'TEMPORAL_API_KEY'];

function secretsFrom(names: string[], env: NodeJS.ProcessEnv): Record<string, string> {
  const secrets: Record<string, string> = {};
  for (const name of names) {
    const value = env[name]?.trim();
    if (value) secrets[name] = value;
  }
  if (Object.keys(secrets).length === 0) {
    throw new Error(
      `none of ${names.join(', ')} is set: export the secrets to look for, or pass --secret-env`,
    );
  }
  return secrets;
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      'secret-env': { type: 'string' },
      query: { type: 'string' },
      log: { type: 'string', multiple: true },
    },
  });
  const names = values['secret-env']?.split(',').map((name) => name.trim()) ?? DEFAULT_SECRET_VARIABLES;
  const secrets = secretsFrom(names, process.env);
  const findings: SecretFinding[] = [];
  for (const file of values.log ?? []) {
    findings.push(...scanOutput(file, readFileSync(file, 'utf8').split('\n'), secrets));
  }
  const settings = temporalSettingsFromEnv(process.env);
  const { client, connection } = await connectClient(settings);
  try {
    const scan = await scanServerHistories(client, secrets, { query: values.query, codec: codecFromEnv() });
    findings.push(...scan.findings);
    const undecryptable = scan.undecryptable ? ` (${scan.undecryptable} payloads not decryptable)` : '';
    console.log(
      `scanned ${scan.histories} histories${undecryptable} and ${values.log?.length ?? 0} logs ` +
        `for ${Object.keys(secrets).join(', ')}: ${findings.length} found`,
    );
  } finally {
    await connection.close();
  }
  for (const finding of findings) console.log(`  ${finding.secret} in ${finding.where}`);
  return findings.length === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`scan-secrets: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(2);
  },
);
