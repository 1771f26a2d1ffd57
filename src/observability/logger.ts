import pino, { type DestinationStream, type Logger as PinoLogger } from 'pino';
import type { LogFormat, LogLevelName } from '../config/observability';
import { redactText, redactValue, secretValuesFromEnv } from './redact';

export type { PinoLogger };

export interface LoggerOptions {
  level: LogLevelName;
  format: LogFormat;
  /** Which process writes: `worker`, `web`. */
  component: string;
  /** Where secret values are read from (see redact.ts). */
  env?: NodeJS.ProcessEnv;
  /** Default: standard output. Tests pass their own stream. */
  destination?: DestinationStream;
}

/** pino's numeric levels by our level names. */
const PINO_LEVELS: Record<LogLevelName, pino.Level> = {
  TRACE: 'trace',
  DEBUG: 'debug',
  INFO: 'info',
  WARN: 'warn',
  ERROR: 'error',
};

const TEXT_LEVELS: Record<number, string> = {
  10: 'TRACE',
  20: 'DEBUG',
  30: '',
  40: 'WARN',
  50: 'ERROR',
  60: 'FATAL',
};
const TEXT_OMITTED = new Set(['level', 'time', 'pid', 'hostname', 'component', 'msg']);

function formatTextValue(value: unknown): string {
  if (typeof value === 'string') return /\s/.test(value) ? JSON.stringify(value) : value;
  return JSON.stringify(value);
}

/** One line for people: `WARN message key=value …`; info lines without attributes are the message alone. */
export function textLine(json: string): string {
  const record = JSON.parse(json) as Record<string, unknown>;
  const level = TEXT_LEVELS[Number(record.level)] ?? String(record.level);
  const attributes = Object.entries(record)
    .filter(([key, value]) => !TEXT_OMITTED.has(key) && value !== undefined)
    .map(([key, value]) => `${key}=${formatTextValue(value)}`);
  return [level, String(record.msg ?? ''), ...attributes].filter(Boolean).join(' ') + '\n';
}

function textDestination(output: NodeJS.WritableStream): DestinationStream {
  return { write: (line: string) => void output.write(textLine(line)) };
}

/**
 * A pino logger that writes JSON lines (or text lines) with every secret redacted: values under
 * secret keys, and this process's secret values anywhere in a message. Creates no files.
 */
export function createLogger(options: LoggerOptions): PinoLogger {
  const secrets = secretValuesFromEnv(options.env ?? process.env);
  const destination =
    options.destination ??
    (options.format === 'json' ? pino.destination({ dest: 1, sync: true }) : textDestination(process.stdout));
  return pino(
    {
      level: PINO_LEVELS[options.level],
      base: { component: options.component, pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: {
        level: (label, number) => (options.format === 'json' ? { level: label } : { level: number }),
        log: (object) => redactValue(object, secrets) as Record<string, unknown>,
      },
      hooks: {
        logMethod(args, method) {
          const cleaned = args.map((argument) =>
            typeof argument === 'string' ? redactText(argument, secrets) : argument,
          );
          method.apply(this, cleaned as Parameters<typeof method>);
        },
      },
    },
    destination,
  );
}
