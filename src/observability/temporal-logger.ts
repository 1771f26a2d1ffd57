import type { LogLevel, LogMetadata, Logger } from '@temporalio/common';
import type { PinoLogger } from './logger';

const METHODS: Record<LogLevel, 'trace' | 'debug' | 'info' | 'warn' | 'error'> = {
  TRACE: 'trace',
  DEBUG: 'debug',
  INFO: 'info',
  WARN: 'warn',
  ERROR: 'error',
};

/**
 * The Temporal SDK's logger interface over pino: workflow, activity, worker and core messages become
 * JSON lines with their attributes (workflowId, activityType, runbookId, clusterId …), redacted.
 */
export class PinoTemporalLogger implements Logger {
  constructor(private readonly pinoLogger: PinoLogger) {}

  log(level: LogLevel, message: string, meta?: LogMetadata): void {
    const method = METHODS[level] ?? 'info';
    if (meta === undefined) this.pinoLogger[method](message);
    else this.pinoLogger[method]({ ...meta }, message);
  }

  trace(message: string, meta?: LogMetadata): void {
    this.log('TRACE', message, meta);
  }

  debug(message: string, meta?: LogMetadata): void {
    this.log('DEBUG', message, meta);
  }

  info(message: string, meta?: LogMetadata): void {
    this.log('INFO', message, meta);
  }

  warn(message: string, meta?: LogMetadata): void {
    this.log('WARN', message, meta);
  }

  error(message: string, meta?: LogMetadata): void {
    this.log('ERROR', message, meta);
  }
}
