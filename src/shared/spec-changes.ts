/**
 * Spec changes as people write them (`data.tier1.replicas=2`, `metadata.name=new-name`), parsed and
 * applied without Node built-ins: the CLI, the activities and the workflows all use this file.
 */

export type ChangeValue = string | number | boolean;

/** One field to set, with a path rooted at the cluster object: `spec.data.tier1.replicas`, `metadata.name`. */
export interface SpecChange {
  path: string;
  value: ChangeValue;
}

const PATH_PATTERN = /^[A-Za-z][A-Za-z0-9]*(\.[A-Za-z][A-Za-z0-9]*)*$/;

/**
 * Parses `path=value`; a path not starting with `metadata.` or `spec.` is taken as under `spec.`.
 * With `typeOf` (the request schema's type of a path), the value takes that type, or the parse fails
 * naming the path and the type; without, or for a path of unknown type, the text decides.
 */
export function parseSpecChange(
  text: string,
  typeOf?: (path: string) => 'string' | 'integer' | 'number' | 'boolean' | 'unknown',
): SpecChange {
  const equals = text.indexOf('=');
  if (equals <= 0) {
    throw new Error(`"${text}" is not a change: write path=value, for example data.tier1.replicas=2`);
  }
  const rawPath = text.slice(0, equals).trim();
  const rawValue = text.slice(equals + 1).trim();
  if (!PATH_PATTERN.test(rawPath)) {
    throw new Error(
      `"${rawPath}" is not a field path: use dots between names, for example data.tier1.replicas`,
    );
  }
  if (rawValue === '') throw new Error(`the change to ${rawPath} has no value: write ${rawPath}=<value>`);
  const path = rawPath.startsWith('metadata.') || rawPath.startsWith('spec.') ? rawPath : `spec.${rawPath}`;
  return { path, value: typedValue(path, rawValue, typeOf?.(path) ?? 'unknown') };
}

function typedValue(
  path: string,
  raw: string,
  type: 'string' | 'integer' | 'number' | 'boolean' | 'unknown',
): ChangeValue {
  if (type === 'string') return raw;
  if (type === 'integer') {
    if (!/^-?\d+$/.test(raw)) throw new Error(`${path} takes a whole number, not "${raw}": write ${path}=4`);
    return Number(raw);
  }
  if (type === 'number') {
    if (!/^-?\d+(\.\d+)?$/.test(raw))
      throw new Error(`${path} takes a number, not "${raw}": write ${path}=4`);
    return Number(raw);
  }
  if (type === 'boolean') {
    if (raw !== 'true' && raw !== 'false') throw new Error(`${path} takes true or false, not "${raw}"`);
    return raw === 'true';
  }
  return parseValue(raw);
}

function parseValue(raw: string): ChangeValue {
  if (raw === 'true' || raw === 'false') return raw === 'true';
  if (/^-?\d+(\.\d+)?$/.test(raw)) return Number(raw);
  return raw;
}

/** A deep copy of a JSON value (the workflow sandbox has no structuredClone). */
export function cloneJson<T>(value: T): T {
  return value === undefined ? value : (JSON.parse(JSON.stringify(value)) as T);
}

/** Returns a copy of `target` with every change applied; intermediate objects are created as needed. */
export function applySpecChanges<T extends object>(target: T, changes: readonly SpecChange[]): T {
  const copy = cloneJson(target) as Record<string, unknown>;
  for (const change of changes) {
    const keys = change.path.split('.');
    let node: Record<string, unknown> = copy;
    for (const key of keys.slice(0, -1)) {
      const next = node[key];
      if (next === undefined || next === null) node[key] = {};
      else if (typeof next !== 'object' || Array.isArray(next)) {
        throw new Error(`cannot set ${change.path}: ${key} is not an object`);
      }
      node = node[key] as Record<string, unknown>;
    }
    node[keys[keys.length - 1] as string] = change.value;
  }
  return copy as T;
}

/** Writes the changes as people read them: `spec.data.tier1.replicas=2, metadata.name=x`. */
export function describeSpecChanges(changes: readonly SpecChange[]): string {
  return changes.map((change) => `${change.path}=${String(change.value)}`).join(', ');
}

/**
 * True when every leaf of `expected` has the same value in `actual`: the cluster as the API returns
 * it holds defaults and fields we did not send, so "applied" means "contains what we sent".
 */
export function containsAll(actual: unknown, expected: unknown): boolean {
  if (expected === undefined) return true;
  if (expected === null || typeof expected !== 'object') return actual === expected;
  if (Array.isArray(expected)) {
    return (
      Array.isArray(actual) &&
      actual.length === expected.length &&
      expected.every((item, index) => containsAll(actual[index], item))
    );
  }
  if (actual === null || typeof actual !== 'object' || Array.isArray(actual)) return false;
  const actualRecord = actual as Record<string, unknown>;
  return Object.entries(expected as Record<string, unknown>).every(([key, value]) =>
    containsAll(actualRecord[key], value),
  );
}

/** Deep equality of JSON values, ignoring key order. */
export function jsonEqual(left: unknown, right: unknown): boolean {
  return containsAll(left, right) && containsAll(right, left);
}

/** The value at a dotted path of a JSON object, or undefined. */
export function valueAt(target: unknown, path: string): unknown {
  let node: unknown = target;
  for (const key of path.split('.')) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return node;
}
