import { DATA_TIERS, type Cluster } from './schemas/cluster';

/** How a cluster's nodes read in a table: shared by `clusters list` and the operations page. */

/** The data tiers as `tier1 2×m5.large, tier2 1×…`. Pure. */
export function describeTiers(cluster: Pick<Cluster, 'spec'>): string {
  const data = cluster.spec.data;
  const tiers = DATA_TIERS.flatMap((name) => {
    const tier = data?.[name];
    return tier ? [`${name} ${tier.replicas}×${tier.instanceType}`] : [];
  });
  return tiers.join(', ');
}

/** Every node group, master and query first: `master 1×m5.large, query 1×…, tier1 2×…`. Pure. */
export function describeNodes(cluster: Pick<Cluster, 'spec'>): string {
  const groups = (['master', 'query'] as const).flatMap((name) => {
    const value = cluster.spec[name];
    return value ? [`${name} ${value.replicas}×${value.instanceType}`] : [];
  });
  return [...groups, describeTiers(cluster)].filter(Boolean).join(', ');
}
