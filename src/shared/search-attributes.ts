import { defineSearchAttributeKey } from '@temporalio/common';

/**
 * Search attributes the product sets on every runbook, so `temporal workflow list --query` and the
 * Temporal UI show which cluster a runbook acts on and which step it is at.
 * The dev stack registers them at start; on a real Temporal, `imply-runbooks setup` (or an operator) does.
 */
export const SEARCH_ATTRIBUTES = {
  clusterId: defineSearchAttributeKey('ImplyClusterId', 'KEYWORD'),
  clusterName: defineSearchAttributeKey('ImplyClusterName', 'KEYWORD'),
  step: defineSearchAttributeKey('ImplyRunbookStep', 'KEYWORD'),
  kind: defineSearchAttributeKey('ImplyRunbookKind', 'KEYWORD'),
  /**
   * `pending` while a change waits for approval, then `approved`, `rejected`, `timed-out` or
   * `auto-approved`; `cancelled` when the runbook was cancelled while it waited.
   */
  approval: defineSearchAttributeKey('ImplyApprovalState', 'KEYWORD'),
} as const;

/** `Name=Keyword` pairs, as `temporal server start-dev --search-attribute` takes them. */
export const SEARCH_ATTRIBUTE_FLAGS: string[] = Object.values(SEARCH_ATTRIBUTES).map(
  (key) => `${key.name}=Keyword`,
);
