import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Command, CommanderError } from 'commander';
import { registerCompletionCommand } from './commands/completion';
import { registerDoctorCommand } from './commands/doctor';
import { EXIT_CODES_HELP, exitCodeOfError } from './exit-codes';
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
import { DetailedExitUsageError, registerDriftCommands, registerGitopsCommands } from './commands/gitops';

/** Builds the `imply-runbooks` command line. */
export function buildProgram(): Command {
  const program = new Command('imply-runbooks')
    .description('Durable runbooks on Temporal for Imply (Apache Druid) clusters')
    .option('--profile <name>', "the Temporal config file's profile to connect with (sets TEMPORAL_PROFILE)")
    .showHelpAfterError('(add --help for usage)')
    .addHelpText('after', `\nimply-runbooks --version (or -V) prints the version.${EXIT_CODES_HELP}`)
    .exitOverride();
  program.hook('preAction', (command) => {
    const profile = command.optsWithGlobals().profile as string | undefined;
    if (profile) process.env.TEMPORAL_PROFILE = profile;
  });
  registerDevCommand(program);
  registerWorkerCommand(program);
  registerRunbookCommands(program);
  registerPowerCommands(program);
  registerChangeCommands(program);
  registerGitopsCommands(program);
  registerDriftCommands(program);
  registerApprovalCommands(program);
  registerClusterCommands(program);
  registerEmulatorCommand(program);
  registerWebCommand(program);
  registerScheduleCommands(program);
  registerReportCommands(program);
  registerCodecServerCommand(program);
  registerDoctorCommand(program);
  registerCompletionCommand(program);
  return program;
}

function packageVersion(): string {
  const file = path.resolve(__dirname, '../../package.json');
  return (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version;
}

/** Entry point of the bin script; resolves to the process exit code. */
export async function main(argv: string[]): Promise<number> {
  // Only as the first argument: `upgrade <cluster> --version 2022.01` has a --version of its own.
  if (argv[2] === '--version' || argv[2] === '-V') {
    console.log(packageVersion());
    return 0;
  }
  try {
    await buildProgram().parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (error) {
    if (error instanceof DetailedExitUsageError) return error.exitCode;
    if (!(error instanceof CommanderError)) throw error;
    // Help and --version end the run on purpose; anything else commander refuses is a usage error.
    const done = ['commander.helpDisplayed', 'commander.version', 'commander.help'].includes(error.code);
    return done ? 0 : exitCodeOfError(error);
  }
}
