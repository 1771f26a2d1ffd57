import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { spawnManaged, waitForLine, type ManagedProcess } from '../src/dev/supervisor';
import { getWorkflowBundle, WORKFLOW_BUNDLE_VARIABLE } from '../src/workflow-bundle';

/**
 * `imply-runbooks worker` as a child process, as it runs in production: the workflow code bundled
 * ahead of time (what the Docker image does), so its memory is the worker's own, not webpack's.
 */
export interface BenchWorkerProcess {
  pid: number;
  taskQueue: string;
  stop(): Promise<void>;
}

const ROOT = path.resolve(__dirname, '..');
const BIN = path.join(ROOT, 'bin', 'imply-runbooks.js');

async function writeBundle(directory: string): Promise<string> {
  const bundle = await getWorkflowBundle();
  if ('codePath' in bundle) return bundle.codePath;
  const file = path.join(directory, 'workflow-bundle.js');
  writeFileSync(file, bundle.code);
  return file;
}

function workerEnv(address: string, apiUrl: string, token: string, bundle: string): NodeJS.ProcessEnv {
  const inherited = Object.fromEntries(
    Object.entries(process.env).filter(([key]) => !/^(IMPLY_|TEMPORAL_)/.test(key)),
  );
  return {
    ...inherited,
    TEMPORAL_ADDRESS: address,
    IMPLY_API_URL: apiUrl,
    IMPLY_TOKEN: token,
    IMPLY_RUNBOOKS_LOG_LEVEL: 'ERROR',
    [WORKFLOW_BUNDLE_VARIABLE]: bundle,
  };
}

/** Starts the worker on a fresh task queue; resolves once it says `Worker ready`. Each call is a new process. */
export async function startWorkerProcess(options: {
  address: string;
  apiUrl: string;
  token: string;
}): Promise<BenchWorkerProcess> {
  const directory = mkdtempSync(path.join(tmpdir(), 'imply-runbooks-bench-'));
  const taskQueue = `bench-${randomUUID()}`;
  let managed: ManagedProcess | undefined;
  try {
    const bundle = await writeBundle(directory);
    managed = spawnManaged(process.execPath, [BIN, 'worker', '--task-queue', taskQueue], {
      env: workerEnv(options.address, options.apiUrl, options.token, bundle),
      cwd: ROOT,
    });
    await waitForLine(managed, (line) => line.includes('Worker ready'), 120_000, '"Worker ready"');
  } catch (error) {
    await managed?.stop(5_000);
    rmSync(directory, { recursive: true, force: true });
    throw error;
  }
  const running = managed;
  return {
    pid: running.pid,
    taskQueue,
    async stop() {
      await running.stop(10_000);
      rmSync(directory, { recursive: true, force: true });
    },
  };
}
