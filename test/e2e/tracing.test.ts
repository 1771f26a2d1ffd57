import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Worker } from '@temporalio/worker';
import { getWorkflowBundle } from '../../src/workflow-bundle';
import { runCli } from '../../scripts/lib/run-cli';
import {
  createE2eEnvironment,
  eventually,
  TUTORIAL_CLUSTER,
  uniqueClusterName,
  type E2eEnvironment,
  type Scenario,
} from '../helpers/e2e';

/**
 * Tracing as deployed: the worker process and the CLI with OTEL_EXPORTER_OTLP_ENDPOINT pointing at a
 * small OTLP/HTTP receiver in this process, which keeps every JSON body POSTed to /v1/traces.
 */

interface ReceivedSpan {
  service: string;
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
}

interface OtlpAttribute {
  key: string;
  value: { stringValue?: string };
}

interface OtlpBody {
  resourceSpans?: Array<{
    resource?: { attributes?: OtlpAttribute[] };
    scopeSpans?: Array<{ spans?: Array<Omit<ReceivedSpan, 'service'>> }>;
  }>;
}

/** An OTLP/HTTP (JSON) trace receiver on 127.0.0.1. */
async function startReceiver(): Promise<{
  url: string;
  bodies: string[];
  spans(): ReceivedSpan[];
  server: Server;
}> {
  const bodies: string[] = [];
  const server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    request.on('end', () => {
      if (request.method === 'POST' && request.url === '/v1/traces') bodies.push(body);
      response.writeHead(200, { 'Content-Type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const spans = () =>
    bodies.flatMap((body) =>
      ((JSON.parse(body) as OtlpBody).resourceSpans ?? []).flatMap((resourceSpans) => {
        const service =
          resourceSpans.resource?.attributes?.find((attribute) => attribute.key === 'service.name')?.value
            .stringValue ?? '';
        return (resourceSpans.scopeSpans ?? []).flatMap((scope) =>
          (scope.spans ?? []).map((span) => ({ ...span, service })),
        );
      }),
    );
  return { url: `http://127.0.0.1:${port}`, bodies, spans, server };
}

describe('OpenTelemetry tracing (worker process, the real CLI, an OTLP receiver)', () => {
  let environment: E2eEnvironment;
  let scenario: Scenario;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  const directory = mkdtempSync(path.join(os.tmpdir(), 'imply-runbooks-tracing-'));

  before(async () => {
    environment = await createE2eEnvironment();
    scenario = await environment.scenario();
    receiver = await startReceiver();
  });

  after(async () => {
    await environment?.close();
    receiver?.server.closeAllConnections();
    await new Promise((resolve) => receiver?.server.close(resolve));
    rmSync(directory, { recursive: true, force: true });
  });

  it('sends one trace from the CLI start through the runbook to its activities, with no secret in it', async () => {
    const tracingEnv = { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_BSP_SCHEDULE_DELAY: '200' };
    await scenario.startWorkerProcess({ env: tracingEnv });
    const name = uniqueClusterName('traced');
    const spec = path.join(directory, `${name}.json`);
    writeFileSync(spec, JSON.stringify({ ...TUTORIAL_CLUSTER, metadata: { name } }));
    const run = await runCli(
      ['run', 'lifecycle', '--spec', spec, '--no-approval', '--poll-initial', '100ms', '--wait'],
      {
        TEMPORAL_ADDRESS: environment.address,
        IMPLY_RUNBOOKS_TASK_QUEUE: scenario.taskQueue,
        IMPLY_RUNBOOKS_USER: 'carol',
        ...tracingEnv,
      },
    );
    assert.equal(run.code, 0, run.stderr);

    // The CLI sends its spans before it exits; the worker's come in its next batch.
    const start = receiver
      .spans()
      .find(
        (span) => span.name === 'StartWorkflow:lifecycleRunbook' && span.service === 'imply-runbooks-cli',
      );
    assert.ok(
      start,
      `the CLI's start span (spans: ${receiver
        .spans()
        .map((span) => span.name)
        .join(', ')})`,
    );
    const trace = await eventually('the runbook and its activities in the same trace', () => {
      const spans = receiver.spans().filter((span) => span.traceId === start.traceId);
      const names = new Set(spans.map((span) => span.name));
      const complete = ['RunWorkflow:lifecycleRunbook', 'RunActivity:createCluster'].every((wanted) =>
        names.has(wanted),
      );
      return complete ? spans : undefined;
    });
    const workflow = trace.find((span) => span.name === 'RunWorkflow:lifecycleRunbook')!;
    assert.equal(workflow.service, 'imply-runbooks-worker');
    assert.equal(workflow.parentSpanId, start.spanId, 'the runbook span is a child of the start span');
    const activities = trace.filter((span) => span.name.startsWith('RunActivity:'));
    assert.ok(activities.length >= 3, `activities traced: ${activities.map((span) => span.name).join(', ')}`);
    assert.ok(activities.every((span) => span.service === 'imply-runbooks-worker'));

    const everything = receiver.bodies.join('\n');
    assert.ok(!everything.includes(scenario.token), 'the Cloud Manager token is not in any span');
    assert.doesNotMatch(everything, /Bearer /);

    // Turning tracing off again is safe: the traced history replays with the plain bundle.
    const history = await environment.client.workflow.getHandle(`lifecycle:${name}`).fetchHistory();
    await Worker.runReplayHistory({ workflowBundle: await getWorkflowBundle(undefined, {}) }, history);
  });
});
