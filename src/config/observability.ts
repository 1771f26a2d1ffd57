import { z } from 'zod';
import { parseDuration } from '../shared/durations';

/**
 * Observability settings of the worker and the web server: Prometheus metrics, the health endpoint,
 * logs, the approval gauges and tracing. From the `observability` section of the configuration file,
 * each key overridden by its environment variable.
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

/** Milliseconds of a gauge interval: a duration (`15s`, `1m`), or 0 / `off` for none. */
const intervalSchema = z.union([z.string(), z.number()]).transform((value, context) => {
  const text = String(value).trim();
  if (text === '0' || text === 'off') return 0;
  try {
    return parseDuration(text, 'interval');
  } catch {
    context.addIssue({
      code: 'custom',
      message: `"${text}" is not an interval: write a duration such as 15s or 1m, or 0 to turn it off`,
    });
    return z.NEVER;
  }
});

const httpUrlSchema = z.string().refine((value) => /^https?:\/\/[^/\s]+/.test(value), {
  message: 'must be an http(s) URL such as http://otel-collector:4318',
});

/** OpenTelemetry tracing: off unless an OTLP/HTTP endpoint is given here or in OTEL_EXPORTER_OTLP_ENDPOINT. */
export const tracingConfigSchema = z.strictObject({
  /** The collector's base URL; traces go to `<otlpEndpoint>/v1/traces` (OTLP over HTTP, JSON). */
  otlpEndpoint: httpUrlSchema.optional(),
  /** `service.name` of the spans; default `imply-runbooks-<component>` (worker, web, cli). */
  serviceName: z.string().min(1).optional(),
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
  approvalGaugeInterval: intervalSchema.optional(),
  tracing: tracingConfigSchema.optional(),
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
  /** How often the worker reads pending approvals for its gauges; 0: never. Default 15 s. */
  approvalGaugeIntervalMs: number;
  /** OpenTelemetry tracing; undefined: off (the default). */
  tracing?: TracingSettings;
}

export interface TracingSettings {
  /** Where spans are POSTed: `http://collector:4318/v1/traces`. */
  tracesUrl: string;
  /** `service.name`; undefined: `imply-runbooks-<component>`. */
  serviceName?: string;
}

export const DEFAULT_APPROVAL_GAUGE_INTERVAL_MS = 15_000;

export const OBSERVABILITY_VARIABLES = {
  metricsAddress: 'IMPLY_RUNBOOKS_METRICS_ADDRESS',
  healthAddress: 'IMPLY_RUNBOOKS_HEALTH_ADDRESS',
  logLevel: 'IMPLY_RUNBOOKS_LOG_LEVEL',
  logFormat: 'IMPLY_RUNBOOKS_LOG_FORMAT',
  approvalGaugeInterval: 'IMPLY_RUNBOOKS_APPROVAL_GAUGE_INTERVAL',
} as const;

/** The standard OpenTelemetry variables tracing reads (they win over the file's `tracing` section). */
export const OTEL_VARIABLES = {
  endpoint: 'OTEL_EXPORTER_OTLP_ENDPOINT',
  tracesEndpoint: 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT',
  serviceName: 'OTEL_SERVICE_NAME',
  disabled: 'OTEL_SDK_DISABLED',
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
    approvalGaugeIntervalMs: read('approvalGaugeInterval') ?? DEFAULT_APPROVAL_GAUGE_INTERVAL_MS,
    tracing: tracingSettings(file?.tracing, env, problems),
  };
  if (problems.length > 0) {
    throw new Error(`bad observability settings in the environment:\n  - ${problems.join('\n  - ')}`);
  }
  return settings;
}

/**
 * Tracing settings: OTEL_EXPORTER_OTLP_TRACES_ENDPOINT (the full URL), else OTEL_EXPORTER_OTLP_ENDPOINT
 * or the file's `otlpEndpoint` (a base URL: `/v1/traces` is added); undefined when none is set or
 * OTEL_SDK_DISABLED=true. Pushes a message naming the variable for a URL that is not http(s). Pure.
 */
export function tracingSettings(
  file: z.output<typeof tracingConfigSchema> | undefined,
  env: NodeJS.ProcessEnv,
  problems: string[] = [],
): TracingSettings | undefined {
  if (readVariable(env, OTEL_VARIABLES.disabled)?.toLowerCase() === 'true') return undefined;
  const fromEnv = (name: string) => {
    const value = readVariable(env, name);
    if (value === undefined || httpUrlSchema.safeParse(value).success) return value;
    problems.push(`${name}: "${value}" must be an http(s) URL such as http://otel-collector:4318`);
    return undefined;
  };
  const tracesEndpoint = fromEnv(OTEL_VARIABLES.tracesEndpoint);
  const base =
    tracesEndpoint === undefined ? (fromEnv(OTEL_VARIABLES.endpoint) ?? file?.otlpEndpoint) : undefined;
  const tracesUrl =
    tracesEndpoint ?? (base === undefined ? undefined : `${base.replace(/\/+$/, '')}/v1/traces`);
  if (tracesUrl === undefined) return undefined;
  const serviceName = readVariable(env, OTEL_VARIABLES.serviceName) ?? file?.serviceName;
  return serviceName ? { tracesUrl, serviceName } : { tracesUrl };
}
