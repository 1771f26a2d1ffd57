import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Client } from '@temporalio/client';
import type { MetricMeter, MetricTags } from '@temporalio/common';
import { pendingApprovalsQuery, type PendingApprovalRow } from '../../src/approvals';
import { createLogger } from '../../src/observability/logger';
import { approvalGaugeValues, startApprovalGauges } from '../../src/observability/approval-gauges';
import type { PendingApproval } from '../../src/shared/approval';

const NOW = new Date('2030-01-01T12:00:00.000Z');

function row(workflowType: string, createdAt?: string): PendingApprovalRow {
  const runbookId = `${workflowType}:${createdAt ?? 'silent'}`;
  if (!createdAt) return { runbookId, runId: 'r', workflowType, problem: 'the runbook did not answer' };
  const pending = { plan: { createdAt } } as PendingApproval;
  return { runbookId, runId: 'r', workflowType, pending };
}

/** A meter that keeps the last value of each gauge series: the collaborator, not the thing under test. */
function recordingMeter() {
  const series = new Map<string, number>();
  const meter = {
    createGauge: (name: string) => ({
      set: (value: number, tags: MetricTags = {}) => series.set(`${name}${JSON.stringify(tags)}`, value),
    }),
  } as unknown as MetricMeter;
  const read = (name: string, kind: string) =>
    series.get(`${name}${JSON.stringify({ namespace: 'default', taskQueue: 'q', kind })}`);
  return { meter, read };
}

const ticks = async (count = 5) => {
  for (let index = 0; index < count; index += 1) await new Promise((resolve) => setImmediate(resolve));
};

describe('approval gauge values', () => {
  it('counts pending gates by kind and gives the age of the oldest plan in seconds', () => {
    const rows = [
      row('lifecycleRunbook', '2030-01-01T11:58:00.000Z'),
      row('lifecycleRunbook', '2030-01-01T11:59:30.000Z'),
      row('changeRunbook'),
    ];
    assert.deepEqual(approvalGaugeValues(rows, NOW), [
      { kind: 'lifecycle', pending: 2, oldestAgeSeconds: 120 },
      { kind: 'change', pending: 1, oldestAgeSeconds: 0 },
    ]);
  });

  it('reads 0 for every kind it was given when nothing waits, and never a negative age', () => {
    assert.deepEqual(approvalGaugeValues([], NOW, ['lifecycle', 'power']), [
      { kind: 'lifecycle', pending: 0, oldestAgeSeconds: 0 },
      { kind: 'power', pending: 0, oldestAgeSeconds: 0 },
    ]);
    assert.deepEqual(approvalGaugeValues([row('changeRunbook', '2030-01-01T12:00:05.000Z')], NOW, []), [
      { kind: 'change', pending: 1, oldestAgeSeconds: 0 },
    ]);
  });

  it('finds the gates of one task queue only when given one, quoting it safely', () => {
    assert.equal(pendingApprovalsQuery(), "ImplyApprovalState = 'pending' AND ExecutionStatus = 'Running'");
    assert.equal(
      pendingApprovalsQuery("it's"),
      "ImplyApprovalState = 'pending' AND ExecutionStatus = 'Running' AND TaskQueue = 'it\\'s'",
    );
  });
});

describe('approval gauge reader', () => {
  it('sets the gauges, keeps them through a failed read (logged once), and stops', async () => {
    const { meter, read } = recordingMeter();
    const answers: Array<PendingApprovalRow[] | Error> = [
      [row('lifecycleRunbook', '2030-01-01T11:59:00.000Z')],
      new Error('Temporal unavailable'),
      new Error('Temporal unavailable'),
      [],
    ];
    const asked: string[] = [];
    const lines: string[] = [];
    const logger = createLogger({
      level: 'INFO',
      format: 'json',
      component: 'worker',
      env: {},
      destination: { write: (line: string) => void lines.push(line) },
    });
    const gauges = startApprovalGauges({
      client: {} as Client,
      meter,
      namespace: 'default',
      taskQueue: 'q',
      intervalMs: 3_600_000,
      logger,
      now: () => NOW,
      readPending: async (_client, { taskQueue }) => {
        asked.push(taskQueue);
        const answer = answers.shift() ?? [];
        if (answer instanceof Error) throw answer;
        return answer;
      },
    });
    try {
      await ticks();
      assert.deepEqual(asked, ['q'], 'the first reading comes at once');
      assert.equal(read('imply_runbooks_approvals_pending', 'lifecycle'), 1);
      assert.equal(read('imply_runbooks_approval_oldest_age_seconds', 'lifecycle'), 60);
      assert.equal(read('imply_runbooks_approvals_pending', 'change'), 0);

      await gauges.collect();
      await gauges.collect();
      assert.equal(read('imply_runbooks_approvals_pending', 'lifecycle'), 1, 'kept through failures');
      const warnings = lines.map((line) => JSON.parse(line)).filter((record) => record.level === 'warn');
      assert.equal(warnings.length, 1);
      assert.equal(warnings[0].error, 'Temporal unavailable');

      await gauges.collect();
      assert.equal(read('imply_runbooks_approvals_pending', 'lifecycle'), 0);
      assert.ok(lines.some((line) => JSON.parse(line).msg === 'Approval gauges read again'));
    } finally {
      gauges.stop();
      gauges.stop();
    }
    assert.equal(asked.length, 4, 'no reading after stop');
  });
});
