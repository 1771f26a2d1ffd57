import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { inspect } from 'node:util';
import { after, before, describe, it } from 'node:test';
import {
  connectClient,
  connectWorkerConnection,
  describeTemporalSettings,
  temporalSettingsFromEnv,
  tlsConfigFor,
} from '../../src/temporal/connection';
import { DEFAULT_TASK_QUEUE } from '../../src/shared/constants';
import { findFreePort } from '../../src/dev/ports';

const API_KEY = 'secret-api-key-do-not-print';
let workspace: string;
let certFile: string;
let keyFile: string;

describe('Temporal settings from the environment', () => {
  before(() => {
    workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'connection-'));
    certFile = path.join(workspace, 'client.pem');
    keyFile = path.join(workspace, 'client.key');
    fs.writeFileSync(certFile, 'CERTIFICATE BYTES');
    fs.writeFileSync(keyFile, 'KEY BYTES');
  });
  after(() => fs.rmSync(workspace, { recursive: true, force: true }));

  it('defaults to a plaintext local server, the default namespace and the product task queue', () => {
    assert.deepEqual(temporalSettingsFromEnv({}), {
      address: '127.0.0.1:7233',
      namespace: 'default',
      taskQueue: DEFAULT_TASK_QUEUE,
    });
  });

  it('reads the address, namespace and task queue', () => {
    const settings = temporalSettingsFromEnv({
      TEMPORAL_ADDRESS: 'acme.tmprl.cloud:7233',
      TEMPORAL_NAMESPACE: 'acme.prod',
      IMPLY_RUNBOOKS_TASK_QUEUE: 'runbooks-eu',
    });
    assert.equal(settings.address, 'acme.tmprl.cloud:7233');
    assert.equal(settings.namespace, 'acme.prod');
    assert.equal(settings.taskQueue, 'runbooks-eu');
    assert.equal(settings.tls, undefined);
  });

  it('turns TLS on when an API key is set', () => {
    const settings = temporalSettingsFromEnv({ TEMPORAL_API_KEY: API_KEY });
    assert.deepEqual(settings.tls, {
      clientCert: undefined,
      clientKey: undefined,
      serverCaCert: undefined,
      serverName: undefined,
    });
    assert.equal(settings.apiKey?.reveal(), API_KEY);
  });

  it('lets TEMPORAL_TLS=false turn TLS off even with an API key, like the Temporal CLI', () => {
    assert.equal(
      temporalSettingsFromEnv({ TEMPORAL_API_KEY: API_KEY, TEMPORAL_TLS: 'false' }).tls,
      undefined,
    );
  });

  it('turns TLS on for TEMPORAL_TLS=true and for client certificate paths', () => {
    assert.ok(temporalSettingsFromEnv({ TEMPORAL_TLS: 'true' }).tls);
    const settings = temporalSettingsFromEnv({
      TEMPORAL_TLS_CLIENT_CERT_PATH: certFile,
      TEMPORAL_TLS_CLIENT_KEY_PATH: keyFile,
      TEMPORAL_TLS_SERVER_NAME: 'acme.internal',
    });
    assert.deepEqual(settings.tls?.clientCert, { path: certFile });
    assert.equal(settings.tls?.serverName, 'acme.internal');
  });

  it('loads the certificate files into the SDK TLS option', async () => {
    const settings = temporalSettingsFromEnv({
      TEMPORAL_TLS_CLIENT_CERT_PATH: certFile,
      TEMPORAL_TLS_CLIENT_KEY_PATH: keyFile,
    });
    const tls = await tlsConfigFor(settings);
    assert.equal(tls?.clientCertPair?.crt.toString(), 'CERTIFICATE BYTES');
    assert.equal(tls?.clientCertPair?.key.toString(), 'KEY BYTES');
    assert.equal(await tlsConfigFor(temporalSettingsFromEnv({})), undefined);
  });

  it('names every bad variable in one error', () => {
    assert.throws(
      () =>
        temporalSettingsFromEnv({
          TEMPORAL_ADDRESS: 'http://localhost:7233',
          TEMPORAL_TLS: 'yes',
          TEMPORAL_TLS_CLIENT_CERT_PATH: certFile,
          TEMPORAL_TLS_SERVER_CA_CERT_PATH: path.join(workspace, 'missing-ca.pem'),
        }),
      (error: Error) =>
        /TEMPORAL_ADDRESS=http:\/\/localhost:7233 is not host:port/.test(error.message) &&
        /TEMPORAL_TLS=yes is not a boolean: use true or false/.test(error.message) &&
        /TEMPORAL_TLS_SERVER_CA_CERT_PATH=.*missing-ca\.pem is not a readable file/.test(error.message) &&
        /TEMPORAL_TLS_CLIENT_CERT_\* and TEMPORAL_TLS_CLIENT_KEY_\*\): set both or neither/.test(
          error.message,
        ),
    );
  });

  it('rejects TLS paths together with TEMPORAL_TLS=false', () => {
    assert.throws(
      () => temporalSettingsFromEnv({ TEMPORAL_TLS: 'false', TEMPORAL_TLS_SERVER_NAME: 'acme.internal' }),
      /TEMPORAL_TLS=false conflicts/,
    );
  });

  it('rejects an address whose port is out of range', () => {
    assert.throws(() => temporalSettingsFromEnv({ TEMPORAL_ADDRESS: '127.0.0.1:99999' }), /TEMPORAL_ADDRESS/);
  });

  it('never shows the API key when the settings are printed, described or serialised', () => {
    const settings = temporalSettingsFromEnv({ TEMPORAL_API_KEY: API_KEY });
    for (const text of [
      inspect(settings),
      JSON.stringify(settings),
      String(settings.apiKey),
      describeTemporalSettings(settings),
    ]) {
      assert.ok(!text.includes(API_KEY), text);
    }
    assert.match(describeTemporalSettings(settings), /TLS, API key set/);
  });
});

describe('Temporal settings from a config file profile (@temporalio/envconfig)', () => {
  let dir: string;
  let file: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'temporal-profile-'));
    file = path.join(dir, 'temporal.toml');
    fs.writeFileSync(
      file,
      [
        '[profile.default]',
        'address = "temporal.internal:7233"',
        'namespace = "runbooks"',
        '',
        '[profile.cloud]',
        'address = "acme.a1b2c.tmprl.cloud:7233"',
        'namespace = "acme.a1b2c"',
        `api_key = "${API_KEY}"`,
        '',
        '[profile.mtls]',
        'address = "acme.a1b2c.tmprl.cloud:7233"',
        '[profile.mtls.tls]',
        'client_cert_data = "INLINE CERT"',
        'client_key_data = "INLINE KEY"',
        'server_name = "acme.internal"',
        '',
      ].join('\n'),
    );
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('reads the default profile of TEMPORAL_CONFIG_FILE', () => {
    const settings = temporalSettingsFromEnv({ TEMPORAL_CONFIG_FILE: file });
    assert.equal(settings.address, 'temporal.internal:7233');
    assert.equal(settings.namespace, 'runbooks');
    assert.equal(settings.tls, undefined);
  });

  it('reads the profile TEMPORAL_PROFILE names, with TEMPORAL_* variables taking precedence', () => {
    const settings = temporalSettingsFromEnv({
      TEMPORAL_CONFIG_FILE: file,
      TEMPORAL_PROFILE: 'cloud',
      TEMPORAL_NAMESPACE: 'acme.override',
    });
    assert.equal(settings.address, 'acme.a1b2c.tmprl.cloud:7233');
    assert.equal(settings.namespace, 'acme.override');
    assert.equal(settings.apiKey?.reveal(), API_KEY);
    assert.ok(settings.tls, 'an API key turns TLS on');
    assert.ok(!inspect(settings).includes(API_KEY));
  });

  it('takes certificates given inline in the profile', async () => {
    const settings = temporalSettingsFromEnv({ TEMPORAL_CONFIG_FILE: file, TEMPORAL_PROFILE: 'mtls' });
    const tls = await tlsConfigFor(settings);
    assert.equal(tls?.clientCertPair?.crt.toString(), 'INLINE CERT');
    assert.equal(tls?.clientCertPair?.key.toString(), 'INLINE KEY');
    assert.equal(tls?.serverNameOverride, 'acme.internal');
  });

  it('names the file and profile when the profile does not exist, or the file is missing or wrong', () => {
    assert.throws(
      () => temporalSettingsFromEnv({ TEMPORAL_CONFIG_FILE: file, TEMPORAL_PROFILE: 'staging' }),
      /cannot use .*temporal\.toml \(TEMPORAL_PROFILE=staging\): Profile 'staging' not found/,
    );
    assert.throws(
      () => temporalSettingsFromEnv({ TEMPORAL_CONFIG_FILE: path.join(dir, 'missing.toml') }),
      /TEMPORAL_CONFIG_FILE=.*missing\.toml is not a readable file/,
    );
    const typo = path.join(dir, 'typo.toml');
    fs.writeFileSync(typo, '[profile.default]\nadress = "x:7233"\n');
    assert.throws(
      () => temporalSettingsFromEnv({ TEMPORAL_CONFIG_FILE: typo }),
      /cannot use .*typo\.toml: .*unrecognized in profile\.default: adress/,
    );
  });
});

describe('connecting to Temporal', () => {
  it('names the address and what to check when nothing answers', async () => {
    const port = await findFreePort();
    const settings = temporalSettingsFromEnv({ TEMPORAL_ADDRESS: `127.0.0.1:${port}` });
    await assert.rejects(connectClient(settings, { connectTimeoutMs: 500 }), (error: Error) => {
      assert.match(error.message, new RegExp(`cannot connect to Temporal at 127\\.0\\.0\\.1:${port}`));
      assert.match(error.message, /npm start/);
      assert.match(error.message, /TEMPORAL_ADDRESS/);
      return true;
    });
  });

  it('reports a worker connection failure the same way', async () => {
    const port = await findFreePort();
    const settings = temporalSettingsFromEnv({ TEMPORAL_ADDRESS: `127.0.0.1:${port}` });
    await assert.rejects(
      connectWorkerConnection(settings),
      new RegExp(`cannot connect to Temporal at 127\\.0\\.0\\.1:${port}`),
    );
  });

  it('keeps the API key out of a connection error', async () => {
    const port = await findFreePort();
    const settings = temporalSettingsFromEnv({
      TEMPORAL_ADDRESS: `127.0.0.1:${port}`,
      TEMPORAL_API_KEY: API_KEY,
    });
    await assert.rejects(connectClient(settings, { connectTimeoutMs: 500 }), (error: Error) => {
      assert.ok(!error.message.includes(API_KEY));
      assert.match(error.message, /API key set/);
      return true;
    });
  });
});
