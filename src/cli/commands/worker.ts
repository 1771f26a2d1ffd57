import type { Command } from 'commander';
import type * as WorkerModule from '../../worker';
import { reportError } from '../output';

/** `imply-runbooks worker`: runs workflows and activities until Ctrl-C. */
export function registerWorkerCommand(program: Command): void {
  program
    .command('worker')
    .description(
      'Run a worker: every runbook and Cloud Manager activity, on one task queue per Imply environment',
    )
    .option(
      '--task-queue <name>',
      "the default environment's task queue (default: IMPLY_RUNBOOKS_TASK_QUEUE or imply-runbooks); environment <env> uses <name>-env-<env>",
    )
    .option(
      '--environments <names>',
      'serve only these environments, e.g. prod,staging (default: IMPLY_RUNBOOKS_ENVIRONMENTS, else default plus every configured one)',
    )
    .option(
      '--config <file>',
      'configuration file (default: IMPLY_RUNBOOKS_CONFIG, ./imply-runbooks.config.yaml)',
    )
    .option('--vanity-domain <name>', 'Imply Cloud account: https://<name>.implycloud.com/api/v1')
    .option('--api-url <url>', 'full Cloud Manager API URL, such as the emulator (or IMPLY_API_URL)')
    .action(
      async (options: {
        taskQueue?: string;
        vanityDomain?: string;
        apiUrl?: string;
        environments?: string;
        config?: string;
      }) => {
        // Loaded on use: other commands need not load the worker's native module and bundler.
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const { runWorker } = require('../../worker') as typeof WorkerModule;
        try {
          await runWorker(process.env, { ...options, configPath: options.config });
        } catch (error) {
          reportError(error);
          // The SDK's native runtime may hold the event loop open after a failed start: leave now.
          process.exit(1);
        }
      },
    );
}
