import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadConfig, resolveApprovalPolicy } from '../../src/config';

describe('the example configuration in examples/', () => {
  it('loads, and resolves the policies the README describes', () => {
    const config = loadConfig({
      path: 'examples/imply-runbooks.config.yaml',
      env: { SLACK_WEBHOOK_URL: 'x' },
    });
    const production = resolveApprovalPolicy(config, {
      name: 'orders',
      tags: [{ name: 'env', value: 'prod' }],
    });
    assert.equal(production.name, 'production');
    assert.equal(production.stage.required, 2);
    assert.deepEqual([...production.stage.approvers].sort(), ['alice', 'bob', 'carol']);
    assert.deepEqual(production.escalation?.approvers, ['carol']);
    const test = resolveApprovalPolicy(config, { name: 'test-nightly', tags: [] });
    assert.equal(test.name, 'test-clusters');
    assert.equal(test.autoApprove?.maxReplicaDelta, 1);
    const other = resolveApprovalPolicy(config, { name: 'other', tags: [] });
    assert.equal(other.stage.timeoutMs, 86_400_000);
    assert.deepEqual(other.costDelta, { above: 5000, groups: ['leads'], approvers: ['carol'], required: 1 });
  });
});
