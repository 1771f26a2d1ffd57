import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { composeServerVersion } from '../../scripts/build-temporal-server';
import { imageTag, loadCompose, type ComposeService } from '../../scripts/rehearsal/compose';
import { freePort, HostMap } from '../../scripts/rehearsal/hosts';
import type { ImageFacts } from '../../scripts/rehearsal/images';

/** The rehearsal's mapping of docker-compose.yml onto this machine: what a service's words become. */

const IMAGE: ImageFacts = {
  workdir: '/',
  files: {},
  env: {},
  entrypoint: [],
  command: [],
  ports: [],
  path: [],
};

function service(name: string, overrides: Partial<ComposeService> = {}): ComposeService {
  return {
    name,
    image: `${name}:1.0.0`,
    builtHere: false,
    command: [],
    entrypoint: [],
    environment: {},
    containerPorts: [],
    volumes: [],
    profiles: [],
    healthcheck: [],
    ...overrides,
  };
}

describe('rehearsal host map (docker-compose.yml on this machine)', () => {
  const data = mkdtempSync(path.join(tmpdir(), 'rehearsal-hosts-'));
  after(() => rmSync(data, { recursive: true, force: true }));

  it('maps a service name to 127.0.0.1 where a host is meant, and leaves user names and subcommands alone', async () => {
    const hosts = new HostMap(data);
    await hosts.instance(service('temporal', { containerPorts: [7233] }), IMAGE);
    await hosts.instance(service('postgresql', { containerPorts: [5432] }), IMAGE);
    const emulator = await hosts.instance(service('emulator', { containerPorts: [8080] }), IMAGE);
    const worker = await hosts.instance(service('worker'), IMAGE);
    const env = hosts.environment(worker, {
      POSTGRES_SEEDS: 'postgresql',
      POSTGRES_USER: 'temporal',
      TEMPORAL_ADDRESS: 'temporal:7233',
      IMPLY_API_URL: 'http://emulator:8080/api/v1',
      DB_PORT: '5432',
    });
    assert.equal(env.POSTGRES_SEEDS, '127.0.0.1');
    assert.equal(env.POSTGRES_USER, 'temporal', 'a user named like a service stays a user');
    assert.equal(env.TEMPORAL_ADDRESS, `127.0.0.1:${hosts.portOf('temporal', 7233)}`);
    assert.equal(env.IMPLY_API_URL, `http://127.0.0.1:${hosts.portOf('emulator', 8080)}/api/v1`);
    assert.equal(env.DB_PORT, String(hosts.portOf('postgresql', 5432)));
    const line = hosts.commandLine({
      ...emulator,
      service: { ...emulator.service, command: ['emulator', '--host', '0.0.0.0', '--port', '8080'] },
    });
    assert.deepEqual(line, [
      'emulator',
      '--host',
      '127.0.0.1',
      '--port',
      String(hosts.portOf('emulator', 8080)),
    ]);
  });

  it('hands out ports below 32768, which Temporal keeps in a PostgreSQL smallint', async () => {
    for (let round = 0; round < 20; round++) {
      const port = await freePort();
      assert.ok(port >= 20_000 && port < 32_768, `port ${port}`);
    }
  });

  it('reads version tags of the images the compose file names', () => {
    assert.equal(imageTag('temporalio/server:1.31.0'), '1.31.0');
    assert.equal(imageTag('postgres:16.9-bookworm'), '16.9-bookworm');
    assert.throws(
      () => imageTag('postgres:latest'),
      /expected a version tag like :1\.31\.0 or :16\.9-bookworm/,
    );
  });
});

describe('the Temporal server version CI builds early', () => {
  it('is the version the rehearsal reads through its compose loader, so the early build is the one it runs', () => {
    const root = path.resolve(__dirname, '../..');
    const services = loadCompose(path.join(root, 'docker-compose.yml'), { TEMPORAL_DB_PASSWORD: 'x' });
    const version = imageTag(services.get('temporal')!.image);
    assert.equal(composeServerVersion(), version);
  });
});
