import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SecretValue } from '../../src/temporal/connection';
import { createLogger, textLine } from '../../src/observability/logger';
import { redactText, redactValue, secretValuesFromEnv } from '../../src/observability/redact';
import { PinoTemporalLogger } from '../../src/observability/temporal-logger';

const ENV = {
  IMPLY_TOKEN: 'imply-static-token-0123456789',
  IMPLY_CLIENT_SECRET: 'client-secret-abcdefghij',
  TEMPORAL_API_KEY: 'temporal-api-key-zyxwvu',
  SLACK_WEBHOOK_URL: 'https://hooks.example.test/services/T000/B000/XXXXSECRET',
  IMPLY_RUNBOOKS_LOG_LEVEL: 'DEBUG',
  TEMPORAL_ADDRESS: '127.0.0.1:7233',
};
const SECRETS = [ENV.IMPLY_TOKEN, ENV.IMPLY_CLIENT_SECRET, ENV.TEMPORAL_API_KEY, ENV.SLACK_WEBHOOK_URL];

interface Redacted {
  request: { headers: Record<string, string> };
  clientSecret: string;
  config: { webhookUrl: string; apiKey: string };
  error: { message: string };
  clusterId: string;
}

/** A logger writing JSON lines into an array, with ENV as its environment. */
function capture(format: 'json' | 'text' = 'json', level: 'DEBUG' | 'WARN' = 'DEBUG') {
  const lines: string[] = [];
  const logger = createLogger({
    level,
    format,
    component: 'worker',
    env: ENV,
    destination: { write: (line: string) => void lines.push(format === 'json' ? line : textLine(line)) },
  });
  return { logger, lines };
}

describe('log redaction', () => {
  it('takes the secret values from variables named like tokens, secrets, API keys and webhooks', () => {
    assert.deepEqual(new Set(secretValuesFromEnv(ENV)), new Set(SECRETS));
  });

  it('cuts known secrets, bearer tokens and URL passwords out of text', () => {
    const text = `failed with ${ENV.IMPLY_TOKEN}; Authorization: Bearer abc.def-123; https://user:pw@db.local/x`;
    assert.equal(
      redactText(text, SECRETS),
      'failed with [redacted]; Authorization: Bearer [redacted]; https://[redacted]@db.local/x',
    );
  });

  it('replaces values under secret keys at any depth and scrubs nested errors', () => {
    const error = new Error(`POST https://acme.implycloud.com answered 401 for ${ENV.IMPLY_CLIENT_SECRET}`);
    const value = redactValue(
      {
        request: { headers: { Authorization: 'Bearer x', accept: 'application/json' } },
        clientSecret: 'anything',
        config: { webhookUrl: 'https://hooks.example.test/a', apiKey: new SecretValue('k') },
        error,
        clusterId: 'c-1',
      },
      SECRETS,
    ) as Redacted;
    assert.equal(value.request.headers.Authorization, '[redacted]');
    assert.equal(value.request.headers.accept, 'application/json');
    assert.equal(value.clientSecret, '[redacted]');
    assert.equal(value.config.webhookUrl, '[redacted]');
    assert.equal(value.config.apiKey, '[redacted]');
    assert.equal(value.clusterId, 'c-1');
    assert.equal(value.error.message, 'POST https://acme.implycloud.com answered 401 for [redacted]');
    assert.ok(!JSON.stringify(value).includes(ENV.IMPLY_CLIENT_SECRET));
  });
});

describe('createLogger', () => {
  it('writes JSON lines with the level, message and ids, and no secret anywhere', () => {
    const { logger, lines } = capture();
    logger.warn(
      {
        runbookId: 'lifecycle:a',
        clusterId: 'c-1',
        token: ENV.IMPLY_TOKEN,
        error: new Error(ENV.TEMPORAL_API_KEY),
      },
      `calling with ${ENV.IMPLY_TOKEN} to ${ENV.SLACK_WEBHOOK_URL}`,
    );
    assert.equal(lines.length, 1);
    const record = JSON.parse(lines[0]!);
    assert.equal(record.level, 'warn');
    assert.equal(record.component, 'worker');
    assert.equal(record.runbookId, 'lifecycle:a');
    assert.equal(record.clusterId, 'c-1');
    assert.equal(record.token, '[redacted]');
    assert.equal(record.msg, 'calling with [redacted] to [redacted]');
    for (const secret of SECRETS) assert.ok(!lines[0]!.includes(secret), 'a secret leaked');
  });

  it('drops lines below its level', () => {
    const { logger, lines } = capture('json', 'WARN');
    logger.info('quiet');
    logger.error('loud');
    assert.deepEqual(
      lines.map((line) => JSON.parse(line).msg),
      ['loud'],
    );
  });

  it('writes text lines for people: info as the bare message, others with level and attributes', () => {
    const { logger, lines } = capture('text');
    logger.info('Worker ready: task queue "q"');
    logger.warn({ clusterId: 'c-1', status: '429' }, 'Cloud Manager API call');
    assert.deepEqual(lines, [
      'Worker ready: task queue "q"\n',
      'WARN Cloud Manager API call clusterId=c-1 status=429\n',
    ]);
  });
});

describe('PinoTemporalLogger', () => {
  it('passes the SDK messages on with their attributes at their level, redacted', () => {
    const { logger, lines } = capture();
    const sdkLogger = new PinoTemporalLogger(logger);
    sdkLogger.debug('Activity completed', { workflowId: 'lifecycle:a', taskToken: 'abc', durationMs: 5 });
    sdkLogger.log('ERROR', `connection refused: ${ENV.TEMPORAL_API_KEY}`);
    const [completed, failed] = lines.map((line) => JSON.parse(line));
    assert.equal(completed.level, 'debug');
    assert.equal(completed.workflowId, 'lifecycle:a');
    assert.equal(completed.durationMs, 5);
    assert.equal(completed.taskToken, '[redacted]');
    assert.equal(failed.level, 'error');
    assert.equal(failed.msg, 'connection refused: [redacted]');
  });
});
