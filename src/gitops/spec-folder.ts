import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { parseClusterRequest } from '../cloud-manager/validation';
import type { ClusterRequest } from '../cloud-manager/schemas/cluster';

/**
 * A folder of cluster specs, one file per cluster (`.yaml`, `.yml` or `.json`): `metadata` and
 * `spec` as the Cloud Manager API takes them (checked with the same schema and errors as
 * `run lifecycle --spec`), plus an optional `imply-runbooks:` block. Fields the file does not set
 * are the API's business: plans compare only what the file sets. Reads the file system only.
 */

export const SPEC_EXTENSIONS = ['.yaml', '.yml', '.json'];
/** The tag apply puts on the clusters it creates: only those can be pruned, and only by the same folder. */
export const MANAGED_BY_TAG = 'imply-runbooks/managed-by';

const blockSchema = z.strictObject({
  /** The Imply environment the cluster lives in (a name under `environments:`); default: the default one. */
  environment: z
    .string({ error: 'must be the name of an environment in the configuration' })
    .regex(/^[a-z][a-z0-9-]{0,31}$/, { error: 'must be an environment name such as prod (a-z, 0-9, -)' })
    .optional(),
  /**
   * The approval policy the configuration must give this cluster (policies match by name and tags):
   * a plan refuses the file when it resolves to another, so a renamed tag cannot quietly move a
   * production cluster to a laxer policy.
   */
  policy: z.string({ error: 'must be the name of an approval policy (or default)' }).min(1).optional(),
  /** Tag the cluster protected at create (`imply-runbooks/protected=true`): no delete, prune included. */
  protected: z.boolean({ error: 'must be true or false' }).optional(),
});

export type SpecOptions = z.output<typeof blockSchema>;

export interface DesiredCluster {
  /** The file, relative to the folder. */
  file: string;
  name: string;
  /** The request as checked by the API's schema (defaults and unknown fields as the file has them). */
  request: ClusterRequest;
  /** `metadata` and `spec` exactly as written: what the plan compares. */
  written: { metadata: Record<string, unknown>; spec: Record<string, unknown> };
  options: SpecOptions;
}

export interface SpecFolder {
  folder: string;
  /** Who owns what apply creates: the `managed-by` tag's value. */
  owner: string;
  clusters: DesiredCluster[];
}

/** Every problem found in a folder, each naming its file and field; thrown after reading all files. */
export class SpecFolderError extends Error {
  constructor(
    readonly folder: string,
    readonly problems: string[],
  ) {
    super(
      `${folder}: ${problems.length} problem${problems.length === 1 ? '' : 's'}:\n  ${problems.join('\n  ')}`,
    );
    this.name = 'SpecFolderError';
  }
}

function parseFile(file: string, text: string): unknown {
  if (file.endsWith('.json')) return JSON.parse(text);
  return parseYaml(text);
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message.split('\n')[0]! : String(error);
}

/** The owner name a folder gets by default: its directory name, as a tag value. Pure. */
export function defaultOwner(folder: string): string {
  const base = path.basename(path.resolve(folder)).replace(/[^A-Za-z0-9_.:/=+@-]/g, '-');
  return base || 'clusters';
}

/** Reads and checks every spec of a folder; throws SpecFolderError listing every problem. */
export function readSpecFolder(folder: string, owner = defaultOwner(folder)): SpecFolder {
  let entries: string[];
  try {
    if (!statSync(folder).isDirectory()) throw new Error('not a folder');
    entries = readdirSync(folder).sort();
  } catch (error) {
    throw new SpecFolderError(folder, [
      `cannot read the folder (${(error as NodeJS.ErrnoException).code ?? describe(error)}): give -f <folder of cluster specs>`,
    ]);
  }
  const problems: string[] = [];
  const clusters: DesiredCluster[] = [];
  const files = entries.filter((entry) => SPEC_EXTENSIONS.includes(path.extname(entry)));
  for (const file of files) {
    let value: unknown;
    try {
      value = parseFile(file, readFileSync(path.join(folder, file), 'utf8'));
    } catch (error) {
      problems.push(`${file}: not valid ${file.endsWith('.json') ? 'JSON' : 'YAML'}: ${describe(error)}`);
      continue;
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      problems.push(`${file}: must be an object with metadata and spec (one cluster per file)`);
      continue;
    }
    const { 'imply-runbooks': block, ...cluster } = value as Record<string, unknown>;
    const options = blockSchema.safeParse(block ?? {});
    if (!options.success) {
      for (const issue of options.error.issues) {
        problems.push(`${file}: imply-runbooks.${issue.path.join('.') || '(block)'}: ${issue.message}`);
      }
    }
    let request: ClusterRequest;
    try {
      request = parseClusterRequest(cluster);
    } catch (error) {
      problems.push(`${file}: ${describe(error)}`);
      continue;
    }
    if (!options.success) continue;
    const written = cluster as DesiredCluster['written'];
    clusters.push({ file, name: request.metadata.name, request, written, options: options.data });
  }
  if (files.length === 0 && problems.length === 0) {
    problems.push(`no cluster specs (${SPEC_EXTENSIONS.join(', ')} files) in the folder`);
  }
  const byName = new Map<string, string>();
  for (const cluster of clusters) {
    const other = byName.get(cluster.name);
    if (other)
      problems.push(
        `${cluster.file}: metadata.name ${cluster.name} is also the name in ${other}: one file per cluster`,
      );
    byName.set(cluster.name, cluster.file);
  }
  if (problems.length > 0) throw new SpecFolderError(folder, problems);
  return { folder, owner, clusters };
}

/**
 * The files whose `imply-runbooks.policy` is not the approval policy `policyOf` resolves for their
 * cluster (by name and tags); throws SpecFolderError naming each. Pure.
 */
export function checkPolicies(folder: SpecFolder, policyOf: (cluster: DesiredCluster) => string): void {
  const problems = folder.clusters.flatMap((cluster) => {
    const expected = cluster.options.policy;
    const resolved = policyOf(cluster);
    if (expected === undefined || expected === resolved) return [];
    return [
      `${cluster.file}: imply-runbooks.policy: says ${expected}, but the configuration gives ${cluster.name} the approval policy ${resolved}: fix the tags or name that policies match on, or the file`,
    ];
  });
  if (problems.length > 0) throw new SpecFolderError(folder.folder, problems);
}
