import { readFileSync } from 'node:fs';

/**
 * Samples another process's resident memory from /proc (Linux): the worker runs as a child process,
 * so its figure holds only the worker, not the emulator or the benchmark around it.
 */
export interface MemorySampler {
  /** Stops sampling; returns the peak RSS seen while sampling and the kernel's lifetime peak (VmHWM). */
  stop(): { peakRssBytes: number; lifetimePeakBytes: number; samples: number };
}

function statusField(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const match = new RegExp(`^${field}:\\s+(\\d+) kB$`, 'm').exec(status);
    return match ? Number(match[1]) * 1024 : 0;
  } catch {
    // The process is gone, or this is not Linux: no figure rather than a wrong one.
    return 0;
  }
}

/** Starts sampling `pid` every `intervalMs`. Reads only. */
export function sampleMemory(pid: number, intervalMs = 100): MemorySampler {
  let peakRssBytes = statusField(pid, 'VmRSS');
  let samples = 1;
  const timer = setInterval(() => {
    peakRssBytes = Math.max(peakRssBytes, statusField(pid, 'VmRSS'));
    samples++;
  }, intervalMs);
  return {
    stop() {
      clearInterval(timer);
      peakRssBytes = Math.max(peakRssBytes, statusField(pid, 'VmRSS'));
      return { peakRssBytes, lifetimePeakBytes: statusField(pid, 'VmHWM'), samples: samples + 1 };
    },
  };
}
