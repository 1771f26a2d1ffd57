import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DefaultLogger, Runtime, Worker, type ReplayResult } from '@temporalio/worker';
import { writeWorkflowBundles } from '../../scripts/bundle-workflows';
import { FAILURE_CONVERTER_PATH } from '../../src/codec/data-converter';
import { getWorkflowBundle } from '../../src/workflow-bundle';
import { historyFromJson } from '../../scripts/lib/history-json';

const HISTORIES = path.resolve(__dirname, '../fixtures/histories');

describe('prebuilt workflow bundle', () => {
  const directory = mkdtempSync(path.join(os.tmpdir(), 'imply-runbooks-bundle-'));
  const file = path.join(directory, 'workflow-bundle.js');

  before(async () => {
    Runtime.install({
      logger: new DefaultLogger('ERROR'),
      telemetryOptions: { logging: { filter: { core: 'ERROR', other: 'ERROR' }, forward: {} } },
    });
    await writeWorkflowBundles(file);
  });

  after(() => rmSync(directory, { recursive: true, force: true }));

  it('writes the plain bundle, its encrypted twin and their traced twins, with the runbook interceptors inside', () => {
    assert.deepEqual(readdirSync(directory).sort(), [
      'workflow-bundle.encrypted.js',
      'workflow-bundle.encrypted.traced.js',
      'workflow-bundle.js',
      'workflow-bundle.traced.js',
    ]);
    const code = readFileSync(file, 'utf8');
    assert.match(code, /lifecycleRunbook/);
    assert.match(code, /imply_runbooks_started_total/);
    assert.doesNotMatch(code, /RunWorkflow/, 'no tracing in the plain bundle');
    const traced = readFileSync(path.join(directory, 'workflow-bundle.traced.js'), 'utf8');
    assert.match(traced, /imply_runbooks_started_total/);
    assert.match(traced, /RunWorkflow/);
  });

  it('is what workers load when IMPLY_RUNBOOKS_WORKFLOW_BUNDLE names it', async () => {
    const env = { IMPLY_RUNBOOKS_WORKFLOW_BUNDLE: file };
    assert.deepEqual(await getWorkflowBundle(undefined, env), { codePath: file });
    assert.deepEqual(await getWorkflowBundle(FAILURE_CONVERTER_PATH, env), {
      codePath: path.join(directory, 'workflow-bundle.encrypted.js'),
    });
    assert.deepEqual(await getWorkflowBundle(FAILURE_CONVERTER_PATH, env, { traced: true }), {
      codePath: path.join(directory, 'workflow-bundle.encrypted.traced.js'),
    });
  });

  it('says how to build the file when it is missing', async () => {
    const env = { IMPLY_RUNBOOKS_WORKFLOW_BUNDLE: path.join(directory, 'missing.js') };
    await assert.rejects(
      getWorkflowBundle(undefined, env),
      /IMPLY_RUNBOOKS_WORKFLOW_BUNDLE=.*missing\.js.*does not exist: build it with `npx tsx scripts\/bundle-workflows\.ts`/,
    );
  });

  it('replays the recorded lifecycle histories as the bundle made at start does', async () => {
    const histories = readdirSync(HISTORIES)
      .filter((name) => name.endsWith('.json'))
      .map((name) => ({
        workflowId: path.basename(name, '.json'),
        history: historyFromJson(JSON.parse(readFileSync(path.join(HISTORIES, name), 'utf8'))),
      }));
    assert.ok(histories.length >= 3);
    // The traced twin too: turning tracing on must not break runbooks recorded without it.
    for (const codePath of [file, path.join(directory, 'workflow-bundle.traced.js')]) {
      const results: ReplayResult[] = [];
      const workflowBundle = { codePath };
      const sinks = { exporter: { export: { fn: () => undefined } } };
      for await (const result of Worker.runReplayHistories({ workflowBundle, sinks }, histories))
        results.push(result);
      assert.equal(results.length, histories.length);
      for (const result of results)
        assert.equal(
          result.error,
          undefined,
          `${path.basename(codePath)} ${result.workflowId}: ${result.error?.message}`,
        );
    }
  });
});
