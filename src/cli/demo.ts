import path from 'node:path';
import { lifecycleWorkflowId } from '../shared/runbook';
import { projectRoot } from '../temporal/cli-path';
import { connectClient, type TemporalSettings } from '../temporal/connection';
import { lifecycleInputFromFlags } from './lifecycle-input';
import { followRunbook, runbookUiLink, startLifecycle } from './runbook-client';

/** What the dev stack hands the demo: where everything runs, and a signal that fires on Ctrl-C. */
export interface DemoContext {
  temporalAddress: string;
  namespace: string;
  taskQueue: string;
  uiUrl?: string;
  emulatorApiUrl: string;
  signal: AbortSignal;
}

const say = (line: string) => console.log(`[demo] ${line}`);

/**
 * The tutorial as a runbook, against the emulator: create clusters-example, wait until RUNNING,
 * scale data tier1 1 → 2 with the rename, verify the version, stop, delete. A demo runbook left
 * running by an earlier `npm start` (the server keeps it) is followed instead of started again.
 */
export async function runDemo(context: DemoContext): Promise<void> {
  const input = lifecycleInputFromFlags({
    spec: path.join(projectRoot(), 'examples', 'tutorial-cluster.json'),
    scale: ['data.tier1.replicas=2', 'metadata.name=clusters-example-scaled'],
    force: true,
    stopAfter: '5s',
    delete: true,
    pollInitial: '1s',
    pollMax: '5s',
  });
  const settings: TemporalSettings = {
    address: context.temporalAddress,
    namespace: context.namespace,
    taskQueue: context.taskQueue,
  };
  const { client, connection } = await connectClient(settings);
  try {
    const workflowId = lifecycleWorkflowId(input.cluster.metadata.name);
    const earlier = client.workflow.getHandle(workflowId);
    const running = await earlier.describe().then(
      (description) => description.status.name === 'RUNNING',
      () => false,
    );
    say('The Cloud Manager tutorial as a durable runbook, against the local emulator:');
    say(
      'create clusters-example → wait until RUNNING → scale data.tier1 1 → 2 and rename → verify the version → stop → delete',
    );
    const handle = running ? earlier : await startLifecycle(client, settings, input);
    say(
      `${running ? 'Following the demo runbook an earlier run left going' : 'Started runbook'} ${workflowId}`,
    );
    const link = context.uiUrl
      ? `${context.uiUrl}/namespaces/${encodeURIComponent(context.namespace)}/workflows/${encodeURIComponent(workflowId)}`
      : runbookUiLink(settings, workflowId);
    if (link) say(`Watch it in the Temporal UI: ${link}`);
    const end = await followRunbook(handle, (line) => say(line), { signal: context.signal });
    if (!end) return say('Stopped following; the runbook goes on in Temporal and resumes with the stack.');
    if (end.outcome === 'completed') {
      say(
        `Done: ${end.result.clusterName} (${end.result.clusterId}) went through every step and is ${end.result.finalState}.`,
      );
    } else {
      say(`The runbook ${end.outcome}: ${end.message}`);
      say('To start from a clean slate: npm start -- --fresh');
    }
  } finally {
    await connection.close();
  }
}
