import { request } from 'undici';
import { StaticTokenProvider } from '../../src/cloud-manager/auth';
import { CloudManagerClient } from '../../src/cloud-manager/client';
import { TUTORIAL_CLUSTER } from '../fault-suite/tutorial-cluster';
import { until, type CheckOutcome } from './check-approval';
import type { Topology } from './topology';
import { hiddenField, WebSession } from './web-session';

/**
 * A scale trigger (what Alertmanager sends) through web server B: the change runbook it starts waits
 * for approval, alice approves on web server A, and the emulator's cluster ends with 3 replicas.
 */

export function emulatorApi(topology: Topology): CloudManagerClient {
  return new CloudManagerClient({
    baseUrl: `${topology.emulatorUrl}/api/v1`,
    auth: new StaticTokenProvider(topology.settings.IMPLY_TOKEN!),
  });
}

export async function checkScaleTrigger(
  topology: Topology,
  log: (line: string) => void,
): Promise<CheckOutcome> {
  const api = emulatorApi(topology);
  const name = 'rehearsal-trigger';
  const uid = (await api.createCluster({ ...TUTORIAL_CLUSTER, metadata: { name } })).metadata.uid;
  await until(`${name} RUNNING`, async () =>
    (await api.getCluster(uid)).status?.state === 'RUNNING' ? true : undefined,
  );
  const webB = topology.webUrls[1]!;
  const response = await request(`${webB}/api/triggers/scale`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${topology.settings.IMPLY_RUNBOOKS_TRIGGER_TOKEN}`,
      'content-type': 'application/json',
    },
    body: JSON.stringify({ cluster: name, set: { 'data.tier1.replicas': 3 }, reason: 'rehearsal alert' }),
  });
  const answer = (await response.body.json()) as {
    runbookId?: string;
    results?: Array<{ runbookId?: string }>;
  };
  if (response.statusCode !== 202)
    throw new Error(`scale trigger on web server B: HTTP ${response.statusCode} ${JSON.stringify(answer)}`);
  const runbookId = answer.runbookId ?? answer.results?.[0]?.runbookId ?? `change:${uid}`;
  log(`  scale trigger accepted by web server B (202): ${runbookId}`);
  const alice = new WebSession('alice', topology.webUrls[0]!);
  await alice.signIn(topology.settings.IMPLY_RUNBOOKS_TOKEN_ALICE!);
  const page = `/approvals/${encodeURIComponent(runbookId)}`;
  const form = await until("the trigger's gate on web server A", async () => {
    const { body } = await alice.get(page);
    return hiddenField(body, 'csrf') ? body : undefined;
  });
  const decided = await alice.post(`${page}/decision`, {
    csrf: hiddenField(form, 'csrf')!,
    planVersion: hiddenField(form, 'planVersion')!,
    return: page,
    decision: 'approve',
  });
  if (decided.status >= 400)
    throw new Error(`alice's approval of the trigger: HTTP ${decided.status}: ${decided.body}`);
  log('  alice approved the triggered scale on web server A');
  await until(`${name} at 3 tier1 replicas and RUNNING`, async () => {
    const now = await api.getCluster(uid);
    return now.status?.state === 'RUNNING' && now.spec.data?.tier1?.replicas === 3 ? true : undefined;
  });
  log(`  ${name} runs with 3 tier1 replicas`);
  return { name: 'scale trigger through web server B', runbookIds: [runbookId], notes: [] };
}
