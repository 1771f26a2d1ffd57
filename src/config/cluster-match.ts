import { globToRegExp } from '../shared/selector';

/** What a cluster is matched on: its name and its `spec.awsTags`. */
export interface ClusterIdentity {
  name: string;
  tags: ReadonlyArray<{ name: string; value: string }>;
}

/** The `match` of an approval or change policy: a name glob and tags that must all be present. */
export interface ClusterMatch {
  name?: string;
  tags?: Record<string, string>;
}

/**
 * Whether a policy's `match` holds for a cluster: the whole name against the glob (`*` any run of
 * characters, `?` one) and every tag present with that value. The one matcher of both policy kinds. Pure.
 */
export function matchesCluster(match: ClusterMatch, cluster: ClusterIdentity): boolean {
  if (match.name !== undefined && !globToRegExp(match.name).test(cluster.name)) return false;
  return Object.entries(match.tags ?? {}).every(([tagName, value]) =>
    cluster.tags.some((tag) => tag.name === tagName && tag.value === value),
  );
}
