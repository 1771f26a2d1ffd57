import type { z } from 'zod';
import { CloudManagerRejected } from './errors';
import {
  clusterPatchSchema,
  clusterRequestSchema,
  livePutSchema,
  type ClusterPatch,
  type ClusterRequest,
  type ErrorDetail,
} from './schemas/cluster';

/**
 * Turns zod's findings into Imply's BadArgument details, so the client (before sending) and the
 * emulator (on receiving) report an invalid body in the same words.
 */

type PathSegment = PropertyKey;

/** Renders a path the way Imply's `target` does: `spec.data.tier1.replicas`, `spec.awsTags[0].value`. */
export function formatTarget(path: readonly PathSegment[]): string {
  let target = '';
  for (const segment of path) {
    if (typeof segment === 'number') target += `[${segment}]`;
    else target += target === '' ? String(segment) : `.${String(segment)}`;
  }
  return target === '' ? 'body' : target;
}

function valueAt(input: unknown, path: readonly PathSegment[]): unknown {
  let current = input;
  for (const segment of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<PropertyKey, unknown>)[segment];
  }
  return current;
}

function describeMissing(issue: z.core.$ZodIssue, value: unknown): string {
  const expected = issue.code === 'invalid_type' ? ` (expected ${issue.expected})` : '';
  return value === null ? `must not be null${expected}` : `is required${expected}`;
}

/**
 * Maps zod issues to Imply error details (NullValue / MalformedValue with a JSON-path target). Pure.
 * To tell a missing value from a wrong one it reads `issue.input` (parse with `reportInput: true`)
 * or, failing that, looks the value up in `input`, the body that was parsed.
 */
export function zodIssuesToDetails(issues: readonly z.core.$ZodIssue[], input?: unknown): ErrorDetail[] {
  const details: ErrorDetail[] = [];
  for (const issue of issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        details.push({
          code: 'MalformedValue',
          target: formatTarget([...issue.path, key]),
          message: 'is not an allowed field; remove it or check its spelling',
        });
      }
      continue;
    }
    const value = 'input' in issue ? issue.input : valueAt(input, issue.path);
    const missing = issue.code === 'invalid_type' && (value === undefined || value === null);
    details.push({
      code: missing ? 'NullValue' : 'MalformedValue',
      target: formatTarget(issue.path),
      message: missing ? describeMissing(issue, value) : issue.message,
    });
  }
  return details;
}

function rejection(what: string, details: ErrorDetail[]): CloudManagerRejected {
  const listing = details.map((detail) => `${detail.target}: ${detail.message}`).join('; ');
  return new CloudManagerRejected(`Invalid ${what}: ${listing}`, {
    status: 400,
    code: 'BadArgument',
    details,
  });
}

/**
 * What a body may hold besides the fields we model: `refuse` (a body people write, such as a
 * `--spec` file or a curl command: a misspelt field is an error) or `keep` (a body built from the
 * cluster as the API returned it: fields the real API has and we do not model pass through).
 */
export type UnknownFields = 'refuse' | 'keep';

/**
 * Validates a POST/PUT body; throws CloudManagerRejected (400 BadArgument) naming each bad field.
 * Known fields are always checked; unknown ones are refused or kept as `unknownFields` says. Pure.
 */
export function parseClusterRequest(input: unknown, unknownFields: UnknownFields = 'refuse'): ClusterRequest {
  const schema = unknownFields === 'keep' ? livePutSchema : clusterRequestSchema;
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  throw rejection('cluster request', zodIssuesToDetails(result.error.issues, input));
}

/** Validates a JSON Merge Patch body; throws CloudManagerRejected (400 BadArgument). Pure. */
export function parseClusterPatch(input: unknown): ClusterPatch {
  const result = clusterPatchSchema.safeParse(input);
  if (result.success) return result.data;
  throw rejection('cluster patch', zodIssuesToDetails(result.error.issues, input));
}
