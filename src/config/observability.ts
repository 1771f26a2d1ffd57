import { z } from 'zod';

/**
 * Observability settings of the worker: Prometheus metrics, the health endpoint and logs. From the
 * `observability` section of the configuration file, each key overridden by its environment variable.
 */

export const LOG_LEVELS = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR'] as const;
export type LogLevelName = (typeof LOG_LEVELS)[number];
export const LOG_FORMATS = ['text', 'json'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

const HOST_PORT = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/;

/** Why `value` is not a `host:port` to listen on, or undefined when it is. Pure. */
export function listenAddressProblem(value: string): string | undefined {
  const match = HOST_PORT.exec(value);
  const port = match ? Number(match[2]) : NaN;
  if (match && port >= 1 && port <= 65535) return undefined;
  return `"${value}" is not host:port: write for example 0.0.0.0:9464 (all interfaces) or 127.0.0.1:9464`;
}

const listenAddressSchema = z.string().superRefine((value, context) => {
  const problem = listenAddressProblem(value);
  if (problem) context.addIssue({ code: 'custom', message: problem });
});

export const observabilityConfigSchema = z.strictObject({
  metricsAddress: listenAddressSchema.optional(),
  healthAddress: listenAddressSchema.optional(),
  logLevel: z
    .string()
    .transform((value) => value.toUpperCase())
    .pipe(z.enum(LOG_LEVELS, { error: `must be one of ${LOG_LEVELS.join(', ')}` }))
    .optional(),
  logFormat: z.enum(LOG_FORMATS, { error: 'must be text or json' }).optional(),
});

export type ObservabilityConfig = z.output<typeof observabilityConfigSchema>;

export interface ObservabilitySettings {
  /** Where the Prometheus endpoint (`/metrics`) listens; undefined: no metrics endpoint. */
  metricsAddress?: string;
  /** Where the worker's health endpoint (`/healthz`) listens; undefined: none. */
  healthAddress?: string;
  logLevel: LogLevelName;
  /** `json`: one JSON object a line (production); `text`: lines for people (the default). */
  logFormat: LogFormat;
}

export const OBSERVABILITY_VARIABLES = {
  metricsAddress: 'IMPLY_RUNBOOKS_METRICS_ADDRESS',
  healthAddress: 'IMPLY_RUNBOOKS_HEALTH_ADDRESS',
  logLevel: 'IMPLY_RUNBOOKS_LOG_LEVEL',
  logFormat: 'IMPLY_RUNBOOKS_LOG_FORMAT',
} as const;

function readVariable(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const value = env[name]?.trim();
  return value ? value : undefined;
}

/**
 * The observability settings: environment variables first, then the file's section, then defaults
 * (WARN, text, no endpoints). Throws one error naming every bad variable and its fix. Reads only.
 */
export function observabilitySettings(
  file: ObservabilityConfig | undefined,
  env: NodeJS.ProcessEnv = process.env,
): ObservabilitySettings {
  const problems: string[] = [];
  const read = <Key extends keyof typeof OBSERVABILITY_VARIABLES>(key: Key) => {
    const name = OBSERVABILITY_VARIABLES[key];
    const value = readVariable(env, name);
    if (value === undefined) return file?.[key];
    const parsed = observabilityConfigSchema.shape[key].safeParse(value);
    if (parsed.success) return parsed.data as ObservabilityConfig[Key];
    problems.push(`${name}: ${parsed.error.issues[0]?.message ?? 'not valid'}`);
    return undefined;
  };
  const settings: ObservabilitySettings = {
    metricsAddress: read('metricsAddress'),
    healthAddress: read('healthAddress'),
    logLevel: read('logLevel') ?? 'WARN',
    logFormat: read('logFormat') ?? 'text',
  };
  if (problems.length > 0) {
    throw new Error(`bad observability settings in the environment:\n  - ${problems.join('\n  - ')}`);
  }
  return settings;
}
