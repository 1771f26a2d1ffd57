import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { lifecycleInputFromFlags } from '../../src/cli/lifecycle-input';
import { StaticTokenProvider } from '../../src/cloud-manager/auth';
import { CloudManagerClient } from '../../src/cloud-manager/client';
import { CloudManagerRejected } from '../../src/cloud-manager/errors';
import type { ClusterRequest } from '../../src/cloud-manager/schemas/cluster';
import { parseClusterRequest } from '../../src/cloud-manager/validation';
import { startEmulator, type RunningEmulator } from '../../src/emulator/server';
import { runCli } from '../../scripts/lib/run-cli';
import { invalidCluster, invalidScale, VALID_CLUSTER, type InvalidCase } from './invalid-input';

const directory = mkdtempSync(path.join(tmpdir(), 'imply-runbooks-bad-input-'));
let fileNumber = 0;
function specFile(body: unknown): string {
  const file = path.join(directory, `spec-${fileNumber++}.json`);
  writeFileSync(file, JSON.stringify(body));
  return file;
}

/** The refusal names the field: in Imply's details (target) and in the message people read. */
function namesField(error: unknown, invalid: InvalidCase): boolean {
  assert.ok(error instanceof CloudManagerRejected, `not a CloudManagerRejected: ${String(error)}`);
  assert.equal(error.status, 400);
  const targets = error.details.map((detail) => detail.target);
  assert.ok(targets.includes(invalid.target), `${invalid.what}: ${JSON.stringify(targets)}`);
  assert.ok(error.message.includes(invalid.target), error.message);
  return true;
}

const flagsFor = (spec: string, scale: string[] = []) => ({ spec, scale, approval: false });
const ENV = { IMPLY_RUNBOOKS_USER: 'tester' };

describe('bad input is refused before anything starts, naming the field (property-based)', () => {
  it('parseClusterRequest refuses every generated invalid cluster', () => {
    assert.doesNotThrow(() => parseClusterRequest(VALID_CLUSTER));
    fc.assert(
      fc.property(invalidCluster, (invalid) => {
        assert.throws(
          () => parseClusterRequest(invalid.body),
          (error) => namesField(error, invalid),
        );
      }),
      { numRuns: 300 },
    );
  });

  it('lifecycleInputFromFlags refuses every generated invalid --spec file', () => {
    fc.assert(
      fc.property(invalidCluster, (invalid) => {
        const file = specFile(invalid.body);
        assert.throws(
          () => lifecycleInputFromFlags(flagsFor(file), Date.now(), ENV),
          (error) => namesField(error, invalid),
        );
      }),
      { numRuns: 100 },
    );
  });

  it('lifecycleInputFromFlags refuses every generated invalid --scale change', () => {
    const valid = specFile(VALID_CLUSTER);
    assert.doesNotThrow(() =>
      lifecycleInputFromFlags(flagsFor(valid, ['data.tier1.replicas=2']), Date.now(), ENV),
    );
    fc.assert(
      fc.property(invalidScale, fc.constantFrom([], ['query.replicas=4']), (invalid, others) => {
        assert.throws(
          () => lifecycleInputFromFlags(flagsFor(valid, [...others, invalid.change]), Date.now(), ENV),
          (error: Error) => {
            assert.ok(error.message.includes(invalid.names), `${invalid.change}: ${error.message}`);
            return true;
          },
        );
      }),
      { numRuns: 200 },
    );
  });

  describe('the client, against the emulator over HTTP', () => {
    let emulator: RunningEmulator;
    let api: CloudManagerClient;
    before(async () => {
      emulator = await startEmulator({ port: 0, transitionMs: 0, tokens: [{ token: 'bad-input-token' }] });
      api = new CloudManagerClient({
        baseUrl: emulator.apiUrl,
        auth: new StaticTokenProvider('bad-input-token'),
      });
    });
    after(async () => {
      await emulator?.close();
    });

    it('refuses invalid creates and replaces without sending a request', async () => {
      await fc.assert(
        fc.asyncProperty(invalidCluster, async (invalid) => {
          const body = invalid.body as unknown as ClusterRequest;
          await assert.rejects(api.createCluster(body), (error) => namesField(error, invalid));
          await assert.rejects(api.createCluster(body, { dryRun: true }), (error) =>
            namesField(error, invalid),
          );
          await assert.rejects(api.replaceCluster('some-id', body), (error) => namesField(error, invalid));
        }),
        { numRuns: 60 },
      );
      assert.deepEqual(emulator.requestLog(), [], 'no request reached the API');
    });
  });

  it('`imply-runbooks run lifecycle` refuses them before connecting to Temporal', async () => {
    // A port nobody listens on: had the CLI tried to connect, it would say it cannot.
    const closedPort = await new Promise<number>((resolve) => {
      const probe = createServer().listen(0, '127.0.0.1', () => {
        const { port } = probe.address() as { port: number };
        probe.close(() => resolve(port));
      });
    });
    const env = { TEMPORAL_ADDRESS: `127.0.0.1:${closedPort}`, IMPLY_RUNBOOKS_USER: 'tester' };
    const samples = fc.sample(invalidCluster, { numRuns: 2, seed: 7 });
    const runs = [
      ...samples.map((invalid) => ({ args: ['--spec', specFile(invalid.body)], names: invalid.target })),
      {
        args: ['--spec', specFile(VALID_CLUSTER), '--scale', 'data.tier1.replicas=0'],
        names: 'spec.data.tier1.replicas',
      },
    ];
    for (const { args, names } of runs) {
      const run = await runCli(['run', 'lifecycle', ...args, '--no-approval'], env);
      assert.equal(run.code, 2, run.stdout);
      assert.ok(run.stderr.includes(names), run.stderr);
      assert.doesNotMatch(run.stderr, /cannot connect to Temporal/);
      assert.equal(run.stdout, '');
    }
  });
});
