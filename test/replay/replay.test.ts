import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import type { History } from '@temporalio/common/lib/proto-utils';
import { DefaultLogger, Runtime, Worker, type ReplayResult } from '@temporalio/worker';
import { getWorkflowBundle } from '../../src/workflow-bundle';
import { historyFromJson } from '../../scripts/lib/history-json';

/**
 * Replays recorded lifecycle, power, change and fleet histories (scripts/record-histories.ts; those
 * named `*-before-…-patch` were recorded once, by the code before that `patched()` id) against today's
 * workflow code: a change that would break runbooks already running fails here, before it reaches a
 * worker.
 */

const HISTORIES = path.resolve(__dirname, '../fixtures/histories');

function readHistories(): Array<{ workflowId: string; history: History }> {
  return readdirSync(HISTORIES)
    .filter((file) => file.endsWith('.json'))
    .sort()
    .map((file) => ({
      workflowId: path.basename(file, '.json'),
      history: historyFromJson(JSON.parse(readFileSync(path.join(HISTORIES, file), 'utf8'))),
    }));
}

async function replay(histories: Array<{ workflowId: string; history: History }>): Promise<ReplayResult[]> {
  const results: ReplayResult[] = [];
  const workflowBundle = await getWorkflowBundle();
  for await (const result of Worker.runReplayHistories({ workflowBundle }, histories)) results.push(result);
  return results;
}

describe('replay of recorded runbook histories', () => {
  before(() => {
    // The altered history makes core warn on stderr; quiet, since failing there is the point.
    Runtime.install({
      logger: new DefaultLogger('ERROR'),
      telemetryOptions: { logging: { filter: { core: 'ERROR', other: 'ERROR' }, forward: {} } },
    });
  });

  it('replays every recorded history without a determinism error', async () => {
    const histories = readHistories();
    assert.deepEqual(
      histories.map((entry) => entry.workflowId),
      [
        'change-cancelled-after-put',
        // *-before-cancel-patch: from before change-rollback-on-cancel (a cancel after the PUT rolls back).
        'change-cancelled-before-cancel-patch',
        'change-completed-before-cancel-patch',
        'change-rolled-back-before-cancel-patch',
        'change-rolled-back',
        'change-scale-completed',
        // *-before-shared-watch-patch: from before fleet-shared-watch (each power runbook polled itself).
        'fleet-stop-before-shared-watch-patch',
        'fleet-stop-completed',
        // lifecycle-{cancelled,completed,failed}: recorded before patch lifecycle-composes-change, with
        // the lifecycle's own scale pipeline; lifecycle-composed-*: since, scale, stop and delete as children.
        'lifecycle-cancelled',
        'lifecycle-completed',
        'lifecycle-composed-cancelled',
        'lifecycle-composed-completed',
        'lifecycle-failed',
        // Recorded before the power runbook confirmed on its last poll (patch power-confirm-from-last-poll).
        'power-stop-before-confirm-patch',
        'power-stop-completed',
        // Children of the fleet recordings: the fleet's listing instead of a first read; before the
        // patch, the lane's cool-down and its own polls; since, the fleet's word.
        'power-stop-in-fleet-before-shared-watch-patch',
        'power-stop-in-fleet-completed',
      ],
    );
    const results = await replay(histories);
    assert.equal(results.length, histories.length);
    for (const result of results) {
      assert.equal(result.error, undefined, `${result.workflowId}: ${result.error?.message}`);
    }
  });

  it('reports a history the workflow code no longer matches', async () => {
    const [completed] = readHistories().filter((entry) => entry.workflowId === 'lifecycle-completed');
    assert.ok(completed);
    // As if the runbook once called another activity first: today's code would schedule validateCluster.
    const scheduled = completed.history.events?.find((event) => event.activityTaskScheduledEventAttributes);
    const attributes = scheduled?.activityTaskScheduledEventAttributes;
    assert.equal(attributes?.activityType?.name, 'validateCluster');
    attributes!.activityType = { name: 'checkQuota' };
    const [result] = await replay([completed]);
    assert.ok(result?.error, 'the altered history replays with an error');
    assert.match(result.error.message, /validateCluster|checkQuota|nondetermin/i);
  });
});
