import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { LineCounter, parse, YAMLParseError } from 'yaml';
import type { z } from 'zod';
import { configFileSchema, type ConfigFile } from './schema';
import { checkReferences } from './references';
import { LOCAL_DEFAULTS, type Config } from './defaults';

/** The file `loadConfig` looks for in the working directory when no path is given. */
export const CONFIG_FILE_NAME = 'imply-runbooks.config.yaml';

export interface LoadConfigOptions {
  /** From `--config`; beats the environment. */
  path?: string;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

/** A bad configuration file: every line names the key (`approvals.policies[0].required: must be at least 1`). */
export class ConfigFileError extends Error {
  constructor(
    readonly file: string,
    readonly problems: string[],
  ) {
    super(`${file}: ${problems.join('; ')}`);
    this.name = 'ConfigFileError';
  }
}

function findFile(options: LoadConfigOptions): string | undefined {
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  const explicit = options.path ?? env.IMPLY_RUNBOOKS_CONFIG;
  if (explicit !== undefined && explicit !== '') {
    const file = resolve(cwd, explicit);
    const source = options.path !== undefined ? '--config' : 'IMPLY_RUNBOOKS_CONFIG';
    if (!existsSync(file)) {
      throw new ConfigFileError(file, [
        `not found (named by ${source}): check the path, or leave it out to use ${CONFIG_FILE_NAME} or the built-in local defaults`,
      ]);
    }
    return file;
  }
  const inWorkingDirectory = resolve(cwd, CONFIG_FILE_NAME);
  return existsSync(inWorkingDirectory) ? inWorkingDirectory : undefined;
}

/** Formats a zod path the way people write keys: `approvals.policies[0].required`. */
export function formatKey(path: ReadonlyArray<PropertyKey>): string {
  return path
    .map((part, index) =>
      typeof part === 'number' ? `[${part}]` : `${index === 0 ? '' : '.'}${String(part)}`,
    )
    .join('');
}

function describeIssue(issue: z.core.$ZodIssue): string {
  if (issue.code === 'unrecognized_keys') {
    const where = issue.path.length > 0 ? `${formatKey(issue.path)}: ` : '';
    return `${where}unknown key ${issue.keys.map((key) => `"${key}"`).join(', ')}: check the spelling`;
  }
  return `${issue.path.length > 0 ? formatKey(issue.path) : '(top level)'}: ${issue.message}`;
}

function parseYaml(file: string, text: string): unknown {
  const lineCounter = new LineCounter();
  try {
    return parse(text, { prettyErrors: false, lineCounter }) ?? {};
  } catch (error) {
    if (error instanceof YAMLParseError) {
      // No source excerpt: the offending line could hold a secret someone pasted by mistake.
      const position = lineCounter.linePos(error.pos[0]);
      const where = position ? `line ${position.line}, column ${position.col}: ` : '';
      throw new ConfigFileError(file, [`${where}not valid YAML (${error.code})`]);
    }
    throw error;
  }
}

/** Parses and checks configuration text; throws ConfigFileError naming every bad key. Pure. */
export function parseConfigText(text: string, file = CONFIG_FILE_NAME): Config {
  const result = configFileSchema.safeParse(parseYaml(file, text));
  if (!result.success) throw new ConfigFileError(file, result.error.issues.map(describeIssue));
  const problems = checkReferences(result.data);
  if (problems.length > 0) throw new ConfigFileError(file, problems);
  for (const note of deprecatedKeys(result.data)) {
    process.emitWarning(`${file}: ${note}`, { type: 'DeprecationWarning', code: 'IMPLY_RUNBOOKS_CONFIG' });
  }
  return withDefaults(result.data, file);
}

/**
 * The old setting names a file still uses: `autoApprove` meant two things (a small-scale rule in
 * `approvals`, a list of kinds in `policies`); each now has its own name. Read, and named here. Pure.
 */
export function deprecatedKeys(file: ConfigFile): string[] {
  const notes: string[] = [];
  const approvals = file.approvals;
  const approvalPolicies: Array<[string, { autoApprove?: unknown }]> = [
    ...(approvals?.default
      ? [['approvals.default', approvals.default] as [string, { autoApprove?: unknown }]]
      : []),
    ...(approvals?.policies ?? []).map(
      (policy, index) => [`approvals.policies[${index}]`, policy] as [string, { autoApprove?: unknown }],
    ),
  ];
  for (const [where, policy] of approvalPolicies) {
    if (policy.autoApprove !== undefined) {
      notes.push(`${where}.autoApprove is deprecated: rename it autoApproveSmallScale (same value)`);
    }
  }
  (file.policies ?? []).forEach((policy, index) => {
    if (policy.autoApprove !== undefined) {
      notes.push(`policies[${index}].autoApprove is deprecated: rename it autoApproveKinds (same value)`);
    }
  });
  return notes;
}

function withDefaults(file: ConfigFile, source: string): Config {
  return {
    source,
    approvals: file.approvals ?? LOCAL_DEFAULTS.approvals,
    notifications: file.notifications ?? LOCAL_DEFAULTS.notifications,
    web: file.web ?? LOCAL_DEFAULTS.web,
    ...(file.observability ? { observability: file.observability } : {}),
    ...(file.prices ? { prices: file.prices } : {}),
    ...(file.policies ? { policies: file.policies } : {}),
    ...(file.environments ? { environments: file.environments } : {}),
  };
}

/** Reads the configuration: --config, IMPLY_RUNBOOKS_CONFIG, ./imply-runbooks.config.yaml, else local defaults. Read-only. */
export function loadConfig(options: LoadConfigOptions = {}): Config {
  const file = findFile(options);
  if (file === undefined) return LOCAL_DEFAULTS;
  return parseConfigText(readConfigFile(file), file);
}

function readConfigFile(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    const what = code === 'EISDIR' ? 'is a directory' : `cannot be read (${code})`;
    throw new ConfigFileError(file, [`${what}: give the path of the YAML configuration file`]);
  }
}
