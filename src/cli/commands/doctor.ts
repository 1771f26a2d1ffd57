import type { Command } from 'commander';
import { tokenProviderFromEnv } from '../../cloud-manager/auth';
import { CloudManagerClient } from '../../cloud-manager/client';
import { resolveApiBaseUrl } from '../../cloud-manager/config';
import { runDoctor } from '../../doctor/checks';
import { recordAnswers } from '../../doctor/record';
import { action, formatTable, printJson } from '../output';

/** `imply-runbooks doctor`: check an Imply account, read-only, before trusting a runbook to it. */

interface DoctorFlags {
  apiUrl?: string;
  vanityDomain?: string;
  cluster: string[];
  dryRunPut?: boolean;
  record?: string;
  json?: boolean;
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

export function registerDoctorCommand(program: Command): void {
  program
    .command('doctor')
    .description(
      'Check an Imply account read-only: the token, the list, each cluster, history, and whether a PUT built from each cluster keeps every field',
    )
    .option('--api-url <url>', 'Cloud Manager API base URL (default: IMPLY_API_URL)')
    .option('--vanity-domain <name>', 'Imply Cloud account name (default: IMPLY_VANITY_DOMAIN)')
    .option('--cluster <uid>', 'check only this cluster (repeatable; default: every live one)', collect, [])
    .option('--dry-run-put', 'also send one PUT ?dryRun=true of a cluster, unchanged (changes nothing)')
    .option('--record <dir>', 'write the answers, redacted (docs/doctor.md), for a mismatch report')
    .option('--json', 'print JSON')
    .action(
      action(async (flags: DoctorFlags) => {
        const baseUrl = resolveApiBaseUrl({ apiUrl: flags.apiUrl, vanityDomain: flags.vanityDomain });
        const auth = tokenProviderFromEnv(process.env);
        const api = new CloudManagerClient({ baseUrl, auth });
        const report = await runDoctor(api, auth, { clusters: flags.cluster, dryRunPut: flags.dryRunPut });
        const files = flags.record ? recordAnswers(report, flags.record) : [];
        const { answers: _answers, ...shown } = report;
        if (flags.json) printJson({ ...shown, ...(flags.record ? { recorded: files } : {}) });
        else {
          console.log(`imply-runbooks doctor: ${report.api}`);
          process.stdout.write(
            formatTable(report.checks, [
              { header: 'CHECK', value: (check) => check.name },
              { header: 'RESULT', value: (check) => (check.ok ? 'ok' : 'FAILED') },
              {
                header: 'MS',
                value: (check) => (check.latencyMs === undefined ? '' : String(check.latencyMs)),
              },
              { header: 'DETAIL', value: (check) => check.detail },
            ]),
          );
          const unmodelled = [...new Set(report.checks.flatMap((check) => check.unmodelled ?? []))].sort();
          console.log(
            unmodelled.length > 0
              ? `Met but not modelled by imply-runbooks (kept as they are in every PUT): ${unmodelled.join(', ')}`
              : 'Every field and state met is one imply-runbooks models.',
          );
          if (flags.record) console.log(`Recorded ${files.length} redacted answer(s) in ${flags.record}`);
          console.log(report.ok ? 'All checks passed.' : 'Some checks failed: see above.');
        }
        if (!report.ok) process.exitCode = 1;
      }),
    );
}
