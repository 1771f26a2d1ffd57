/** Types for scripts/install-chromium.js (plain Node: it runs as npm postinstall). */
export function checkRuns(chromium: {
  executablePath: string;
  env: Record<string, string>;
}): string | undefined;
export function fallbackPlan(situation: {
  systemPath: string | undefined;
  isRoot: boolean;
  isDebian: boolean;
}): 'system' | 'apt' | 'explain';
