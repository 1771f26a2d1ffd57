/** Names shared by the worker, the CLI and the tests. */
export const DEFAULT_TASK_QUEUE = 'imply-runbooks';
export const DEFAULT_NAMESPACE = 'default';
