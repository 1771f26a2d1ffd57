import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { parseConfigText } from '../../src/config';
import { observabilitySettings } from '../../src/config/observability';
import { startHealthServer, type RunningHealthServer } from '../../src/observability/health-server';

describe('observability settings', () => {
  it('defaults to WARN text logs and no endpoints', () => {
    assert.deepEqual(observabilitySettings(undefined, {}), {
      metricsAddress: undefined,
      healthAddress: undefined,
      logLevel: 'WARN',
      logFormat: 'text',
      approvalGaugeIntervalMs: 15_000,
      tracing: undefined,
    });
  });

  it('reads the configuration file section, and the environment wins over it', () => {
    const config = parseConfigText(
      'observability:\n  metricsAddress: 0.0.0.0:9464\n  logLevel: debug\n  logFormat: json\n',
      'test.yaml',
    );
    const settings = observabilitySettings(config.observability, {
      IMPLY_RUNBOOKS_LOG_LEVEL: 'error',
      IMPLY_RUNBOOKS_HEALTH_ADDRESS: '127.0.0.1:8081',
    });
    assert.deepEqual(settings, {
      metricsAddress: '0.0.0.0:9464',
      healthAddress: '127.0.0.1:8081',
      logLevel: 'ERROR',
      logFormat: 'json',
      approvalGaugeIntervalMs: 15_000,
      tracing: undefined,
    });
  });

  it('reads the approval gauge interval as a duration, 0 or off turning the gauges off', () => {
    const config = parseConfigText('observability:\n  approvalGaugeInterval: 1m\n', 'test.yaml');
    assert.equal(observabilitySettings(config.observability, {}).approvalGaugeIntervalMs, 60_000);
    const zero = parseConfigText('observability:\n  approvalGaugeInterval: 0\n', 'test.yaml');
    assert.equal(observabilitySettings(zero.observability, {}).approvalGaugeIntervalMs, 0);
    const env = { IMPLY_RUNBOOKS_APPROVAL_GAUGE_INTERVAL: 'off' };
    assert.equal(observabilitySettings(config.observability, env).approvalGaugeIntervalMs, 0);
    assert.throws(
      () => observabilitySettings(undefined, { IMPLY_RUNBOOKS_APPROVAL_GAUGE_INTERVAL: 'often' }),
      /IMPLY_RUNBOOKS_APPROVAL_GAUGE_INTERVAL: "often" is not an interval: write a duration such as 15s or 1m, or 0/,
    );
  });

  it('turns tracing on from the file or the standard OTEL_ variables, which win', () => {
    const config = parseConfigText(
      'observability:\n  tracing:\n    otlpEndpoint: http://collector:4318/\n    serviceName: runbooks\n',
      'test.yaml',
    );
    assert.deepEqual(observabilitySettings(config.observability, {}).tracing, {
      tracesUrl: 'http://collector:4318/v1/traces',
      serviceName: 'runbooks',
    });
    const env = { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://otel:4318', OTEL_SERVICE_NAME: 'worker-a' };
    assert.deepEqual(observabilitySettings(undefined, env).tracing, {
      tracesUrl: 'http://otel:4318/v1/traces',
      serviceName: 'worker-a',
    });
    const full = { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'https://otel.example/traces' };
    assert.deepEqual(observabilitySettings(config.observability, full).tracing, {
      tracesUrl: 'https://otel.example/traces',
      serviceName: 'runbooks',
    });
    const disabled = { ...env, OTEL_SDK_DISABLED: 'true' };
    assert.equal(observabilitySettings(config.observability, disabled).tracing, undefined);
    assert.throws(
      () => observabilitySettings(undefined, { OTEL_EXPORTER_OTLP_ENDPOINT: 'otel:4318' }),
      /OTEL_EXPORTER_OTLP_ENDPOINT: "otel:4318" must be an http\(s\) URL such as http:\/\/otel-collector:4318/,
    );
    assert.throws(
      () => parseConfigText('observability:\n  tracing:\n    endpoint: http://x:4318\n', 'test.yaml'),
      /observability\.tracing: unknown key "endpoint"/,
    );
  });

  it('names every bad variable and how to fix it', () => {
    assert.throws(
      () =>
        observabilitySettings(undefined, {
          IMPLY_RUNBOOKS_METRICS_ADDRESS: '9464',
          IMPLY_RUNBOOKS_LOG_FORMAT: 'yaml',
        }),
      (error: Error) => {
        assert.match(
          error.message,
          /IMPLY_RUNBOOKS_METRICS_ADDRESS: "9464" is not host:port: write for example 0\.0\.0\.0:9464/,
        );
        assert.match(error.message, /IMPLY_RUNBOOKS_LOG_FORMAT: must be text or json/);
        return true;
      },
    );
  });

  it('rejects a misspelt key in the file section by name', () => {
    assert.throws(
      () => parseConfigText('observability:\n  metricAddress: 0.0.0.0:9464\n', 'test.yaml'),
      /observability: unknown key "metricAddress"/,
    );
  });
});

describe('worker health endpoint', () => {
  let server: RunningHealthServer | undefined;
  let state = 'INITIALIZED';

  after(async () => {
    await server?.close();
  });

  it('answers 503 until the worker runs, then 200, and 404 or 405 for anything else', async () => {
    server = await startHealthServer({
      address: '127.0.0.1:0',
      check: () => ({ healthy: state === 'RUNNING', state }),
    });
    const before = await fetch(`${server.url}/healthz`);
    assert.equal(before.status, 503);
    assert.deepEqual(await before.json(), { status: 'unavailable', state: 'INITIALIZED' });
    state = 'RUNNING';
    const running = await fetch(`${server.url}/healthz`);
    assert.equal(running.status, 200);
    assert.deepEqual(await running.json(), { status: 'ok', state: 'RUNNING' });
    assert.equal((await fetch(`${server.url}/metrics`)).status, 404);
    assert.equal((await fetch(`${server.url}/healthz`, { method: 'POST' })).status, 405);
  });

  it('says which variable to change when the port is taken', async () => {
    const first = await startHealthServer({
      address: '127.0.0.1:0',
      check: () => ({ healthy: true, state: 'RUNNING' }),
    });
    try {
      const port = new URL(first.url).port;
      await assert.rejects(
        startHealthServer({
          address: `127.0.0.1:${port}`,
          check: () => ({ healthy: true, state: 'RUNNING' }),
        }),
        /port is in use, set IMPLY_RUNBOOKS_HEALTH_ADDRESS/,
      );
    } finally {
      await first.close();
    }
  });
});
