import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseConfigText, resolveApprovalPolicy } from '../../src/config';
import { configProblems } from '../helpers/config-problems';

/** `costDelta` in approval policies: more approvers when a plan adds more than `above` a month. */

const GROUPS = 'approvals:\n  groups: { ops: [alice, bob], leads: [carol, dave] }\n';

const problemsOf = configProblems;

describe('costDelta in approval policies', () => {
  it('resolves on the default and on named policies, groups expanded and required 1 by default', () => {
    const config = parseConfigText(
      GROUPS +
        '  default:\n    approvers: [ops]\n    costDelta: { above: 5000, approvers: [leads] }\n' +
        '  policies:\n    - name: prod\n      match: { tags: { env: prod } }\n      approvers: [ops]\n' +
        '      costDelta: { above: 1000.5, approvers: [leads, ops], required: 2 }\n',
    );
    assert.deepEqual(resolveApprovalPolicy(config, { name: 'any', tags: [] }).costDelta, {
      above: 5000,
      groups: ['leads'],
      approvers: ['carol', 'dave'],
      required: 1,
    });
    const prod = resolveApprovalPolicy(config, { name: 'p', tags: [{ name: 'env', value: 'prod' }] });
    assert.deepEqual(prod.costDelta, {
      above: 1000.5,
      groups: ['leads', 'ops'],
      approvers: ['carol', 'dave', 'alice', 'bob'],
      required: 2,
    });
  });

  it('leaves a policy without costDelta as it was', () => {
    const config = parseConfigText(GROUPS + '  default: { approvers: [ops] }\n');
    assert.equal('costDelta' in resolveApprovalPolicy(config, { name: 'any', tags: [] }), false);
  });

  it('names the field of each mistake', () => {
    assert.deepEqual(
      problemsOf(GROUPS + '  default:\n    approvers: [ops]\n    costDelta: { above: -1, approvers: [] }\n'),
      [
        'approvals.default.costDelta.above: must be 0 or more: the monthly rise above which more approvers are needed',
        'approvals.default.costDelta.approvers: must name at least one group',
      ],
    );
    assert.deepEqual(
      problemsOf(
        GROUPS +
          '  default:\n    approvers: [ops]\n    costDelta: { above: "5k", approvers: [leads], over: 1 }\n',
      ),
      [
        'approvals.default.costDelta.above: must be a monthly amount in the price table currency, such as 5000',
        'approvals.default.costDelta: unknown key "over": check the spelling',
      ],
    );
  });

  it('checks its groups exist and its required approvals are reachable', () => {
    assert.deepEqual(
      problemsOf(
        GROUPS +
          '  default: { approvers: [ops] }\n  policies:\n    - name: prod\n      match: { name: "prod-*" }\n' +
          '      approvers: [ops]\n      costDelta: { above: 5000, approvers: [lead] }\n',
      ),
      [
        'approvals.policies[0].costDelta.approvers[0]: unknown group "lead": define it under approvals.groups (known: ops, leads)',
      ],
    );
    assert.deepEqual(
      problemsOf(
        GROUPS +
          '  default:\n    approvers: [ops]\n    costDelta: { above: 5000, approvers: [leads], required: 3 }\n',
      ),
      ['approvals.default.costDelta.required: needs 3 approvals but group leads has only 2 members'],
    );
  });
});
