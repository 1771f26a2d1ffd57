import type { Client } from '@temporalio/client';
import type { RequestLogEntry } from '../../src/emulator/server';
import type { CheckOutcome } from './check-approval';

/** The rehearsal's figures: per check its time, the history events of its runbooks, the API calls. */

export interface CheckFigures {
  name: string;
  seconds: number;
  historyEvents: number;
  apiCalls: number;
  apiChanges: number;
}

/** Events in the histories of `runbookIds` (their latest runs, continue-as-new not followed). */
export async function historyEvents(client: Client, runbookIds: string[]): Promise<number> {
  let events = 0;
  for (const id of runbookIds) {
    const history = await client.workflow.getHandle(id).fetchHistory();
    events += history.events?.length ?? 0;
  }
  return events;
}

/** The figures of one check from what it returned and the request log entries made while it ran. */
export async function figuresOf(
  client: Client,
  outcome: CheckOutcome,
  startedAt: number,
  requests: readonly RequestLogEntry[],
): Promise<CheckFigures> {
  const during = requests.filter((entry) => Date.parse(entry.at) >= startedAt);
  return {
    name: outcome.name,
    seconds: Math.round((Date.now() - startedAt) / 1000),
    historyEvents: await historyEvents(client, outcome.runbookIds),
    apiCalls: during.length,
    apiChanges: during.filter((entry) => entry.mutating).length,
  };
}

/** The figures as a table for the screen and docs/production.md. Pure. */
export function formatTable(rows: readonly CheckFigures[]): string {
  const header = ['check', 'seconds', 'history events', 'API calls', 'of them changes'];
  const lines = rows.map((row) =>
    [row.name, row.seconds, row.historyEvents, row.apiCalls, row.apiChanges].map(String),
  );
  const widths = header.map((title, column) =>
    Math.max(title.length, ...lines.map((line) => line[column]!.length)),
  );
  const format = (cells: string[]) => cells.map((cell, column) => cell.padEnd(widths[column]!)).join('  ');
  return [format(header), ...lines.map(format)].join('\n');
}
