import os from 'node:os';
import type { FleetSizeResult } from './fleet-bench';
import type { LifecycleBenchResult } from './lifecycle-bench';
import type { BenchOptions } from './options';
import type { TargetResult } from './targets';
import type { WaitingBenchResult } from './waiting-bench';

/** Everything one run of `npm run bench` measured: what `<timestamp>.json` holds. */
export interface BenchResult {
  startedAt: string;
  finishedAt: string;
  durationMs: number;
  /** The flags as given. */
  argv: string[];
  options: Omit<BenchOptions, 'skip' | 'outDir'> & { skip: string[] };
  machine: MachineInfo;
  fleet?: FleetSizeResult[];
  lifecycle?: LifecycleBenchResult;
  waiting?: WaitingBenchResult;
  targets: TargetResult[];
}

export interface MachineInfo {
  cpus: number;
  cpuModel: string;
  totalMemoryBytes: number;
  loadAverage: number[];
  node: string;
  platform: string;
}

/** The machine the run is on, with its load at the start (others may share it). Reads only. */
export function machineInfo(): MachineInfo {
  const cpus = os.cpus();
  return {
    cpus: cpus.length,
    cpuModel: cpus[0]?.model.trim() ?? 'unknown CPU',
    totalMemoryBytes: os.totalmem(),
    loadAverage: os.loadavg(),
    node: process.version,
    platform: `${os.platform()} ${os.release()}`,
  };
}

/** The options as JSON can hold them. Pure. */
export function recordedOptions(options: BenchOptions): BenchResult['options'] {
  const { skip, outDir: _outDir, ...rest } = options;
  return { ...rest, skip: [...skip] };
}
