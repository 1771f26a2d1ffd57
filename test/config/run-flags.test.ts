import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { lifecycleInputFromFlags, requesterFrom } from '../../src/cli/lifecycle-input';
import { approvalAdvice } from '../../src/cli/commands/runbooks';

const tutorial = JSON.parse(readFileSync('examples/tutorial-cluster.json', 'utf8'));
const scale = ['data.tier1.replicas=2'];

function withFiles<T>(body: (directory: string) => T): T {
  const directory = mkdtempSync(join(tmpdir(), 'imply-run-flags-'));
  try {
    return body(directory);
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
}

describe('run lifecycle approval flags', () => {
  it('takes the requester from --as, then IMPLY_RUNBOOKS_USER, then the OS user', () => {
    assert.equal(requesterFrom(' erin ', { IMPLY_RUNBOOKS_USER: 'frank' }), 'erin');
    assert.equal(requesterFrom(undefined, { IMPLY_RUNBOOKS_USER: 'frank' }), 'frank');
    assert.equal(requesterFrom(undefined, {}), userInfo().username);
  });

  it('gives a scale change the default policy of the built-in configuration, with requester and reason', () => {
    const input = lifecycleInputFromFlags(
      { spec: 'examples/tutorial-cluster.json', scale, as: 'dave', reason: ' launch ' },
      Date.now(),
      {},
    );
    assert.equal(input.requester, 'dave');
    assert.equal(input.reason, 'launch');
    assert.deepEqual(input.approval, {
      name: 'default',
      stage: { groups: ['ops'], approvers: ['alice', 'bob'], required: 1, timeoutMs: 86_400_000 },
    });
  });

  it('skips the gate with --no-approval, and when there is no scale change to approve', () => {
    const spec = 'examples/tutorial-cluster.json';
    assert.equal(
      lifecycleInputFromFlags({ spec, scale, approval: false }, Date.now(), {}).approval,
      undefined,
    );
    assert.equal(lifecycleInputFromFlags({ spec }, Date.now(), {}).approval, undefined);
  });

  it('resolves the policy of the --config file by the spec awsTags and name', () => {
    withFiles((directory) => {
      const config = join(directory, 'approvals.yaml');
      writeFileSync(
        config,
        `approvals:
  groups: { ops: [alice, bob], leads: [carol] }
  default: { approvers: [ops] }
  policies:
    - { name: production, match: { tags: { env: prod } }, approvers: [leads], timeout: 4h }
`,
      );
      const spec = join(directory, 'prod.json');
      writeFileSync(
        spec,
        JSON.stringify({
          ...tutorial,
          spec: { ...tutorial.spec, awsTags: [{ name: 'env', value: 'prod' }] },
        }),
      );
      const input = lifecycleInputFromFlags({ spec, scale, config, as: 'dave' }, Date.now(), {});
      assert.equal(input.approval?.name, 'production');
      assert.deepEqual(input.approval?.stage.approvers, ['carol']);
      assert.equal(input.approval?.stage.timeoutMs, 4 * 3_600_000);
      assert.throws(
        () => lifecycleInputFromFlags({ spec, scale, config: join(directory, 'none.yaml') }, Date.now(), {}),
        /none\.yaml: not found \(named by --config\)/,
      );
    });
  });

  it('tells the requester how to approve, and warns when nobody else can', () => {
    const input = lifecycleInputFromFlags(
      { spec: 'examples/tutorial-cluster.json', scale, as: 'alice' },
      Date.now(),
      {},
    );
    const lines = approvalAdvice(input, 'lifecycle:clusters-example');
    assert.match(lines[1] ?? '', /imply-runbooks approve lifecycle:clusters-example --as bob/);
    assert.match(lines[1] ?? '', /http:\/\/127\.0\.0\.1:8787\/approvals\/lifecycle%3Aclusters-example/);
    assert.equal(lines.length, 2);
    const alone = {
      ...input,
      approval: { ...input.approval!, stage: { ...input.approval!.stage, approvers: ['alice'] } },
    };
    assert.match(approvalAdvice(alone, 'x').at(-1) ?? '', /Warning: only 0 approver\(s\) besides alice/);
    const costly = {
      ...input,
      approval: {
        ...input.approval!,
        costDelta: { above: 5000, groups: ['leads'], approvers: ['carol'], required: 1 },
      },
    };
    assert.equal(
      approvalAdvice(costly, 'x')[2],
      'If the scale adds more than 5,000 a month (the plan shows its cost), it also needs 1 approval(s) from leads (carol).',
    );
  });
});
