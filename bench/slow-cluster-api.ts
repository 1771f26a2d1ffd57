import { activityInfo } from '@temporalio/activity';
import type { ClusterSummary } from '../src/activities';
import type { DesiredState } from '../src/cloud-manager/schemas/cluster';
import type { NodeGroup } from '../src/shared/power';

/**
 * One cluster behind the activities a power runbook calls, whose stop takes `transitionMs` of the
 * Temporal server's time: on the time-skipping test server a 10-minute stop passes in moments, and
 * the clock each call reads is the one the workflow's timers run on. Counts every call.
 */
export interface SlowClusterApi {
  activities: {
    readClusterPower(clusterId: string): Promise<{ summary: ClusterSummary; nodes: NodeGroup[] }>;
    setDesiredState(clusterId: string, desiredState: DesiredState): Promise<ClusterSummary>;
    getClusterSummary(clusterId: string): Promise<ClusterSummary>;
    findLifecycleChange(clusterId: string): Promise<{ runbookId: string; step: string } | undefined>;
  };
  /** Calls by activity name. */
  calls: Map<string, number>;
}

const NODES: NodeGroup[] = [{ group: 'data.tier1', instanceType: 't2.small', replicas: 1 }];

/** A RUNNING cluster whose stop lasts `transitionMs` of server time. */
export function slowClusterApi(clusterId: string, transitionMs: number): SlowClusterApi {
  const calls = new Map<string, number>();
  let stopAskedAt: number | undefined;
  let resourceVersion = 0;
  // The server's clock when it scheduled this call: skipped time included.
  const serverNow = () => activityInfo().currentAttemptScheduledTimestampMs;
  const count = (name: string) => calls.set(name, (calls.get(name) ?? 0) + 1);
  const summary = (): ClusterSummary => {
    const state =
      stopAskedAt === undefined
        ? 'RUNNING'
        : serverNow() >= stopAskedAt + transitionMs
          ? 'STOPPED'
          : 'STOPPING';
    return {
      uid: clusterId,
      name: 'slow-cluster',
      state,
      resourceVersion,
      desiredState: stopAskedAt === undefined ? 'STARTED' : 'STOPPED',
    };
  };
  return {
    calls,
    activities: {
      // A visibility lookup, not a Cloud Manager call: not counted. No lifecycle runbook holds it.
      async findLifecycleChange() {
        return undefined;
      },
      async readClusterPower() {
        count('readClusterPower');
        return { summary: summary(), nodes: NODES };
      },
      async setDesiredState(_clusterId, desiredState) {
        count('setDesiredState');
        if (desiredState === 'STOPPED' && stopAskedAt === undefined) {
          stopAskedAt = serverNow();
          resourceVersion += 1;
        }
        return summary();
      },
      async getClusterSummary() {
        count('getClusterSummary');
        return summary();
      },
    },
  };
}
