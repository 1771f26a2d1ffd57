import { dataConverterFromEnv } from '../codec/data-converter';
import { connectClient, type TemporalSettings } from '../temporal/connection';

/** Where the dev stack's Temporal is: its address, namespace and task queue. */
export interface DevTemporal {
  temporalAddress: string;
  namespace: string;
  taskQueue: string;
}

/**
 * How the demo and the dev web reach the dev stack's Temporal. The stack's worker inherits this
 * process's environment, so they read payloads with the same keys the worker writes them.
 */
export function devTemporalSettings(stack: DevTemporal): TemporalSettings {
  return {
    address: stack.temporalAddress,
    namespace: stack.namespace,
    taskQueue: stack.taskQueue,
    dataConverter: dataConverterFromEnv(process.env),
  };
}

/** A client of the dev stack's Temporal. */
export function connectDevClient(stack: DevTemporal) {
  return connectClient(devTemporalSettings(stack));
}
