import { noteConnecting } from './exit-codes';
import type { RunbookEnd } from './runbook-end';
import {
  WorkflowExecutionAlreadyStartedError,
  WorkflowFailedError,
  type Client,
  type WorkflowHandle,
  type WorkflowHandleWithFirstExecutionRunId,
} from '@temporalio/client';
import { setTimeout as delay } from 'node:timers/promises';
import { lifecycleStartOptions, type LifecycleInput } from '../shared/runbook';
import type { RunbookProgress } from '../shared/runbook';
import { DEFAULT_ENVIRONMENT, environmentTaskQueue } from '../shared/environments';
import { cliTracing } from '../observability/tracing';
import { connectClient, temporalSettingsFromEnv, type TemporalSettings } from '../temporal/connection';
import { lifecycleRunbook, runbookProgressQuery } from '../workflows';
import { safe } from './output';
import { ProgressPrinter } from './progress-printer';
import { ensureSearchAttributes } from './search-attributes-setup';
import { shellQuote } from '../shared/terminal-text';

/**
 * Connects to Temporal from the TEMPORAL_* variables, runs `body`, and closes the connection. With
 * OTEL_EXPORTER_OTLP_ENDPOINT set, the client's calls are traced and the spans sent before it returns.
 */
export async function withTemporal<T>(
  body: (client: Client, settings: TemporalSettings) => Promise<T>,
  env: NodeJS.ProcessEnv = process.env,
): Promise<T> {
  const settings = temporalSettingsFromEnv(env);
  noteConnecting();
  const tracing = cliTracing(env);
  const { client, connection } = await connectClient(settings, { interceptors: tracing?.interceptors });
  try {
    return await body(client, settings);
  } finally {
    await connection.close();
    await tracing?.shutdown();
  }
}

export { runbookUiLink } from '../operations/cluster-actions';

/**
 * Starts a lifecycle runbook on its environment's task queue; refuses, with the id to look at, when
 * one already runs for that name in that environment.
 */
export async function startLifecycle(
  client: Client,
  settings: TemporalSettings,
  input: LifecycleInput,
  environment: string = DEFAULT_ENVIRONMENT,
): Promise<WorkflowHandleWithFirstExecutionRunId<typeof lifecycleRunbook>> {
  await ensureSearchAttributes(client.connection, settings.namespace);
  const taskQueue = environmentTaskQueue(settings.taskQueue, environment);
  const options = lifecycleStartOptions(input, taskQueue, environment);
  try {
    return await client.workflow.start(lifecycleRunbook, options);
  } catch (error) {
    if (error instanceof WorkflowExecutionAlreadyStartedError) {
      throw new Error(
        `a lifecycle runbook for cluster "${input.cluster.metadata.name}" is already running ` +
          `(${options.workflowId}): follow it with \`imply-runbooks status ${shellQuote(options.workflowId)}\``,
      );
    }
    throw error;
  }
}

export type { RunbookEnd } from './runbook-end';

/**
 * Prints the runbook's steps as they happen until it ends (or `signal` aborts the following, which
 * leaves the runbook running). Returns how it ended.
 */
export async function followRunbook<Result = unknown>(
  handle: WorkflowHandle,
  write: (line: string) => void,
  options: { signal?: AbortSignal; intervalMs?: number } = {},
): Promise<RunbookEnd<Result> | undefined> {
  const printer = new ProgressPrinter(write);
  const children = new ChildFollower(handle, write);
  let ended: RunbookEnd<Result> | undefined;
  const result = handle.result().then(
    (value: Result) => (ended = { outcome: 'completed', result: value }),
    (error: unknown) => (ended = describeEnd(error)),
  );
  while (!ended && !options.signal?.aborted) {
    const progress = await queryProgress(handle);
    if (progress) {
      // A child that ended prints its last lines before the step it ran shows as done.
      await children.finishUnless(progress);
      printer.update(progress);
      await children.update(progress);
    }
    await Promise.race([delay(options.intervalMs ?? 500), result]);
  }
  if (!ended) return undefined;
  await children.finish();
  const final = await queryProgress(handle);
  if (final) printer.update(final);
  return ended;
}

/**
 * The steps of the child runbook a step runs (a lifecycle's scale is the change runbook
 * `change:<uid>`), printed indented under that step, once with its id, where approvals go. Each
 * child is pinned to its run, so its last lines print even after the next child took the same id.
 */
class ChildFollower {
  private following: { key: string; handle?: WorkflowHandle; printer?: ProgressPrinter } | undefined;

  constructor(
    private readonly parent: WorkflowHandle,
    private readonly write: (line: string) => void,
  ) {}

  /** Finishes the child followed so far unless `progress` still shows it running the same step. */
  async finishUnless(progress: RunbookProgress): Promise<void> {
    if (this.following && this.following.key !== keyOf(progress)) await this.finish();
  }

  async update(progress: RunbookProgress): Promise<void> {
    await this.finishUnless(progress);
    const child = progress.child;
    const key = keyOf(progress);
    if (!child || !key) return;
    const following = (this.following ??= { key });
    if (!following.handle) {
      // Until the child has started, the id still names the run before it (ended): wait for this one.
      const description = await this.parent.client
        .getHandle(child)
        .describe()
        .catch(() => undefined);
      if (description?.status.name !== 'RUNNING') return;
      following.handle = this.parent.client.getHandle(child, description.runId);
    }
    const childProgress = await queryProgress(following.handle);
    if (!childProgress) return;
    if (!following.printer) {
      this.write(safe`  ↳ ${child} (${childProgress.kind} runbook): its steps follow`);
      following.printer = new ProgressPrinter((line) => this.write(`    ${line}`));
    }
    following.printer.update(childProgress);
  }

  /** Prints the last lines of the child followed so far, and lets it go. */
  async finish(): Promise<void> {
    const following = this.following;
    this.following = undefined;
    if (!following?.handle || !following.printer) return;
    const last = await queryProgress(following.handle);
    if (last) following.printer.update(last);
  }
}

function keyOf(progress: RunbookProgress): string | undefined {
  return progress.child ? `${progress.currentStep ?? ''}:${progress.child}` : undefined;
}

async function queryProgress(handle: WorkflowHandle): Promise<RunbookProgress | undefined> {
  try {
    return await handle.query(runbookProgressQuery);
  } catch {
    // The first task may not have run yet, or the worker is restarting: show progress on the next round.
    return undefined;
  }
}

function describeEnd(error: unknown): RunbookEnd<never> {
  if (error instanceof WorkflowFailedError) {
    const cause = innermostCause(error.cause) as (Error & { type?: string; failure?: unknown }) | undefined;
    const name = cause?.name ?? '';
    if (name === 'CancelledFailure') return { outcome: 'cancelled', message: 'the runbook was cancelled' };
    if (name === 'TerminatedFailure')
      return { outcome: 'terminated', message: cause?.message ?? 'terminated' };
    if (name === 'TimeoutFailure') return { outcome: 'timed out', message: cause?.message ?? 'timed out' };
    const type = cause?.type ? `${cause.type}: ` : '';
    return { outcome: 'failed', message: `${type}${cause?.message ?? error.message}` };
  }
  return { outcome: 'failed', message: error instanceof Error ? error.message : String(error) };
}

/** "Activity task failed" says nothing: show the failure of the call inside it, which says what to do. */
function innermostCause(error: Error | undefined): Error | undefined {
  let cause = error;
  while (
    (cause?.name === 'ActivityFailure' || cause?.name === 'ChildWorkflowFailure') &&
    cause.cause instanceof Error
  ) {
    cause = cause.cause;
  }
  return cause;
}
