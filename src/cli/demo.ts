/** What the dev stack hands the demo: where everything runs, and a signal that fires on Ctrl-C. */
export interface DemoContext {
  temporalAddress: string;
  namespace: string;
  taskQueue: string;
  uiUrl?: string;
  emulatorApiUrl: string;
  signal: AbortSignal;
}

/** Placeholder until the demo runbook lands: prints that it is not available. Changes nothing. */
export async function runDemo(_context: DemoContext): Promise<void> {
  console.log('[demo] demo not available yet');
}
