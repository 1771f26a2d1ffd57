import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { DoctorReport } from './checks';

/**
 * `doctor --record <dir>`: the answers doctor read, for a bug report, with everything that names the
 * account or could be secret replaced: no token is ever written; cluster ids and names become
 * `cluster-1`, `name-1`…; tags become `tag-1=redacted`; runtime-property values, IAM roles, key
 * pairs, S3 paths, ARNs, URLs (and so vanity domains) and e-mail addresses are replaced. Field
 * names, numbers, booleans and states are kept: they are what a mismatch report needs.
 */

const SECRET_FIELDS = /^(awsInstanceRole|awsKeyPair|.*(Password|Secret|Token|Key))$/i;
const PATTERNS: Array<[RegExp, string]> = [
  [/s3:\/\/[^\s"]+/gi, 's3://redacted-bucket/redacted'],
  [/arn:[^\s"]+/gi, 'arn:redacted'],
  [/https?:\/\/[^\s"]+/gi, 'https://redacted.example'],
  [/[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/g, 'redacted@example.com'],
];

export class Redactor {
  private readonly names = new Map<string, string>();

  /** `cluster-1` for the first id seen, and so on: the same id always maps to the same name. */
  alias(value: string, prefix: string): string {
    const known = this.names.get(value);
    if (known) return known;
    const alias = `${prefix}-${[...this.names.values()].filter((name) => name.startsWith(`${prefix}-`)).length + 1}`;
    this.names.set(value, alias);
    return alias;
  }

  /** A redacted copy of one answer. Pure but for the aliases it learns. */
  redact(value: unknown, key = ''): unknown {
    if (Array.isArray(value)) {
      if (key === 'awsTags')
        return value.map((_, index) => ({ name: `tag-${index + 1}`, value: 'redacted' }));
      if (/RuntimeProperties$/.test(key)) {
        return value.map((item) =>
          item && typeof item === 'object' ? { ...(item as object), value: 'redacted' } : 'redacted',
        );
      }
      return value.map((item) => this.redact(item, key));
    }
    if (value && typeof value === 'object') {
      return Object.fromEntries(
        Object.entries(value as Record<string, unknown>).map(([child, item]) => {
          if (child === 'uid' && typeof item === 'string') return [child, this.alias(item, 'cluster')];
          if (child === 'name' && key === 'metadata' && typeof item === 'string')
            return [child, this.alias(item, 'name')];
          return [child, this.redact(item, child)];
        }),
      );
    }
    if (typeof value !== 'string') return value;
    if (SECRET_FIELDS.test(key)) return 'redacted';
    let text = value;
    for (const [known, alias] of this.names) text = text.split(known).join(alias);
    for (const [pattern, replacement] of PATTERNS) text = text.replace(pattern, replacement);
    return text;
  }
}

/** Writes each answer of the report, redacted, as one JSON file in `directory`; returns the files. */
export function recordAnswers(report: DoctorReport, directory: string): string[] {
  mkdirSync(directory, { recursive: true });
  const redactor = new Redactor();
  const files: string[] = [];
  for (const [what, answer] of Object.entries(report.answers)) {
    if (answer === undefined) continue;
    const [kind, id, version] = what.split(':');
    const name = [kind, id ? redactor.alias(id, 'cluster') : undefined, version].filter(Boolean).join('-');
    const file = path.join(directory, `${name}.json`);
    writeFileSync(file, `${JSON.stringify(redactor.redact(answer), null, 2)}\n`);
    files.push(file);
  }
  return files;
}
