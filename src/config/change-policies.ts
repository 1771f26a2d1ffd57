import { z } from 'zod';
import { CHANGE_KINDS, DEFAULT_CHANGE_POLICY, type ChangeKind, type ChangePolicy } from '../shared/change';

export { DEFAULT_CHANGE_POLICY };
import { isSecurityPath, NODE_GROUPS } from '../shared/change-policy';
import { parseDuration } from '../shared/durations';
import { matchesCluster, type ClusterIdentity } from './cluster-match';

/**
 * The `policies` section: per cluster tag or name, the bounds of each node group, a cooldown after a
 * change, which kinds of change need no approval, `force`, and protection from deletion.
 *
 * ```yaml
 * policies:
 *   - name: production
 *     match: { tags: { env: prod } }
 *     bounds: { data.tier1: { minReplicas: 2, maxReplicas: 8, instanceTypes: [m5.large, m5.xlarge] } }
 *     cooldown: 30m
 *     autoApproveKinds: [scale, update]
 *     autoApproveUpdates: [spec.pivot.accessMode]   # exact paths; never security-relevant ones
 *     force: false
 *     protected: true
 * ```
 */

const replicasSchema = z
  .number({ error: 'must be a whole number of replicas' })
  .int({ error: 'must be a whole number of replicas' })
  .min(1, { error: 'must be at least 1' });

const boundsSchema = z
  .strictObject({
    minReplicas: replicasSchema.optional(),
    maxReplicas: replicasSchema.optional(),
    instanceTypes: z
      .array(z.string().trim().min(1), { error: 'must be a list of instance types, such as [m5.large]' })
      .min(1, { error: 'must name at least one instance type' })
      .optional(),
  })
  .refine(
    (bounds) =>
      bounds.minReplicas === undefined ||
      bounds.maxReplicas === undefined ||
      bounds.minReplicas <= bounds.maxReplicas,
    { message: 'minReplicas must not be greater than maxReplicas', path: ['minReplicas'] },
  );

const boundsByGroupSchema = z.record(z.string(), boundsSchema).superRefine((bounds, context) => {
  for (const group of Object.keys(bounds)) {
    if (!(NODE_GROUPS as readonly string[]).includes(group)) {
      context.addIssue({
        code: 'custom',
        path: [group],
        message: `is not a node group: use ${NODE_GROUPS.join(', ')}`,
      });
    }
  }
});

const cooldownSchema = z
  .union([z.string(), z.number()], { error: 'must be a duration such as 30m, or 0 for none' })
  .transform((value, context) => {
    if (value === 0 || value === '0') return 0;
    try {
      return parseDuration(String(value), 'cooldown');
    } catch {
      context.addIssue({
        code: 'custom',
        message: `"${value}" is not a duration: write for example 30m or 2h`,
      });
      return z.NEVER;
    }
  });

const matchSchema = z
  .strictObject({
    tags: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()]).transform(String)).optional(),
    name: z.string().trim().min(1).optional(),
  })
  .refine((match) => match.name !== undefined || Object.keys(match.tags ?? {}).length > 0, {
    message: 'must give tags, a name glob, or both',
  });

/** Exact spec paths an `update` may change without a person; never a security-relevant one. */
const autoApproveUpdatesSchema = z
  .array(
    z
      .string()
      .trim()
      .regex(/^spec\.[A-Za-z0-9_.]+$/, { error: 'must be a spec path such as spec.pivot.accessMode' })
      .refine((path) => !isSecurityPath(path), {
        error:
          'is security-relevant (IAM role, deep storage, encryption, runtime properties, extensions): a person approves every change to it, so it cannot be auto-approved',
      }),
    { error: 'must be a list of spec paths, such as [spec.pivot.accessMode]' },
  )
  .default([]);

const kindsSchema = z.array(z.enum(CHANGE_KINDS, { error: `must be one of ${CHANGE_KINDS.join(', ')}` }), {
  error: 'must be a list of change kinds, such as [scale]',
});

/** The kinds a change policy auto-approves, under its name or its old one. Pure. */
function autoApprovedKinds(policy: {
  autoApproveKinds?: readonly ChangeKind[];
  autoApprove?: readonly ChangeKind[];
}): ChangeKind[] {
  return [...(policy.autoApproveKinds ?? policy.autoApprove ?? [])];
}

export const changePolicyConfigSchema = z
  .strictObject({
    name: z.string().trim().min(1).optional(),
    match: matchSchema,
    bounds: boundsByGroupSchema.default({}),
    cooldown: cooldownSchema.default(0),
    /** Kinds of change that need no person. */
    autoApproveKinds: kindsSchema.optional(),
    /** The old name of `autoApproveKinds`, still read (with a deprecation warning). */
    autoApprove: kindsSchema.optional(),
    autoApproveUpdates: autoApproveUpdatesSchema,
    force: z.boolean({ error: 'must be true or false' }).default(false),
    protected: z.boolean({ error: 'must be true or false' }).default(false),
  })
  .superRefine((policy, context) => {
    if (policy.autoApprove !== undefined && policy.autoApproveKinds !== undefined) {
      context.addIssue({
        code: 'custom',
        path: ['autoApprove'],
        message: 'is the old name of autoApproveKinds: give only autoApproveKinds',
      });
    }
    const kindsKey = policy.autoApprove !== undefined ? 'autoApprove' : 'autoApproveKinds';
    const update = autoApprovedKinds(policy).includes('update');
    if (update && policy.autoApproveUpdates.length === 0) {
      context.addIssue({
        code: 'custom',
        path: ['autoApproveUpdates'],
        message:
          'is needed with autoApproveKinds: [update]: list the exact paths an update may change without a person',
      });
    }
    if (!update && policy.autoApproveUpdates.length > 0) {
      context.addIssue({
        code: 'custom',
        path: [kindsKey],
        message: 'must include update for autoApproveUpdates to apply',
      });
    }
  });

export const changePoliciesConfigSchema = z.array(changePolicyConfigSchema, {
  error: 'must be a list of policies',
});

export type ChangePolicyConfig = z.output<typeof changePolicyConfigSchema>;

/** The change policy of a cluster: the first of `policies` whose match holds, else the default. Pure. */
export function resolveChangePolicy(
  policies: readonly ChangePolicyConfig[] | undefined,
  cluster: ClusterIdentity,
): ChangePolicy {
  const index = (policies ?? []).findIndex((policy) => matchesCluster(policy.match, cluster));
  const policy = index >= 0 ? policies![index]! : undefined;
  if (!policy) return { ...DEFAULT_CHANGE_POLICY, bounds: {}, autoApprove: [] };
  const bounds = Object.fromEntries(
    Object.entries(policy.bounds).map(([group, value]) => [group, { ...value }]),
  );
  return {
    name: policy.name ?? `policies[${index}]`,
    bounds,
    cooldownMs: policy.cooldown,
    autoApprove: autoApprovedKinds(policy),
    ...(policy.autoApproveUpdates.length > 0 ? { autoApproveUpdates: [...policy.autoApproveUpdates] } : {}),
    force: policy.force,
    protected: policy.protected,
  };
}
