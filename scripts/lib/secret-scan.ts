import type { Client } from '@temporalio/client';
import type { Payload, PayloadCodec } from '@temporalio/common';
import { fieldsOf, storedHistories } from './history-scan';

/**
 * The secret scan of issue 7: every workflow history on a Temporal server, and any captured output,
 * grepped for the values of tokens and client secrets. Findings name the secret and where it was
 * seen, never its value.
 */

export interface SecretFinding {
  /** The secret's name, e.g. IMPLY_CLIENT_SECRET. */
  secret: string;
  /** `history lifecycle:x (run …) events[3]….data`, or `worker output line 12`. */
  where: string;
}

export interface HistoryScan {
  histories: number;
  findings: SecretFinding[];
  /** Payloads the codec could not decrypt (another deployment's keys): scanned as stored only. */
  undecryptable: number;
}

/** The forms a secret may take on the way: as is, base64 (basic auth, bytes), URL-encoded (forms). */
export function secretForms(value: string): string[] {
  const forms = [
    value,
    Buffer.from(value).toString('base64').replace(/=+$/, ''),
    Buffer.from(value).toString('base64url'),
    encodeURIComponent(value),
  ];
  return [...new Set(forms.filter((form) => form.length >= 8))];
}

/** Findings of the named secrets in one text. Pure. */
export function scanText(where: string, text: string, secrets: Record<string, string>): SecretFinding[] {
  const findings: SecretFinding[] = [];
  for (const [name, value] of Object.entries(secrets)) {
    if (value.length < 8) throw new Error(`secret ${name} is too short to scan for (under 8 characters)`);
    if (secretForms(value).some((form) => text.includes(form))) findings.push({ secret: name, where });
  }
  return findings;
}

/** Findings in captured output, line by line. Pure. */
export function scanOutput(source: string, lines: readonly string[], secrets: Record<string, string>) {
  return lines.flatMap((line, index) => scanText(`${source} line ${index + 1}`, line, secrets));
}

function collectPayloads(value: unknown, found: Payload[] = []): Payload[] {
  if (Array.isArray(value)) for (const item of value) collectPayloads(item, found);
  else if (value !== null && typeof value === 'object' && !(value instanceof Uint8Array)) {
    const candidate = value as { metadata?: unknown; data?: unknown };
    if (
      candidate.metadata &&
      typeof candidate.metadata === 'object' &&
      candidate.data instanceof Uint8Array
    ) {
      found.push(value as Payload);
    } else for (const item of Object.values(value)) collectPayloads(item, found);
  }
  return found;
}

/**
 * Scans every history the server lists (open and closed, any task queue) as stored; with a codec,
 * also each payload decrypted, so encryption cannot hide a secret from the scan. Reads only.
 */
export async function scanServerHistories(
  client: Client,
  secrets: Record<string, string>,
  options: { query?: string; codec?: PayloadCodec } = {},
): Promise<HistoryScan> {
  const scan: HistoryScan = { histories: 0, findings: [], undecryptable: 0 };
  for await (const { workflowId, runId, history } of storedHistories(client, options.query)) {
    scan.histories += 1;
    const where = `history ${workflowId} (run ${runId})`;
    for (const field of fieldsOf(history)) {
      scan.findings.push(...scanText(`${where} ${field.path}`, field.text, secrets));
    }
    if (!options.codec) continue;
    for (const [index, payload] of collectPayloads(history).entries()) {
      const decoded = await options.codec.decode([payload]).catch(() => undefined);
      if (!decoded) scan.undecryptable += 1;
      for (const field of fieldsOf(decoded ?? [], `decoded payload ${index}`)) {
        scan.findings.push(...scanText(`${where} ${field.path}`, field.text, secrets));
      }
    }
  }
  return scan;
}
