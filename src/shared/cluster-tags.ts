/** Pure: importable from workflows. */

/** A cluster's `spec.awsTags` as name/value strings: what policies, selectors and protection match on. */
export function tagsOf(cluster: {
  spec: { awsTags?: ReadonlyArray<{ name: string; value: unknown }> };
}): Array<{ name: string; value: string }> {
  return (cluster.spec.awsTags ?? []).map((tag) => ({ name: tag.name, value: String(tag.value) }));
}
