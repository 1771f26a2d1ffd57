import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { WorkflowFailedError } from '@temporalio/client';
import { parseConfigText } from '../../src/config';
import type { ChangeRequest, ChangeResult } from '../../src/shared/change';
import { powerStartOptions, type FleetSummary, type PowerResult } from '../../src/shared/power';
import { submitChange } from '../../src/triggers/submit-change';
import { runbookProgressQuery } from '../../src/workflows';
import {
  createE2eEnvironment,
  eventually,
  FAST_WAIT,
  lifecycleInput,
  TUTORIAL_CLUSTER,
  uniqueClusterName,
  type E2eEnvironment,
  type Scenario,
} from '../helpers/e2e';

/**
 * What the real API may do that our emulator did not: answer 202 and show the change only later
 * (with or without the new resource version already showing), and show state names nobody
 * documented. Runbooks must neither call a change done before it took effect nor throw on a name.
 */

const LAG_MS = 1500;
const TRANSITION_MS = 500;
/** Longer than the lag: a change with no transition seen counts only after holding this long. */
const WAIT = { ...FAST_WAIT, settleMs: 2 * LAG_MS };

function policyFor(name: string): string {
  return `
approvals:
  groups: { ops: [alice, bob] }
  default: { approvers: [ops], required: 1, timeout: 1h }
policies:
  - name: e2e
    match: { name: "${name}" }
    autoApproveKinds: [scale, restore, delete]
    cooldown: 0
`;
}

describe('changes that show late and states nobody documented (dev server, emulator, worker)', () => {
  let environment: E2eEnvironment;
  before(async () => {
    environment = await createE2eEnvironment();
  });
  after(async () => {
    await environment?.close();
  });

  async function runningCluster(scenario: Scenario, prefix: string) {
    const name = uniqueClusterName(prefix);
    const uid = (await scenario.api.createCluster({ ...TUTORIAL_CLUSTER, metadata: { name } })).metadata.uid;
    await eventually(
      'the cluster RUNNING',
      async () => ((await scenario.api.getCluster(uid)).status?.state === 'RUNNING' ? true : undefined),
      { timeoutMs: 20_000 },
    );
    return { uid, name };
  }

  async function change(
    scenario: Scenario,
    name: string,
    request: Omit<ChangeRequest, 'requester' | 'source'>,
  ) {
    const dependencies = {
      api: scenario.api,
      client: environment.client,
      taskQueue: scenario.taskQueue,
      config: parseConfigText(policyFor(name)),
    };
    const { ack } = await submitChange(
      dependencies,
      name,
      { ...request, requester: 'dave', source: 'cli' },
      WAIT,
    );
    const handle = environment.client.workflow.getHandle(ack.runbookId);
    return { handle, result: (await handle.result()) as ChangeResult };
  }

  /** When the runbook closed: the change it waited for must have ended before that. */
  async function closedAt(workflowId: string, runId?: string): Promise<number> {
    const description = await environment.client.workflow.getHandle(workflowId, runId).describe();
    assert.ok(description.closeTime, 'the runbook has closed');
    return description.closeTime.getTime();
  }

  function acceptedAt(scenario: Scenario, uid: string, method: string): number {
    const accepted = scenario.emulator
      .requestLog()
      .filter((entry) => entry.clusterId === uid && entry.method === method && entry.status === 202);
    assert.ok(accepted.length > 0, `a ${method} of ${uid} was accepted`);
    return Date.parse(accepted.at(-1)!.at);
  }

  for (const bumpsVersion of [true, false]) {
    const shows = bumpsVersion ? 'the new resource version at once' : 'the old resource version';
    it(`scale and restore wait until the change took effect when the API shows ${shows} for a while`, async () => {
      const scenario = await environment.scenario({
        transitionMs: TRANSITION_MS,
        faults: { acceptLagMs: LAG_MS, acceptLagBumpsVersion: bumpsVersion },
      });
      await scenario.startWorker();
      const { uid, name } = await runningCluster(scenario, 'late-change');

      const scaled = await change(scenario, name, {
        kind: 'scale',
        changes: [{ path: 'spec.data.tier1.replicas', value: 3 }],
      });
      assert.equal(scaled.result.outcome, 'applied', JSON.stringify(scaled.result));
      // The transition showed only after the lag and then took its time: done no earlier than that.
      const tookEffect = acceptedAt(scenario, uid, 'PUT') + LAG_MS + TRANSITION_MS;
      assert.ok((await closedAt(scaled.handle.workflowId)) >= tookEffect, 'scale called done too early');

      const restored = await change(scenario, name, { kind: 'restore', toVersion: 0 });
      assert.equal(restored.result.outcome, 'applied', JSON.stringify(restored.result));
      const restoredAt = acceptedAt(scenario, uid, 'PUT') + LAG_MS + TRANSITION_MS;
      assert.ok((await closedAt(restored.handle.workflowId)) >= restoredAt, 'restore called done too early');
      const cluster = await scenario.api.getCluster(uid);
      assert.equal(cluster.spec.data?.tier1?.replicas, 1);
      assert.equal(cluster.status?.state, 'RUNNING');
    });
  }

  it('stop, start and delete wait through the lag to the state they asked for', async () => {
    const scenario = await environment.scenario({
      transitionMs: TRANSITION_MS,
      faults: { acceptLagMs: LAG_MS, acceptLagBumpsVersion: true },
    });
    await scenario.startWorker();
    const { uid, name } = await runningCluster(scenario, 'late-power');
    for (const action of ['stop', 'start'] as const) {
      const handle = await environment.client.workflow.start(
        'powerRunbook',
        powerStartOptions(
          { clusterId: uid, action, requester: 'dave', source: 'person', wait: WAIT },
          scenario.taskQueue,
          name,
        ),
      );
      const result = (await handle.result()) as PowerResult;
      assert.equal(result.outcome, 'done', JSON.stringify(result));
      assert.equal(result.finalState, action === 'stop' ? 'STOPPED' : 'RUNNING');
      const tookEffect = acceptedAt(scenario, uid, 'PATCH') + LAG_MS + TRANSITION_MS;
      assert.ok((await closedAt(handle.workflowId, handle.firstExecutionRunId)) >= tookEffect);
    }
    const deleted = await change(scenario, name, { kind: 'delete' });
    assert.equal(deleted.result.outcome, 'applied', JSON.stringify(deleted.result));
    assert.ok((await closedAt(deleted.handle.workflowId)) >= acceptedAt(scenario, uid, 'DELETE') + LAG_MS);
    await assert.rejects(scenario.api.getCluster(uid), /404/);
  });

  it('lifecycle, power, change and fleet runbooks wait through an undocumented state, showing it verbatim', async () => {
    const scenario = await environment.scenario({
      transitionMs: TRANSITION_MS,
      faults: { unknownTransitionState: 'PROVISIONING' },
    });
    await scenario.startWorker();
    const name = uniqueClusterName('unknown-state');
    const lifecycle = await scenario.startRunbook(
      lifecycleInput(name, { scale: [{ path: 'spec.data.tier1.replicas', value: 2 }], wait: WAIT }),
    );
    const seen = await eventually('PROVISIONING in the runbook progress', async () => {
      const progress = await lifecycle.query(runbookProgressQuery);
      const text = JSON.stringify(progress);
      return text.includes('PROVISIONING (undocumented state') ? text : undefined;
    });
    assert.match(seen, /treated as a transition in progress/);
    assert.equal((await lifecycle.result()).outcome, 'completed');
    const uid = (await scenario.api.listClusters()).find((cluster) => cluster.metadata.name === name)!
      .metadata.uid;

    const scaled = await change(scenario, name, {
      kind: 'scale',
      changes: [{ path: 'spec.data.tier1.replicas', value: 3 }],
    });
    assert.equal(scaled.result.outcome, 'applied', JSON.stringify(scaled.result));

    // A stop that finds the cluster mid-transition under the undocumented name waits for it to settle.
    await scenario.api.patchCluster(uid, { spec: { desiredState: 'STOPPED' } });
    await eventually('the cluster in its undocumented state', async () =>
      (await scenario.api.getCluster(uid)).status?.state === 'PROVISIONING' ? true : undefined,
    );
    const start = await environment.client.workflow.start(
      'powerRunbook',
      powerStartOptions(
        { clusterId: uid, action: 'start', requester: 'dave', source: 'person', wait: WAIT },
        scenario.taskQueue,
        name,
      ),
    );
    const started = (await start.result()) as PowerResult;
    assert.equal(started.outcome, 'done', JSON.stringify(started));
    assert.equal(started.finalState, 'RUNNING');

    const fleet = await environment.client.workflow.start('fleetRunbook', {
      taskQueue: scenario.taskQueue,
      workflowId: `fleet:e2e:${uid}`,
      args: [{ action: 'stop', selector: { clusters: [uid] }, requester: 'dave', wait: WAIT }],
    });
    const summary = (await fleet.result()) as FleetSummary;
    assert.deepEqual([summary.done.length, summary.failed], [1, []], JSON.stringify(summary));
    assert.equal((await scenario.api.getCluster(uid)).status?.state, 'STOPPED');
  });

  it('fails a wait past its deadline naming the undocumented state it saw and for how long', async () => {
    const scenario = await environment.scenario({
      transitionMs: 60_000,
      faults: { unknownTransitionState: 'RESIZING' },
    });
    await scenario.startWorker();
    const name = uniqueClusterName('unknown-deadline');
    const handle = await scenario.startRunbook(
      lifecycleInput(name, { wait: { ...FAST_WAIT, transitionTimeoutMs: 2_000 } }),
    );
    const failure = await handle.result().then(
      () => assert.fail('the runbook should fail at its deadline'),
      (error: unknown) => error,
    );
    assert.ok(failure instanceof WorkflowFailedError);
    const messages: string[] = [];
    for (let cause: unknown = failure; cause instanceof Error; cause = cause.cause)
      messages.push(cause.message);
    assert.match(
      messages.join(' | '),
      /did not reach RUNNING within 2(\.0)?s: still RESIZING \(undocumented state: treated as a transition in progress\), seen for \S+ on \d+ polls?/,
    );
  });
});
