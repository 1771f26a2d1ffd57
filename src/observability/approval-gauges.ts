import type { Client } from '@temporalio/client';
import type { MetricMeter } from '@temporalio/common';
import { listPendingApprovals, type PendingApprovalRow } from '../approvals';
import type { PinoLogger } from './logger';
import { METRICS, runbookKind } from './metric-names';

/**
 * The approval gauges: how many runbooks wait at a gate, and how long the oldest has waited, by kind.
 * A worker reads them from visibility (the same query as `imply-runbooks approvals`) for its own task
 * queue every interval: every worker on a queue reports the same figures, so aggregate with max().
 */

/** Kinds with an approval gate: shown as 0 from the first reading, before any gate opens. */
export const GATED_KINDS = ['lifecycle', 'change'] as const;

export interface ApprovalGaugeValue {
  kind: string;
  pending: number;
  /** Seconds since the oldest waiting plan was made; 0 when nothing waits (or no age is known). */
  oldestAgeSeconds: number;
}

/**
 * The gauges' values for `rows` at `now`, one per kind in `kinds` or in the rows (a kind whose gates
 * all closed reads 0). A row whose runbook did not answer counts as pending without an age. Pure.
 */
export function approvalGaugeValues(
  rows: readonly Pick<PendingApprovalRow, 'workflowType' | 'pending'>[],
  now: Date,
  kinds: Iterable<string> = GATED_KINDS,
): ApprovalGaugeValue[] {
  const values = new Map<string, ApprovalGaugeValue>();
  for (const kind of kinds) values.set(kind, { kind, pending: 0, oldestAgeSeconds: 0 });
  for (const row of rows) {
    const kind = runbookKind(row.workflowType);
    const value = values.get(kind) ?? { kind, pending: 0, oldestAgeSeconds: 0 };
    value.pending += 1;
    const madeAt = Date.parse(row.pending?.plan.createdAt ?? '');
    if (Number.isFinite(madeAt)) {
      const age = Math.max(0, (now.getTime() - madeAt) / 1000);
      value.oldestAgeSeconds = Math.max(value.oldestAgeSeconds, Math.round(age));
    }
    values.set(kind, value);
  }
  return [...values.values()];
}

export interface ApprovalGaugeOptions {
  /** A client on the worker's namespace (the worker's own: `worker.client`). */
  client: Client;
  meter: MetricMeter;
  namespace: string;
  taskQueue: string;
  intervalMs: number;
  logger?: PinoLogger;
  now?: () => Date;
  /** Default: listPendingApprovals. */
  readPending?: (client: Client, options: { taskQueue: string }) => Promise<PendingApprovalRow[]>;
}

export interface ApprovalGauges {
  /** One reading now; resolves when the gauges are set. Never throws: a failed read is logged. */
  collect(): Promise<void>;
  /** Stops the readings; a reading in flight ends unseen. Safe to call twice. */
  stop(): void;
}

/**
 * Reads the pending approvals now and then every `intervalMs`, and sets the gauges. Never throws
 * into the worker: a failed reading is logged once (and its recovery), the gauges keep their values.
 */
export function startApprovalGauges(options: ApprovalGaugeOptions): ApprovalGauges {
  const labels = { namespace: options.namespace, taskQueue: options.taskQueue };
  const pending = options.meter.createGauge(
    METRICS.approvalsPending,
    'int',
    undefined,
    'Runbooks waiting at an approval gate now',
  );
  const oldest = options.meter.createGauge(
    METRICS.approvalOldestAge,
    'int',
    's',
    'Seconds the oldest pending approval has waited since its plan was made',
  );
  const readPending = options.readPending ?? listPendingApprovals;
  const kinds = new Set<string>(GATED_KINDS);
  let stopped = false;
  let failing: string | undefined;
  let timer: NodeJS.Timeout | undefined;

  async function collect(): Promise<void> {
    try {
      const rows = await readPending(options.client, { taskQueue: options.taskQueue });
      if (stopped) return;
      for (const value of approvalGaugeValues(rows, (options.now ?? (() => new Date()))(), kinds)) {
        kinds.add(value.kind);
        pending.set(value.pending, { ...labels, kind: value.kind });
        oldest.set(value.oldestAgeSeconds, { ...labels, kind: value.kind });
      }
      if (failing) options.logger?.info({ taskQueue: options.taskQueue }, 'Approval gauges read again');
      failing = undefined;
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      if (!stopped && message !== failing) {
        options.logger?.warn(
          { taskQueue: options.taskQueue, error: message },
          'Cannot read pending approvals for the approval gauges: they keep their last values',
        );
      }
      failing = message;
    }
  }

  const loop = async () => {
    await collect();
    if (!stopped) timer = setTimeout(() => void loop(), options.intervalMs).unref();
  };
  void loop();
  return {
    collect,
    stop() {
      stopped = true;
      clearTimeout(timer);
    },
  };
}
