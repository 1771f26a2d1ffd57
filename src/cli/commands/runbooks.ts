import type { Command } from 'commander';

export function registerRunbookCommands(_program: Command): void {}
