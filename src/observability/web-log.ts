import type { Config } from '../config';
import {
  OBSERVABILITY_VARIABLES,
  observabilitySettings,
  type ObservabilitySettings,
} from '../config/observability';
import { createLogger, type PinoLogger } from './logger';

/** What a web server log line is about: the ids people search for, and how bad it is. */
export interface WebLogFields {
  runbookId?: string;
  clusterId?: string;
  /** A cluster as a trigger named it (name or id). */
  cluster?: string;
  user?: string;
  /** Default info. */
  level?: 'info' | 'warn' | 'error';
}

/** The web server's log: one line for people, and the ids it is about. `(line) => …` fits too. */
export type WebLog = (line: string, fields?: WebLogFields) => void;

const PREFIX = /^\[web\] /;

/** A WebLog over pino: the `[web] ` prefix dropped (the `component` says it), the fields as attributes. */
export function pinoWebLog(logger: PinoLogger): WebLog {
  return (line, fields = {}) => {
    const { level = 'info', ...ids } = fields;
    logger[level](ids, line.replace(PREFIX, ''));
  };
}

export interface WebObservability {
  settings: ObservabilitySettings;
  logger: PinoLogger;
  log: WebLog;
}

/**
 * The web server's logger: the `observability` settings and variables of the worker (format,
 * redaction), but INFO unless a level is set, since its lines are the decisions and sign-ins.
 * Throws naming a bad variable. Creates no files.
 */
export function webObservability(config: Config, env: NodeJS.ProcessEnv = process.env): WebObservability {
  const settings = observabilitySettings(config.observability, env);
  const levelSet =
    Boolean(env[OBSERVABILITY_VARIABLES.logLevel]?.trim()) || config.observability?.logLevel !== undefined;
  const logger = createLogger({
    level: levelSet ? settings.logLevel : 'INFO',
    format: settings.logFormat,
    component: 'web',
    env,
  });
  return { settings, logger, log: pinoWebLog(logger) };
}
