import { Command, CommanderError } from 'commander';
import { registerClusterCommands } from './commands/clusters';
import { registerEmulatorCommand } from './commands/emulator';
import { registerDevCommand } from './commands/dev';
import { registerWorkerCommand } from './commands/worker';
import { registerRunbookCommands } from './commands/runbooks';
import { registerWebCommand } from './commands/web';
import { registerApprovalCommands } from './commands/approvals';
import { registerScheduleCommands } from './commands/schedules';
import { registerReportCommands } from './commands/report';
import { registerCodecServerCommand } from './commands/codec-server';
import { registerPowerCommands } from './commands/power';
import { registerChangeCommands } from './commands/change';

/** Builds the `imply-runbooks` command line. */
export function buildProgram(): Command {
  const program = new Command('imply-runbooks')
    .description('Durable runbooks on Temporal for Imply (Apache Druid) clusters')
    .showHelpAfterError('(add --help for usage)')
    .exitOverride();
  registerDevCommand(program);
  registerWorkerCommand(program);
  registerRunbookCommands(program);
  registerPowerCommands(program);
  registerChangeCommands(program);
  registerApprovalCommands(program);
  registerClusterCommands(program);
  registerEmulatorCommand(program);
  registerWebCommand(program);
  registerScheduleCommands(program);
  registerReportCommands(program);
  registerCodecServerCommand(program);
  return program;
}

/** Entry point of the bin script; resolves to the process exit code. */
export async function main(argv: string[]): Promise<number> {
  try {
    await buildProgram().parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode;
    throw error;
  }
}
