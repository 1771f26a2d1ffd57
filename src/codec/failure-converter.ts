import { DefaultFailureConverter } from '@temporalio/common';

/**
 * Loaded by path (`failureConverterPath`) in the worker, its workflow bundle and the client when
 * payloads are encrypted: failure messages and stack traces move into a payload, so the codec
 * encrypts them too. Workflow-safe: it imports nothing but @temporalio/common.
 */
export const failureConverter = new DefaultFailureConverter({ encodeCommonAttributes: true });
