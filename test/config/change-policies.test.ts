import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  ConfigFileError,
  LOCAL_DEFAULTS,
  parseConfigText,
  resolveApprovalPolicy,
  resolveChangePolicy,
  resolveClusterPolicies,
} from '../../src/config';

const POLICIES = `
policies:
  - name: production
    match: { tags: { env: prod } }
    bounds:
      data.tier1: { minReplicas: 2, maxReplicas: 8, instanceTypes: [m5.large, m5.xlarge] }
      query: { maxReplicas: 6 }
    cooldown: 30m
    autoApproveKinds: [scale]
    force: true
    protected: true
  - match: { name: "test-*" }
    autoApproveKinds: [scale, upgrade, restore, delete]
`;

function problemsOf(text: string): string[] {
  try {
    parseConfigText(text, 'test.yaml');
  } catch (error) {
    assert.ok(error instanceof ConfigFileError, String(error));
    return error.problems;
  }
  return assert.fail('the configuration was accepted');
}

describe('change policies in the configuration file', () => {
  it('resolves a cluster to the first policy its tags or name match, with every setting', () => {
    const config = parseConfigText(POLICIES);
    const prod = resolveChangePolicy(config.policies, {
      name: 'orders',
      tags: [{ name: 'env', value: 'prod' }],
    });
    assert.deepEqual(prod, {
      name: 'production',
      bounds: {
        'data.tier1': { minReplicas: 2, maxReplicas: 8, instanceTypes: ['m5.large', 'm5.xlarge'] },
        query: { maxReplicas: 6 },
      },
      cooldownMs: 30 * 60_000,
      autoApprove: ['scale'],
      force: true,
      protected: true,
    });
    const test = resolveChangePolicy(config.policies, { name: 'test-7', tags: [] });
    assert.equal(test.name, 'policies[1]');
    assert.deepEqual(test.autoApprove, ['scale', 'upgrade', 'restore', 'delete']);
    assert.equal(test.cooldownMs, 0);
    const other = resolveChangePolicy(config.policies, { name: 'orders', tags: [] });
    assert.deepEqual(other, {
      name: 'default',
      bounds: {},
      cooldownMs: 0,
      autoApprove: [],
      force: false,
      protected: false,
    });
    assert.equal(resolveChangePolicy(LOCAL_DEFAULTS.policies, { name: 'x', tags: [] }).name, 'default');
  });

  it('refuses bad policies with errors that name the key and the fix', () => {
    const problems = problemsOf(`
policies:
  - match: {}
    bounds:
      data.tier9: { maxReplicas: 2 }
      query: { minReplicas: 5, maxReplicas: 2, instanceTypes: [] }
    cooldown: soon
    autoApprove: [resize]
    protected: yes
`);
    assert.deepEqual(problems, [
      'policies[0].match: must give tags, a name glob, or both',
      'policies[0].bounds.query.instanceTypes: must name at least one instance type',
      'policies[0].bounds.query.minReplicas: minReplicas must not be greater than maxReplicas',
      'policies[0].bounds.data.tier9: is not a node group: use master, query, data.tier1, data.tier2, data.tier3',
      'policies[0].cooldown: "soon" is not a duration: write for example 30m or 2h',
      'policies[0].autoApprove[0]: must be one of scale, update, upgrade, restore, delete',
      'policies[0].protected: must be true or false',
    ]);
    assert.deepEqual(problemsOf('policies:\n  - match: { name: x }\n    bound: {}\n'), [
      'policies[0]: unknown key "bound": check the spelling',
    ]);
  });

  it('reads the old name autoApprove of both settings, naming the key to rename; refuses both names at once', async () => {
    const warnings: string[] = [];
    const listen = (warning: Error) => warnings.push(`${warning.name}: ${warning.message}`);
    process.on('warning', listen);
    const config = parseConfigText(
      `approvals:
  groups: { ops: [alice, bob] }
  default:
    approvers: [ops]
    autoApprove: { maxReplicaDelta: 1 }
policies:
  - match: { name: "t-*" }
    autoApprove: [scale]
`,
      'old.yaml',
    );
    await new Promise((resolve) => setImmediate(resolve));
    process.off('warning', listen);
    const cluster = { name: 't-1', tags: [] };
    const { approval, change } = resolveClusterPolicies(config, cluster);
    assert.deepEqual(change, resolveChangePolicy(config.policies, cluster));
    assert.deepEqual(approval, resolveApprovalPolicy(config, cluster));
    assert.deepEqual(change.autoApprove, ['scale']);
    assert.equal(approval.autoApprove?.maxReplicaDelta, 1);
    assert.deepEqual(warnings, [
      'DeprecationWarning: old.yaml: approvals.default.autoApprove is deprecated: rename it autoApproveSmallScale (same value)',
      'DeprecationWarning: old.yaml: policies[0].autoApprove is deprecated: rename it autoApproveKinds (same value)',
    ]);

    assert.deepEqual(
      problemsOf(
        'policies:\n  - match: { name: "t-*" }\n    autoApprove: [scale]\n    autoApproveKinds: [scale]\n',
      ),
      ['policies[0].autoApprove: is the old name of autoApproveKinds: give only autoApproveKinds'],
    );
    assert.deepEqual(
      problemsOf(
        'approvals:\n  groups: { ops: [alice] }\n  default:\n    approvers: [ops]\n    autoApprove: { maxReplicaDelta: 1 }\n    autoApproveSmallScale: { maxReplicaDelta: 1 }\n',
      ),
      [
        'approvals.default.autoApprove: is the old name of autoApproveSmallScale: give only autoApproveSmallScale',
      ],
    );
  });
});
