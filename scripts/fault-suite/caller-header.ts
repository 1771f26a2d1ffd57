/**
 * Preloaded into the fault suite's worker processes (`node --require tsx/cjs --require this-file
 * bin/imply-runbooks.js worker`), like a tracing agent: every Cloud Manager request made inside an
 * activity carries `<workflow id>/<run id>/<activity id>/<attempt>` in CALLER_HEADER, which the emulator's
 * request log keeps. That is how the suite tells a retry of one call from another runbook's request.
 * The worker itself runs unchanged.
 */
import { Context } from '@temporalio/activity';
import { Agent, setGlobalDispatcher, type Dispatcher } from 'undici';
import { CALLER_HEADER } from '../../src/emulator/request-log';

function currentCaller(): string | undefined {
  try {
    const info = Context.current().info;
    // The run id too: runs of one id (change:<uid> holds a scale, then a stop, then a delete) number
    // their activities from 1 each, and their calls are not retries of one another.
    const execution = info.workflowExecution;
    return `${execution?.workflowId ?? '-'}/${execution?.runId ?? '-'}/${info.activityId}/${info.attempt}`;
  } catch {
    // Not inside an activity (a token fetch at start-up, say): nothing to name.
    return undefined;
  }
}

function withCaller(options: Dispatcher.DispatchOptions): Dispatcher.DispatchOptions {
  const caller = currentCaller();
  const headers = options.headers;
  if (
    !caller ||
    (headers !== undefined && (headers === null || typeof headers !== 'object' || Array.isArray(headers)))
  ) {
    return options;
  }
  return {
    ...options,
    headers: { ...(headers as Record<string, string> | undefined), [CALLER_HEADER]: caller },
  };
}

setGlobalDispatcher(
  new Agent().compose((dispatch) => (options, handler) => dispatch(withCaller(options), handler)),
);
