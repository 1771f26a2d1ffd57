/** Every workflow the worker registers. Workflow code only: no I/O, no Node built-ins. */
export { lifecycleRunbook } from './lifecycle';
export { runbookProgressQuery } from './progress';
export { powerRunbook } from './power';
export { fleetRunbook } from './fleet';
export { keepAliveRunbook, keepAliveQuery, removeKeepAliveSignal } from './keep-alive';
export { scheduledFleetRun } from './scheduled-fleet';
export { offHoursGuard } from './off-hours';
export { changeRunbook } from './change';
export { driftCheck } from './drift';
export { shrinkRecord, shrinkRecordQuery, shrinkRestoredSignal } from './shrink-record';
