/**
 * Pictures of the operations page for the README, from the real page: starts a Temporal dev server,
 * the Cloud Manager emulator with a few clusters, a worker and the web server (all in this process),
 * sets a keep-alive, stops a cluster through its power runbook, makes a power schedule, then opens
 * each page in headless Chromium as an operator and saves it:
 *
 *   npx tsx scripts/screenshot-operations.ts [docs/images]
 *
 * writes operations-clusters.png, operations-runbooks.png, operations-schedules.png and
 * operations-savings.png. Takes about half a minute; needs the Temporal CLI (`npm run setup`).
 */
import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { createActivities } from '../src/activities';
import { StaticTokenProvider } from '../src/cloud-manager/auth';
import { CloudManagerClient } from '../src/cloud-manager/client';
import { LOCAL_DEFAULTS } from '../src/config';
import { loadConfiguredPrices } from '../src/config/prices';
import { startDevServer } from '../src/dev/dev-server';
import { DEFAULT_EMULATOR_TOKEN, startEmulator } from '../src/emulator/server';
import { runbookUiLink, startKeepAlive, startPowerRunbook } from '../src/operations/cluster-actions';
import { createPowerSchedule } from '../src/schedules/schedule-service';
import { parseWhen } from '../src/schedules/when';
import { SEARCH_ATTRIBUTE_FLAGS } from '../src/shared/search-attributes';
import { startWebServer } from '../src/web/server';
import { createWorker } from '../src/worker';
import { launchChromium } from './lib/browser';

const OUTPUT = path.resolve(process.argv[2] ?? 'docs/images');
const TASK_QUEUE = 'imply-runbooks-screenshots';
const NAMESPACE = 'default';
const TUTORIAL = JSON.parse(
  readFileSync(path.resolve(__dirname, '../examples/tutorial-cluster.json'), 'utf8'),
) as { spec: Record<string, unknown> };

const CLUSTERS = [
  { name: 'orders-analytics', team: 'orders' },
  { name: 'orders-staging', team: 'orders' },
  { name: 'clickstream', team: 'web' },
  { name: 'ml-features', team: 'data' },
];

async function until(what: string, check: () => Promise<boolean>): Promise<void> {
  for (let attempt = 0; attempt < 300; attempt++) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`gave up waiting for ${what}`);
}

async function main() {
  const temporal = await startDevServer({
    port: 0,
    headless: true,
    searchAttributes: SEARCH_ATTRIBUTE_FLAGS,
    log: () => {},
  });
  const emulator = await startEmulator({ transitionMs: 1500 });
  const connection = await Connection.connect({ address: temporal.address });
  const native = await NativeConnection.connect({ address: temporal.address });
  const client = new Client({ connection, namespace: NAMESPACE });
  const api = new CloudManagerClient({
    baseUrl: emulator.apiUrl,
    auth: new StaticTokenProvider(DEFAULT_EMULATOR_TOKEN),
  });
  const worker = await createWorker({
    connection: native,
    namespace: NAMESPACE,
    taskQueue: TASK_QUEUE,
    activities: createActivities({ api, temporal: { client, namespace: NAMESPACE } }),
    shutdownGraceTime: '1s',
  });
  const running = worker.run();
  const tokens = { alice: 'screenshot-alice-token-0123456789' };
  const web = await startWebServer({
    port: 0,
    client,
    namespace: NAMESPACE,
    config: LOCAL_DEFAULTS,
    tokens,
    operations: {
      client,
      namespace: NAMESPACE,
      baseTaskQueue: TASK_QUEUE,
      apis: { default: api },
      prices: loadConfiguredPrices(LOCAL_DEFAULTS),
      uiLink: (id) => runbookUiLink({ address: temporal.address, namespace: NAMESPACE }, id, {}),
    },
  });
  try {
    const ids = new Map<string, string>();
    for (const cluster of CLUSTERS) {
      const spec = { ...TUTORIAL.spec, awsTags: [{ name: 'team', value: cluster.team }] };
      const created = await api.createCluster({ metadata: { name: cluster.name }, spec } as never);
      ids.set(cluster.name, created.metadata.uid);
    }
    for (const id of ids.values()) {
      await until(
        `cluster ${id} RUNNING`,
        async () => (await api.getCluster(id)).status?.state === 'RUNNING',
      );
    }
    await createPowerSchedule(
      client,
      {
        name: 'orders-nights',
        timeZone: 'Europe/Berlin',
        stop: { text: 'Mon-Fri 19:00', slots: parseWhen('Mon-Fri 19:00') },
        start: { text: 'Mon-Fri 07:00', slots: parseWhen('Mon-Fri 07:00') },
        selector: { tags: { team: 'orders' } },
        selectText: 'team=orders',
        skipDates: [],
        catchupWindowMs: 3_600_000,
        createdBy: 'alice',
      },
      TASK_QUEUE,
    );
    const place = { environment: 'default', baseTaskQueue: TASK_QUEUE };
    const now = Date.now();
    await startKeepAlive(
      client,
      {
        clusterId: ids.get('orders-analytics')!,
        clusterName: 'orders-analytics',
        // Four days always span a weekday stop, so the pictures show the schedule skipping it.
        until: new Date(now + 96 * 3_600_000).toISOString(),
        reason: 'quarter-end load test',
        setBy: 'alice',
        setAt: new Date(now).toISOString(),
      },
      place,
    );
    const stopped = ids.get('ml-features')!;
    const stop = await startPowerRunbook(
      client,
      {
        clusterId: stopped,
        action: 'stop',
        requester: 'bob',
        source: 'person',
        reason: 'idle over the weekend',
      },
      'ml-features',
      place,
    );
    await stop.result();
    // One runbook still in flight, for the runbooks page.
    await startPowerRunbook(
      client,
      { clusterId: ids.get('clickstream')!, action: 'stop', requester: 'alice', source: 'person' },
      'clickstream',
      place,
    );

    const browser = await launchChromium(undefined, { systemFonts: true });
    try {
      const tab = await browser.newPage({ viewport: { width: 1440, height: 800 }, deviceScaleFactor: 1 });
      await tab.goto(`${web.url}/login?token=${tokens.alice}`);
      await tab.waitForURL(`${web.url}/approvals`);
      // What one refresh costs here: the whole /clusters answer (API list, visibility, schedule preview).
      const took: number[] = [];
      for (let round = 0; round < 10; round++) {
        const started = performance.now();
        await tab.request.get(`${web.url}/clusters`, { headers: { 'X-Refresh': '1' } });
        took.push(performance.now() - started);
      }
      took.sort((left, right) => left - right);
      console.log(
        `GET /clusters (${CLUSTERS.length} clusters, 1 schedule): median ${took[5]!.toFixed(0)} ms`,
      );
      mkdirSync(OUTPUT, { recursive: true });
      for (const page of ['runbooks', 'clusters', 'schedules', 'savings']) {
        await tab.goto(`${web.url}/${page}?tz=Europe/Berlin`);
        const file = path.join(OUTPUT, `operations-${page}.png`);
        await tab.screenshot({ path: file, fullPage: true });
        console.log(`wrote ${path.relative(process.cwd(), file)}`);
      }
    } finally {
      await browser.close();
    }
  } finally {
    await web.close();
    worker.shutdown();
    await running;
    await connection.close();
    await native.close();
    await emulator.close();
    await temporal.stop();
  }
}

void main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
