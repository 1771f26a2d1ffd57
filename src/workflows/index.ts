/** Every workflow the worker registers. Workflow code only: no I/O, no Node built-ins. */
export { lifecycleRunbook } from './lifecycle';
export { runbookProgressQuery } from './progress';
