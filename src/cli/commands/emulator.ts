import type { Command } from 'commander';

export function registerEmulatorCommand(_program: Command): void {}
