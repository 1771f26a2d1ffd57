/**
 * Workflow interceptors bundled with the workflow code: runbook counters by kind and outcome (with
 * rolled-back changes and fleet results, runbook-result-metrics.ts), and the runbook id and cluster
 * id on every workflow log line. Workflow code: no I/O, no Node built-ins.
 * The SDK drops metrics while a history replays, so a runbook is counted once however often it replays.
 */
import {
  ApplicationFailure,
  ContinueAsNew,
  isCancellation,
  metricMeter,
  workflowInfo,
  type WorkflowExecuteInput,
  type WorkflowInboundCallsInterceptor,
  type WorkflowInterceptorsFactory,
  type WorkflowOutboundCallsInterceptor,
  type Next,
  type GetLogAttributesInput,
} from '@temporalio/workflow';
import { SEARCH_ATTRIBUTES } from '../shared/search-attributes';
import { METRICS, runbookKind } from './metric-names';
import { resultCounters } from './runbook-result-metrics';

const MAX_CAUSES = 10;

/** The type of the innermost ApplicationFailure (an activity's CloudManagerRejected), else the error's name. */
function failureType(error: unknown): string {
  let type = error instanceof Error ? error.name : 'Error';
  let current: unknown = error;
  for (let depth = 0; current instanceof Error && depth < MAX_CAUSES; depth += 1) {
    if (current instanceof ApplicationFailure && current.type) type = current.type;
    current = (current as { cause?: unknown }).cause;
  }
  return type;
}

function outcomeOf(result: unknown): string {
  const outcome = (result as { outcome?: unknown } | undefined)?.outcome;
  return typeof outcome === 'string' && outcome !== '' ? outcome : 'completed';
}

class RunbookMetricsInterceptor implements WorkflowInboundCallsInterceptor {
  async execute(
    input: WorkflowExecuteInput,
    next: Next<WorkflowInboundCallsInterceptor, 'execute'>,
  ): Promise<unknown> {
    const kind = runbookKind(workflowInfo().workflowType);
    metricMeter.createCounter(METRICS.runbooksStarted, undefined, 'Runbooks started').add(1, { kind });
    try {
      const result = await next(input);
      metricMeter
        .createCounter(METRICS.runbooksCompleted, undefined, 'Runbooks that ended without failing')
        .add(1, { kind, outcome: outcomeOf(result) });
      for (const counter of resultCounters(kind, result)) {
        metricMeter
          .createCounter(counter.metric, undefined, counter.description)
          .add(counter.value, counter.labels);
      }
      return result;
    } catch (error) {
      if (error instanceof ContinueAsNew) throw error;
      if (isCancellation(error)) {
        metricMeter
          .createCounter(METRICS.runbooksCancelled, undefined, 'Runbooks cancelled')
          .add(1, { kind });
      } else {
        metricMeter
          .createCounter(METRICS.runbooksFailed, undefined, 'Runbooks that failed')
          .add(1, { kind, failure_type: failureType(error) });
      }
      throw error;
    }
  }
}

class RunbookLogAttributes implements WorkflowOutboundCallsInterceptor {
  getLogAttributes(
    input: GetLogAttributesInput,
    next: Next<WorkflowOutboundCallsInterceptor, 'getLogAttributes'>,
  ): Record<string, unknown> {
    const info = workflowInfo();
    const clusterId = info.typedSearchAttributes.get(SEARCH_ATTRIBUTES.clusterId);
    const clusterName = info.typedSearchAttributes.get(SEARCH_ATTRIBUTES.clusterName);
    return next({
      ...input,
      runbookId: info.workflowId,
      ...(clusterId ? { clusterId } : {}),
      ...(clusterName ? { clusterName } : {}),
    });
  }
}

/** Registered through the bundle's `workflowInterceptorModules` (src/workflow-bundle.ts). */
export const interceptors: WorkflowInterceptorsFactory = () => ({
  inbound: [new RunbookMetricsInterceptor()],
  outbound: [new RunbookLogAttributes()],
});
