import { condition, defineQuery, defineSignal, setHandler } from '@temporalio/workflow';
import {
  SHRINK_RECORD_QUERY,
  SHRINK_RESTORED_SIGNAL,
  type ShrinkRecord,
  type ShrinkRecordEnd,
} from '../shared/shrink';
import { RunbookTracker, runbookProgressQuery } from './progress';

/** What the record remembers: read by the restore (through an activity) and by people. */
export const shrinkRecordQuery = defineQuery<ShrinkRecord>(SHRINK_RECORD_QUERY);
/** The restore put the values back: the record ends. */
export const shrinkRestoredSignal = defineSignal<[{ changeRunbook: string }]>(SHRINK_RESTORED_SIGNAL);

/**
 * `shrunk:<schedule>:<uid>`: what a shrink schedule changed on one cluster, kept until the
 * schedule's start slot puts it back (or `expiresAt`). Started by the shrink's fleet run after the
 * change runbook applied and verified the shrink; its id makes a second shrink keep the first values.
 * Its history is the audit of what was shrunk and when it came back.
 */
export async function shrinkRecord(record: ShrinkRecord): Promise<ShrinkRecordEnd> {
  const tracker = new RunbookTracker('shrink-record', record.clusterName, [
    { name: 'remember', title: 'Remember the values to restore until the start slot' },
  ]);
  tracker.cluster({ clusterId: record.clusterId });
  setHandler(runbookProgressQuery, () => tracker.snapshot());
  setHandler(shrinkRecordQuery, () => record);
  let restoredBy: string | undefined;
  setHandler(shrinkRestoredSignal, ({ changeRunbook }) => {
    restoredBy ??= changeRunbook;
  });
  await tracker.step(
    'remember',
    async () => {
      const remainingMs = Date.parse(record.expiresAt) - Date.now();
      if (remainingMs > 0) await condition(() => restoredBy !== undefined, remainingMs);
    },
    () => (restoredBy ? `restored by ${restoredBy}` : `expired at ${record.expiresAt} unrestored`),
  );
  tracker.finish('completed');
  return {
    ...record,
    ended: restoredBy ? 'restored' : 'expired',
    endedAt: new Date().toISOString(),
    ...(restoredBy ? { restoredBy } : {}),
  };
}
