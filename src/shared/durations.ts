/** Durations as people write them on the command line: 90s, 30m, 8h, 1d, 1h30m. */
const UNIT_MS: Record<string, number> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

/** Parses a duration such as `8h` or `1d12h` into milliseconds; throws a message naming the accepted forms. */
export function parseDuration(text: string, what = 'duration'): number {
  const trimmed = text.trim();
  const pattern = /(\d+(?:\.\d+)?)(ms|s|m|h|d|w)/gy;
  let total = 0;
  let matched = 0;
  for (let match = pattern.exec(trimmed); match; match = pattern.exec(trimmed)) {
    total += Number(match[1]) * (UNIT_MS[match[2] as string] as number);
    matched = pattern.lastIndex;
  }
  if (trimmed === '' || matched !== trimmed.length) {
    throw new Error(`${what} "${text}" is not a duration: write for example 90s, 30m, 8h, 1d or 1h30m`);
  }
  return Math.round(total);
}

/** Formats milliseconds for people: 1.2s, 4m 10s, 8h, 1d 2h. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)}s`;
  const parts: string[] = [];
  let rest = Math.round(ms / 1000);
  for (const [unit, seconds] of [
    ['d', 86_400],
    ['h', 3_600],
    ['m', 60],
    ['s', 1],
  ] as const) {
    const count = Math.floor(rest / seconds);
    if (count > 0) parts.push(`${count}${unit}`);
    rest -= count * seconds;
  }
  return parts.slice(0, 2).join(' ');
}
