/**
 * What changed between two cluster configurations, as a reviewer reads it. Pure and free of Node
 * imports: workflow code (the approval plan) imports it too.
 */

export interface DiffEntry {
  /** `spec.data.tier1.replicas`, or `spec.awsTags[env]` for a `{name, value}` list entry. */
  path: string;
  before?: unknown;
  after?: unknown;
  kind: 'added' | 'removed' | 'changed';
}

type NamedValue = { name: string; value: unknown };

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isNamedList(value: unknown): value is NamedValue[] {
  return (
    Array.isArray(value) &&
    value.every((item) => isPlainObject(item) && typeof item.name === 'string' && 'value' in item) &&
    // With a repeated name, comparing by name would hide an entry: compare the whole list instead.
    new Set(value.map((item: NamedValue) => item.name)).size === value.length
  );
}

/** Deep equality of JSON values; key order does not matter. */
export function jsonEqual(left: unknown, right: unknown): boolean {
  if (left === right) return true;
  if (Array.isArray(left) || Array.isArray(right)) {
    if (!Array.isArray(left) || !Array.isArray(right) || left.length !== right.length) return false;
    return left.every((item, index) => jsonEqual(item, right[index]));
  }
  if (!isPlainObject(left) || !isPlainObject(right)) return false;
  const leftKeys = Object.keys(left).filter((key) => left[key] !== undefined);
  const rightKeys = Object.keys(right).filter((key) => right[key] !== undefined);
  if (leftKeys.length !== rightKeys.length) return false;
  return leftKeys.every((key) => jsonEqual(left[key], right[key]));
}

function joinPath(parent: string, key: string): string {
  return parent === '' ? key : `${parent}.${key}`;
}

function compareEntry(path: string, before: unknown, after: unknown, entries: DiffEntry[]): void {
  if (before === undefined && after === undefined) return;
  if (before === undefined) entries.push({ path, after, kind: 'added' });
  else if (after === undefined) entries.push({ path, before, kind: 'removed' });
  else walk(path, before, after, entries);
}

function compareNamedLists(
  path: string,
  before: NamedValue[],
  after: NamedValue[],
  entries: DiffEntry[],
): void {
  const beforeByName = new Map(before.map((item) => [item.name, item.value]));
  const afterByName = new Map(after.map((item) => [item.name, item.value]));
  const names = [...new Set([...beforeByName.keys(), ...afterByName.keys()])];
  for (const name of names) {
    compareEntry(`${path}[${name}]`, beforeByName.get(name), afterByName.get(name), entries);
  }
}

function walk(path: string, before: unknown, after: unknown, entries: DiffEntry[]): void {
  if (jsonEqual(before, after)) return;
  if (isPlainObject(before) && isPlainObject(after)) {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])];
    for (const key of keys) compareEntry(joinPath(path, key), before[key], after[key], entries);
    return;
  }
  if (isNamedList(before) && isNamedList(after)) {
    compareNamedLists(path, before, after, entries);
    return;
  }
  entries.push({ path: path === '' ? '(whole value)' : path, before, after, kind: 'changed' });
}

/** Lists every difference between two JSON values (deep; `{name, value}` lists by name). Pure. */
export function diffClusters(before: unknown, after: unknown): DiffEntry[] {
  const entries: DiffEntry[] = [];
  walk('', before, after, entries);
  return entries;
}

function show(value: unknown): string {
  return value === undefined ? '(absent)' : JSON.stringify(value);
}

/** One line per difference: `spec.data.tier1.replicas: 1 → 2`. Pure. */
export function formatDiff(entries: readonly DiffEntry[]): string {
  return entries
    .map((entry) => {
      if (entry.kind === 'added') return `${entry.path}: (absent) → ${show(entry.after)}`;
      if (entry.kind === 'removed') return `${entry.path}: ${show(entry.before)} → (absent)`;
      return `${entry.path}: ${show(entry.before)} → ${show(entry.after)}`;
    })
    .join('\n');
}
