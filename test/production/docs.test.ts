import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { envExampleNames, readDockerfile, resolvedCompose, ROOT } from '../../scripts/lib/docker-files';

/** docs/production.md's "Run with Docker" section, checked against docker-compose.yml and .env.example. */

function section(markdown: string, heading: string): string {
  const start = markdown.indexOf(`\n## ${heading}\n`);
  assert.ok(start >= 0, `docs/production.md has a "## ${heading}" section`);
  const end = markdown.indexOf('\n## ', start + 1);
  return markdown.slice(start, end < 0 ? undefined : end);
}

const docs = readFileSync(path.join(ROOT, 'docs/production.md'), 'utf8');
const runWithDocker = section(docs, 'Run with Docker');
const services = resolvedCompose(['--profile', 'emulator']);

/** The `docker-compose …` commands in the section's code blocks. */
function composeCommands(): string[][] {
  return [...runWithDocker.matchAll(/```sh\n([\s\S]*?)```/g)]
    .flatMap((block) => block[1]!.split('\n'))
    .map((line) => line.replace(/#.*$/, '').trim())
    .filter((line) => line.startsWith('docker-compose '))
    .map((line) => line.split(/\s+/));
}

describe('docs/production.md: Run with Docker', () => {
  it('names every service of the compose file with the image it runs', () => {
    for (const [name, service] of Object.entries(services)) {
      const row = runWithDocker.split('\n').find((line) => line.startsWith(`| \`${name}\``));
      assert.ok(row, `the services table has a row for ${name}`);
      if (service.image !== 'imply-runbooks:local')
        assert.ok(row.includes(`\`${service.image}\``), `${name} runs ${service.image}`);
    }
  });

  it('shows commands that use only services, profiles and flags the compose file has', () => {
    const commands = composeCommands();
    assert.ok(commands.length >= 4);
    const profiles = new Set(Object.values(services).flatMap((service) => service.profiles ?? []));
    for (const words of commands) {
      words.forEach((word, index) => {
        const next = words[index + 1] ?? '';
        if (word === '--profile') assert.ok(profiles.has(next), `no profile ${next}`);
        if (word === '--scale') assert.ok(services[next.split('=')[0]!], `no service ${next}`);
        if (['run', 'logs'].includes(word) && index === words.findIndex((w) => ['run', 'logs'].includes(w))) {
          const service = words.slice(index + 1).find((w) => !w.startsWith('-'));
          assert.ok(service && services[service], `${words.join(' ')}: no service ${service}`);
        }
      });
    }
    const joined = commands.map((words) => words.join(' '));
    assert.ok(joined.some((command) => command.includes('--profile emulator up')));
    assert.ok(joined.some((command) => command.includes('--scale worker=3')));
  });

  it('names only variables that .env.example, the compose file or the image define', () => {
    const known = new Set(envExampleNames());
    for (const service of Object.values(services))
      for (const name of Object.keys(service.environment ?? {})) known.add(name);
    for (const { keyword, args } of readDockerfile()) {
      if (keyword === 'ENV') for (const match of args.matchAll(/([A-Z][A-Z0-9_]*)=/g)) known.add(match[1]!);
    }
    const mentioned = [
      ...new Set(
        [...runWithDocker.matchAll(/\b((?:IMPLY|TEMPORAL)_[A-Z0-9_]+)\b/g)].map((match) => match[1]!),
      ),
    ];
    assert.ok(mentioned.length >= 5);
    for (const name of mentioned) assert.ok(known.has(name), `${name} is defined nowhere`);
  });

  it('gives the worker ports the compose file really uses', () => {
    const worker = services.worker!.environment ?? {};
    const healthPort = worker.IMPLY_RUNBOOKS_HEALTH_ADDRESS?.split(':')[1];
    const metricsPort = worker.IMPLY_RUNBOOKS_METRICS_ADDRESS?.split(':')[1];
    assert.match(runWithDocker, new RegExp(`health on port ${healthPort}\\b`));
    assert.match(runWithDocker, new RegExp(`metrics on port ${metricsPort}\\b`));
  });
});
