/**
 * Imply environments (vanity domains) served by one deployment. Each environment has its own task
 * queue, so a runbook, its activities and its child workflows all run with that environment's
 * credentials; only the worker knows the credentials. Pure: importable from the CLI, the web server,
 * triggers, schedules and workflows alike.
 */

/** The environment configured by the IMPLY_* variables; its task queue is the base one, unchanged. */
export const DEFAULT_ENVIRONMENT = 'default';

/** The memo key every runbook start records its environment under. */
export const ENVIRONMENT_MEMO_KEY = 'environment';

/** What a named environment's task queue adds to the base task queue: `imply-runbooks-env-prod`. */
export const ENVIRONMENT_TASK_QUEUE_INFIX = '-env-';

const ENVIRONMENT_NAME = /^[a-z0-9]([a-z0-9-]{0,38}[a-z0-9])?$/;

/** Why a name cannot name an environment, or undefined when it can. Pure. */
export function environmentNameProblem(name: string): string | undefined {
  if (name === DEFAULT_ENVIRONMENT) {
    return `"${DEFAULT_ENVIRONMENT}" is reserved for the environment the IMPLY_* variables configure: pick another name`;
  }
  if (!ENVIRONMENT_NAME.test(name)) {
    return (
      `"${name}" is not an environment name: use lowercase letters, digits and dashes ` +
      '(at most 40, not starting or ending with a dash), e.g. prod or eu-staging'
    );
  }
  return undefined;
}

/**
 * The task queue of an environment: the base queue for `default` (what every existing worker and
 * history uses), `<base>-env-<name>` for a named one. Pure.
 */
export function environmentTaskQueue(baseTaskQueue: string, environment: string): string {
  if (environment === DEFAULT_ENVIRONMENT) return baseTaskQueue;
  return `${baseTaskQueue}${ENVIRONMENT_TASK_QUEUE_INFIX}${environment}`;
}

/** The environment a task queue belongs to, or undefined when it is not one of this base's. Pure. */
export function environmentOfTaskQueue(taskQueue: string, baseTaskQueue: string): string | undefined {
  if (taskQueue === baseTaskQueue) return DEFAULT_ENVIRONMENT;
  const prefix = `${baseTaskQueue}${ENVIRONMENT_TASK_QUEUE_INFIX}`;
  if (!taskQueue.startsWith(prefix)) return undefined;
  const name = taskQueue.slice(prefix.length);
  return environmentNameProblem(name) === undefined ? name : undefined;
}

/**
 * Checks a requested environment against the known names (`default` always among them) and returns
 * it; throws naming the known ones otherwise. Pure.
 */
export function checkEnvironment(requested: string, known: readonly string[], source: string): string {
  const name = requested.trim();
  const names = [DEFAULT_ENVIRONMENT, ...known.filter((entry) => entry !== DEFAULT_ENVIRONMENT)];
  if (names.includes(name)) return name;
  const configured =
    names.length > 1 ? `known: ${names.join(', ')}` : `only "${DEFAULT_ENVIRONMENT}" is configured`;
  throw new Error(
    `${source} "${requested}" is not a configured environment (${configured}): ` +
      'add it under `environments:` in the configuration file, or pick a known one',
  );
}

/**
 * Start options with a named environment recorded in the memo, beside what the memo already holds.
 * The default environment's starts stay exactly as they were (its task queue says which it is). Pure.
 */
export function withEnvironmentMemo<T extends object>(
  options: T,
  environment: string,
): T & { memo?: Record<string, unknown> } {
  if (environment === DEFAULT_ENVIRONMENT) return options;
  const memo = (options as { memo?: Record<string, unknown> }).memo;
  return { ...options, memo: { ...memo, [ENVIRONMENT_MEMO_KEY]: environment } };
}

/**
 * The environment of a runbook as a person should see it: the memo's, else the one its task queue
 * names (child runbooks of a fleet run carry no memo), else undefined. Pure.
 */
export function environmentOfRunbook(
  run: { memo?: Record<string, unknown>; taskQueue?: string },
  baseTaskQueue: string,
): string | undefined {
  const recorded = run.memo?.[ENVIRONMENT_MEMO_KEY];
  if (typeof recorded === 'string' && recorded) return recorded;
  return run.taskQueue ? environmentOfTaskQueue(run.taskQueue, baseTaskQueue) : undefined;
}
