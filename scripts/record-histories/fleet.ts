import { fleetStartOptions, type FleetInput } from '../../src/shared/power';
import { fleetRunbook } from '../../src/workflows';
import { named, runningCluster, WAIT, type Recording } from './recording';
import { changeWorkflowId } from '../../src/shared/runbook-ids';

/**
 * A fleet run stopping three tagged RUNNING clusters, two at a time: the parent's history (its
 * shared list reads and signals), and the power runbook of the third cluster, which waited for a
 * free lane, PATCHed from the fleet's listing without reading first and waited for the fleet's word.
 * (The `*-before-shared-watch-patch` recordings are the same runs from before `fleet-shared-watch`.)
 */

const FLEET_RECORDING = 'fleet-stop-completed';
const CHILD_RECORDING = 'power-stop-in-fleet-completed';
const CLUSTERS = ['fleet-1', 'fleet-2', 'fleet-3'];
const TAG = { 'imply-runbooks/recorder': 'fleet' };

export const fleetRecording: Recording = {
  name: FLEET_RECORDING,
  async run(context) {
    const uids: string[] = [];
    for (const name of CLUSTERS) uids.push(await runningCluster(context.api, named(name, TAG)));
    const input: FleetInput = {
      action: 'stop',
      selector: { tags: TAG },
      requester: 'recorder',
      concurrency: 2,
      requestsPerSecond: 10,
      wait: WAIT,
    };
    const handle = await context.client.workflow.start(
      fleetRunbook,
      fleetStartOptions(input, context.taskQueue, new Date()),
    );
    const summary = await handle.result();
    const stopped = summary.done.join(', ');
    if (stopped !== CLUSTERS.join(', ') || summary.selected !== CLUSTERS.length) {
      throw new Error(
        `${FLEET_RECORDING} stopped ${stopped || 'none'} of ${summary.selected} ` +
          `(failed: ${JSON.stringify(summary.failed)}, skipped: ${JSON.stringify(summary.skipped)}), ` +
          `not ${CLUSTERS.join(', ')}: not recorded`,
      );
    }
    const child = context.client.workflow.getHandle(changeWorkflowId(uids.at(-1) as string));
    return [
      { name: FLEET_RECORDING, handle, ended: `completed, stopped ${stopped}` },
      { name: CHILD_RECORDING, handle: child, ended: `completed, child of ${FLEET_RECORDING}` },
    ];
  },
};
