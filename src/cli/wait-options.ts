import type { Command } from 'commander';

/**
 * The flags of every command that waits on a cluster (`--transition-timeout`, `--poll-initial`,
 * `--poll-max`), with one wording and one set of limits; read back by `waitFromFlags`.
 * `transition` says what the timeout bounds, e.g. `how long the stop or start may take`.
 */
export function withWaitFlags<C extends Command>(command: C, transition: string): C {
  command
    .option('--transition-timeout <duration>', `${transition} (default 1h, at most 24h)`)
    .option(
      '--poll-initial <duration>',
      'first poll interval while waiting (default 1s, doubling; at most 1h and --poll-max)',
    )
    .option('--poll-max <duration>', 'longest poll interval while waiting (default 60s, at most 1h)');
  return command;
}
