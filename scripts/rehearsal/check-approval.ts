import { setTimeout as delay } from 'node:timers/promises';
import { runCli } from '../lib/run-cli';
import type { LifecycleResult } from '../../src/shared/runbook';
import { runbookProgressQuery } from '../../src/workflows/progress';
import type { Topology } from './topology';
import { hiddenField, WebSession } from './web-session';

/**
 * The tutorial's lifecycle runbook end to end through the production topology: bob asks for it with
 * the CLI and watches its gate on web server B, alice approves it on web server A, it runs to the end.
 * Then alice's browser, signed in on A, opens B: sessions and CSRF tokens must hold across replicas.
 */

export interface CheckOutcome {
  name: string;
  runbookIds: string[];
  notes: string[];
}

const TUTORIAL = 'examples/tutorial-cluster.json';

/** Polls `check` every second until it returns something; throws naming `what` after `timeoutMs`. */
export async function until<T>(
  what: string,
  check: () => Promise<T | undefined>,
  timeoutMs = 120_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = await check().catch(() => undefined);
    if (value !== undefined) return value;
    await delay(1_000);
  }
  throw new Error(`${what}: not within ${timeoutMs / 1000} s`);
}

export function cliEnv(topology: Topology): Record<string, string> {
  return Object.fromEntries(
    Object.entries(topology.cliEnvironment).filter(
      (entry): entry is [string, string] => entry[1] !== undefined,
    ),
  );
}

export async function checkApprovalAcrossReplicas(
  topology: Topology,
  log: (line: string) => void,
): Promise<CheckOutcome> {
  const [webA, webB] = topology.webUrls as [string, string];
  const started = await runCli(
    [
      'run',
      'lifecycle',
      '--spec',
      TUTORIAL,
      '--scale',
      'data.tier1.replicas=2',
      '--stop-after',
      '5s',
      '--delete',
    ],
    { ...cliEnv(topology), IMPLY_RUNBOOKS_USER: 'bob' },
  );
  if (started.code !== 0) throw new Error(`run lifecycle failed: ${started.stderr}`);
  const runbookId = /lifecycle:[\w-]+/.exec(started.stdout)?.[0];
  if (!runbookId) throw new Error(`run lifecycle printed no runbook id: ${started.stdout}`);
  log(`  bob started ${runbookId} (CLI); he watches it on web server B`);

  // The scale runs as the cluster's change runbook (change:<uid>), which holds the gate.
  const lifecycle = topology.client.workflow.getHandle(runbookId);
  const gateId = await until("the scale's change runbook", async () => {
    const progress = await lifecycle.query(runbookProgressQuery);
    return progress.currentStep === 'scale' ? progress.child : undefined;
  });
  log(`  its scale waits for approval in ${gateId}`);

  const bob = new WebSession('bob', webB);
  await bob.signIn(topology.settings.IMPLY_RUNBOOKS_TOKEN_BOB!);
  const page = `/approvals/${encodeURIComponent(gateId)}`;
  await until('the gate on web server B', async () => {
    const { status, body } = await bob.get(page);
    return status === 200 && body.includes('You asked for this change') ? body : undefined;
  });

  const alice = new WebSession('alice', webA);
  await alice.signIn(topology.settings.IMPLY_RUNBOOKS_TOKEN_ALICE!);
  const form = (await alice.get(page)).body;
  const fields = { csrf: hiddenField(form, 'csrf'), planVersion: hiddenField(form, 'planVersion') };
  if (!fields.csrf || !fields.planVersion)
    throw new Error(`no decision form for alice on web server A:\n${form.slice(0, 2000)}`);
  const decided = await alice.post(`${page}/decision`, {
    csrf: fields.csrf,
    planVersion: fields.planVersion,
    return: page,
    decision: 'approve',
    comment: 'rehearsal: approved on web server A',
  });
  if (decided.status !== 303 && decided.status !== 302)
    throw new Error(`alice's approval on A: HTTP ${decided.status}: ${decided.body}`);
  log(`  alice approved plan v${fields.planVersion} on web server A`);

  await until('the approval seen by bob on web server B', async () => {
    const { body } = await bob.get(page);
    return /approved/i.test(body) && body.includes('alice') && !body.includes('name="csrf"')
      ? true
      : undefined;
  });
  log("  bob sees alice's approval on web server B");
  const notes = [await crossReplica(alice, webB, page)];
  const result = (await lifecycle.result()) as LifecycleResult;
  if (result.outcome !== 'completed' || result.finalState !== 'DELETED') {
    throw new Error(`${runbookId} ended ${result.outcome} with the cluster ${result.finalState}`);
  }
  log(`  ${runbookId} completed: created, approved, scaled, verified, stopped, deleted`);
  return { name: 'lifecycle with approval on A, watched on B', runbookIds: [runbookId, gateId], notes };
}

/** Alice's browser, signed in on A, opening B: what a load balancer without sticky sessions does. */
async function crossReplica(alice: WebSession, webB: string, page: string): Promise<string> {
  const { status, body } = await alice.on(webB).get(page);
  if (status === 200 && /signed in as (<strong>)?alice\b/.test(body))
    return 'a session made on web server A is valid on web server B';
  const header = /<header[\s\S]*?<\/header>/.exec(body)?.[0] ?? body.slice(0, 500);
  throw new Error(
    `alice's session from web server A is not valid on web server B (HTTP ${status}): sessions are per process; B shows: ${header}`,
  );
}
