import { DEFAULT_OPT_OUT_TAG, type ClusterSelector } from './power';

/**
 * Which clusters a fleet run or schedule acts on, as people write it: `--select env=test`,
 * `--select name=test-*`, `--select ids=a,b`. Pure: importable from workflows and the CLI alike.
 */

/** What the selector looks at: a cluster's uid, name and `awsTags`. */
export interface SelectableCluster {
  id: string;
  name: string;
  tags: ReadonlyArray<{ name: string; value: string }>;
}

const SELECT_FORMS =
  'write tag=value (e.g. env=test), tag:name=value for a tag called name or ids, name=<glob> (e.g. name=test-*), ' +
  'or ids=<uid or name>,<uid or name>';

/** Splits `key=value` at the first `=`; throws naming `what` when either side is empty. */
export function parseTag(text: string, what = '--select'): { key: string; value: string } {
  const index = text.indexOf('=');
  const key = index < 0 ? '' : text.slice(0, index).trim();
  const value = index < 0 ? '' : text.slice(index + 1).trim();
  if (!key || !value) throw new Error(`${what} "${text}" is not key=value: ${SELECT_FORMS}`);
  return { key, value };
}

/**
 * Turns repeated `--select` values into one selector (every criterion must match). Throws a message
 * naming the flag and the accepted forms for anything it cannot read, or for no criterion at all.
 */
export function parseSelector(values: readonly string[], optOutTag?: string): ClusterSelector {
  const selector: ClusterSelector = {};
  for (const text of values) addCriterion(selector, text);
  if (!selector.tags && !selector.nameGlob && !selector.clusters) {
    throw new Error(`give at least one --select: ${SELECT_FORMS}`);
  }
  if (optOutTag !== undefined) {
    parseTag(optOutTag, '--opt-out-tag');
    selector.optOutTag = optOutTag.trim();
  }
  return selector;
}

function addCriterion(selector: ClusterSelector, text: string): void {
  const { key, value } = parseTag(text);
  if (key === 'name') {
    if (selector.nameGlob)
      throw new Error(`--select name= given twice ("${selector.nameGlob}" and "${value}")`);
    selector.nameGlob = value;
  } else if (key === 'ids') {
    const ids = value
      .split(',')
      .map((id) => id.trim())
      .filter(Boolean);
    if (ids.length === 0) throw new Error(`--select "${text}" names no cluster: ${SELECT_FORMS}`);
    selector.clusters = [...(selector.clusters ?? []), ...ids];
  } else {
    const tag = key.startsWith('tag:') ? key.slice('tag:'.length).trim() : key;
    if (!tag) throw new Error(`--select "${text}" names no tag: ${SELECT_FORMS}`);
    const tags = (selector.tags ??= {});
    if (tags[tag] !== undefined && tags[tag] !== value) {
      throw new Error(
        `--select gives tag ${tag} two values ("${tags[tag]}" and "${value}"): a cluster has one`,
      );
    }
    tags[tag] = value;
  }
}

/** True when a selector names no criterion: such a selector would pick every cluster, so runs refuse it. */
export function isEmptySelector(selector: ClusterSelector): boolean {
  return (
    Object.keys(selector.tags ?? {}).length === 0 &&
    !selector.nameGlob &&
    (selector.clusters ?? []).length === 0
  );
}

/** A glob (`*` any run of characters, `?` one) as an anchored regular expression. Pure. */
export function globToRegExp(glob: string): RegExp {
  const source = glob
    .split('')
    .map((character) => {
      if (character === '*') return '.*';
      if (character === '?') return '.';
      return character.replace(/[.+^${}()|[\]\\]/g, '\\$&');
    })
    .join('');
  return new RegExp(`^${source}$`);
}

function tagValue(cluster: SelectableCluster, key: string): string | undefined {
  return cluster.tags.find((tag) => tag.name === key)?.value;
}

/** True when the cluster meets every criterion of the selector (opt-out is checked apart). Pure. */
export function matchesSelector(cluster: SelectableCluster, selector: ClusterSelector): boolean {
  if (isEmptySelector(selector)) return false;
  for (const [key, value] of Object.entries(selector.tags ?? {})) {
    if (tagValue(cluster, key) !== value) return false;
  }
  if (selector.nameGlob && !globToRegExp(selector.nameGlob).test(cluster.name)) return false;
  if (selector.clusters && !selector.clusters.some((id) => id === cluster.id || id === cluster.name)) {
    return false;
  }
  return true;
}

/** The opt-out tag this selector honours (`imply-runbooks/schedule=off` unless it says otherwise). */
export function optOutTagOf(selector: ClusterSelector): { key: string; value: string } {
  return parseTag(selector.optOutTag ?? DEFAULT_OPT_OUT_TAG, 'optOutTag');
}

/** True when the cluster carries the opt-out tag: fleet runs leave it alone. Pure. */
export function isOptedOut(cluster: SelectableCluster, selector: ClusterSelector): boolean {
  const { key, value } = optOutTagOf(selector);
  return tagValue(cluster, key) === value;
}

/** The selector in the words people typed: `env=test name=test-* ids=a,b`. Pure. */
export function describeSelector(selector: ClusterSelector): string {
  const parts = Object.entries(selector.tags ?? {}).map(([key, value]) =>
    key === 'name' || key === 'ids' || key.startsWith('tag:') ? `tag:${key}=${value}` : `${key}=${value}`,
  );
  if (selector.nameGlob) parts.push(`name=${selector.nameGlob}`);
  if (selector.clusters?.length) parts.push(`ids=${selector.clusters.join(',')}`);
  return parts.join(' ');
}
