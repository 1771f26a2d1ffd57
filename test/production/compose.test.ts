import assert from 'node:assert/strict';
import { accessSync, constants, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { SEARCH_ATTRIBUTES } from '../../src/shared/search-attributes';
import {
  composeVariables,
  dockerCompose,
  envExampleNames,
  resolvedCompose,
  ROOT,
  type ComposeService,
} from '../../scripts/lib/docker-files';

/** docker-compose.yml checked with the project's docker-compose (npm install puts it in .tools/compose; `config` needs no Docker engine). */

const ONE_SHOT = new Set(['temporal-schema', 'temporal-setup']);
const OUR_IMAGE = 'imply-runbooks:local';

function healthUrl(service: ComposeService): string | undefined {
  return service.environment?.IMPLY_RUNBOOKS_HEALTHCHECK_URL ?? undefined;
}

describe('docker-compose.yml', () => {
  const all = resolvedCompose(['--profile', 'emulator']);

  it('is valid for docker-compose, with the defaults and with .env.example', () => {
    const plain = dockerCompose(['config', '--quiet']);
    assert.equal(plain.status, 0, plain.stderr);
    const example = dockerCompose(['--env-file', path.join(ROOT, '.env.example'), 'config', '--quiet']);
    assert.equal(example.status, 0, example.stderr);
  });

  it('runs Temporal on PostgreSQL with its UI, the worker, the web server, and the emulator only under its profile', () => {
    const always = Object.keys(all).filter((name) => all[name]?.profiles === undefined);
    assert.deepEqual(always.sort(), [
      'postgresql',
      'temporal',
      'temporal-schema',
      'temporal-setup',
      'temporal-ui',
      'web',
      'worker',
    ]);
    assert.deepEqual(all.emulator?.profiles, ['emulator']);
    assert.deepEqual(all.emulator?.command?.slice(0, 1), ['emulator']);
    assert.equal(all.temporal?.environment?.DB, 'postgres12');
  });

  it('pins every image to a version', () => {
    for (const [name, service] of Object.entries(all)) {
      const image = service.image ?? '';
      if (image === OUR_IMAGE) continue;
      assert.match(image, /^[\w./-]+:\d[\w.-]*$/, `${name}: ${image} is not pinned to a version`);
    }
  });

  it('lets the worker scale: no fixed name, no host ports, health and metrics inside the network', () => {
    const worker = all.worker!;
    assert.equal(worker.container_name, undefined);
    assert.equal(worker.ports, undefined, 'host ports would clash with --scale worker=3');
    assert.deepEqual(worker.command, ['worker']);
    const health = worker.environment?.IMPLY_RUNBOOKS_HEALTH_ADDRESS ?? '';
    assert.equal(healthUrl(worker), `http://127.0.0.1:${health.split(':')[1]}/healthz`);
    assert.match(worker.environment?.IMPLY_RUNBOOKS_METRICS_ADDRESS ?? '', /^0\.0\.0\.0:\d+$/);
  });

  it('gives every long-running service a restart policy and a health check; one-shots retry a few times', () => {
    for (const [name, service] of Object.entries(all)) {
      if (ONE_SHOT.has(name)) {
        assert.match(service.restart ?? '', /^on-failure:\d+$/, name);
        continue;
      }
      assert.equal(service.restart, 'unless-stopped', `${name}: restart policy`);
      if (name === 'temporal-ui') continue; // The UI image ships no shell or client to check with.
      assert.ok(service.healthcheck?.test, `${name}: health check`);
      if (service.image === OUR_IMAGE)
        assert.match(healthUrl(service) ?? '', /^http:\/\/127\.0\.0\.1:\d+\//, name);
    }
    for (const [name, service] of Object.entries(all)) {
      for (const [dependency, { condition }] of Object.entries(service.depends_on ?? {})) {
        assert.ok(all[dependency], `${name} depends on unknown ${dependency}`);
        const expected = ONE_SHOT.has(dependency) ? 'service_completed_successfully' : 'service_healthy';
        assert.equal(condition, expected, `${name} → ${dependency}`);
      }
    }
  });

  it('publishes ports on the host loopback only', () => {
    for (const [name, service] of Object.entries(all)) {
      for (const port of service.ports ?? []) {
        const hostIp = typeof port === 'string' ? port.split(':')[0] : (port as { host_ip?: string }).host_ip;
        assert.equal(hostIp, '127.0.0.1', `${name}: ${JSON.stringify(port)}`);
      }
    }
  });

  it('documents every variable it reads in .env.example, and nothing else there', () => {
    assert.deepEqual(composeVariables().sort(), envExampleNames().sort());
  });

  it('mounts setup scripts that exist, and registers every search attribute the runbooks set', () => {
    for (const name of ONE_SHOT) {
      const [script] = all[name]?.command ?? [];
      assert.match(script ?? '', /^\/deploy\/[\w-]+\.sh$/, name);
      accessSync(path.join(ROOT, 'deploy/temporal', path.basename(script!)), constants.X_OK);
      assert.ok(JSON.stringify(all[name]?.volumes).includes('/deploy'), `${name} mounts deploy/temporal`);
    }
    const script = path.join(ROOT, 'deploy/temporal/setup-namespace.sh');
    const listed = /SEARCH_ATTRIBUTES="([^"]*)"/.exec(readFileSync(script, 'utf8'))?.[1]?.split(' ');
    assert.deepEqual(
      listed?.sort(),
      Object.values(SEARCH_ATTRIBUTES)
        .map((key) => key.name)
        .sort(),
    );
  });
});
