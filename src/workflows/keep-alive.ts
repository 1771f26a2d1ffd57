import { condition, defineQuery, defineSignal, setHandler } from '@temporalio/workflow';
import type { KeepAlive } from '../shared/power';
import { RunbookTracker, runbookProgressQuery } from './progress';

/** Ends a keep-alive before its time, recording who removed it (`keep-alive cancel`). */
export const removeKeepAliveSignal = defineSignal<[{ by: string; reason?: string }]>('removeKeepAlive');
/** The override this workflow stands for. */
export const keepAliveQuery = defineQuery<KeepAlive>('keepAlive');

/** How a keep-alive ended: by itself at `until`, or removed early by someone. */
export interface KeepAliveEnd extends KeepAlive {
  ended: 'expired' | 'removed';
  endedAt: string;
  removedBy?: string;
  removedReason?: string;
}

/**
 * A keep-alive override (`keepalive:<clusterUid>`): while it runs, scheduled stops skip the cluster.
 * It sleeps until `until` and ends by itself; a `removeKeepAlive` signal (or a cancel) ends it early.
 * Its history is the audit: who set it, why, until when, and who removed it.
 */
export async function keepAliveRunbook(keepAlive: KeepAlive): Promise<KeepAliveEnd> {
  const tracker = new RunbookTracker('keep-alive', keepAlive.clusterName, [
    { name: 'keep', title: `Keep running until ${keepAlive.until}` },
  ]);
  tracker.cluster({ clusterId: keepAlive.clusterId });
  setHandler(runbookProgressQuery, () => tracker.snapshot());
  setHandler(keepAliveQuery, () => keepAlive);
  let removed: { by: string; reason?: string } | undefined;
  setHandler(removeKeepAliveSignal, (removal) => {
    removed ??= removal;
  });
  await tracker.step(
    'keep',
    async () => {
      tracker.detail(`set by ${keepAlive.setBy}: ${keepAlive.reason}`);
      const remainingMs = Date.parse(keepAlive.until) - Date.now();
      if (remainingMs > 0) await condition(() => removed !== undefined, remainingMs);
    },
    () => (removed ? `removed by ${removed.by}` : 'expired'),
  );
  tracker.finish('completed');
  const end: KeepAliveEnd = {
    ...keepAlive,
    ended: removed ? 'removed' : 'expired',
    endedAt: new Date().toISOString(),
  };
  if (removed) {
    end.removedBy = removed.by;
    if (removed.reason) end.removedReason = removed.reason;
  }
  return end;
}
