import type { Command } from 'commander';
import { runWorker } from '../../worker';

/** `imply-runbooks worker`: runs workflows and activities until Ctrl-C. */
export function registerWorkerCommand(program: Command): void {
  program
    .command('worker')
    .description('Run a worker: every runbook and Cloud Manager activity, on one task queue')
    .option('--task-queue <name>', 'task queue (default: IMPLY_RUNBOOKS_TASK_QUEUE or imply-runbooks)')
    .option('--vanity-domain <name>', 'Imply Cloud account: https://<name>.implycloud.com/api/v1')
    .option('--api-url <url>', 'full Cloud Manager API URL, such as the emulator (or IMPLY_API_URL)')
    .action(async (options: { taskQueue?: string; vanityDomain?: string; apiUrl?: string }) => {
      await runWorker(process.env, options);
    });
}
