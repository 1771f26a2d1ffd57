import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { dockerIgnores, readDockerfile, ROOT, type Instruction } from '../../scripts/lib/docker-files';

/** Checks in the spirit of hadolint (not packaged for Debian), plus what this image promises. */

const instructions = readDockerfile();
const stages = [...new Set(instructions.map((instruction) => instruction.stage))];
const finalStage = stages.at(-1)!;
const inFinal = instructions.filter((instruction) => instruction.stage === finalStage);
const find = (keyword: string, list: Instruction[] = instructions) =>
  list.filter((instruction) => instruction.keyword === keyword);

function flags(args: string): { flags: Record<string, string>; rest: string[] } {
  const words = args.split(/\s+/);
  const found: Record<string, string> = {};
  while (words[0]?.startsWith('--')) {
    const [name = '', value = ''] = words.shift()!.slice(2).split('=');
    found[name] = value;
  }
  return { flags: found, rest: words };
}

function envOf(list: Instruction[]): Record<string, string> {
  const env: Record<string, string> = {};
  for (const { args } of find('ENV', list)) {
    for (const match of args.matchAll(/([A-Za-z_][A-Za-z0-9_]*)=(\S+)/g)) env[match[1]!] = match[2]!;
  }
  return env;
}

describe('Dockerfile', () => {
  it('builds in stages from a pinned Node 20 bookworm-slim base', () => {
    const bases = find('FROM').map(({ args }) => args.split(/\s+/)[0]!);
    assert.ok(bases.length >= 2, 'multi-stage: a build stage and a runtime stage');
    for (const base of bases) {
      assert.match(
        base,
        /^node:\d+\.\d+\.\d+-bookworm-slim(@sha256:[0-9a-f]{64})?$/,
        `${base}: pin an exact version`,
      );
      assert.equal(
        base.split(':')[1]!.split('.')[0],
        process.versions.node.split('.')[0],
        'the Node major the tests run on',
      );
    }
    assert.equal(new Set(stages).size, stages.length, 'stage names are unique');
  });

  it('copies only files that exist and that .dockerignore lets into the build context', () => {
    for (const { args, stage } of find('COPY')) {
      const { flags: copyFlags, rest } = flags(args);
      const sources = rest.slice(0, -1);
      if (copyFlags.from !== undefined) {
        assert.ok(
          stages.indexOf(copyFlags.from) < stages.indexOf(stage),
          `COPY --from=${copyFlags.from}: an earlier stage`,
        );
        continue;
      }
      for (const source of sources) {
        assert.ok(existsSync(path.join(ROOT, source)), `COPY ${source}: no such file in the repository`);
        assert.ok(!dockerIgnores(source), `COPY ${source}: .dockerignore leaves it out of the context`);
      }
    }
    assert.equal(find('ADD').length, 0, 'COPY, not ADD (DL3020)');
  });

  it('runs as a user other than root, with a health check and the CLI as entry point', () => {
    const user = find('USER', inFinal).at(-1)?.args;
    assert.ok(user, 'the runtime stage sets USER');
    assert.ok(!['root', '0', '0:0'].includes(user), `USER ${user} is root`);
    const healthcheck = find('HEALTHCHECK', inFinal)[0]?.args ?? '';
    const command = JSON.parse(healthcheck.slice(healthcheck.indexOf('CMD') + 3)) as string[];
    assert.ok(existsSync(path.join(ROOT, command[1]!)), `HEALTHCHECK runs ${command[1]}, which must exist`);
    const entrypoint = JSON.parse(find('ENTRYPOINT', inFinal)[0]!.args) as string[];
    assert.deepEqual(entrypoint, ['node', 'bin/imply-runbooks.js']);
    for (const { args } of find('WORKDIR')) assert.ok(args.startsWith('/'), 'WORKDIR is absolute (DL3000)');
  });

  it('installs with npm ci, skips the Temporal CLI download and loads the workflow bundle it built', () => {
    const runs = find('RUN').map(({ args }) => args);
    assert.ok(
      runs.some((run) => /\bnpm ci\b/.test(run)),
      'npm ci, from the lock file',
    );
    assert.ok(!runs.some((run) => /\bnpm install\b/.test(run)), 'no npm install');
    for (const stage of stages) {
      const env = envOf(instructions.filter((instruction) => instruction.stage === stage));
      assert.equal(env.IMPLY_RUNBOOKS_SKIP_TEMPORAL_INSTALL, '1', `stage ${stage}`);
    }
    const bundleRun = runs.find((run) => run.includes('scripts/bundle-workflows.ts'));
    const written = /bundle-workflows\.ts\s+(\S+)/.exec(bundleRun ?? '')?.[1];
    assert.ok(written, 'a RUN writes the workflow bundle');
    const bundle = envOf(inFinal).IMPLY_RUNBOOKS_WORKFLOW_BUNDLE;
    assert.equal(bundle, path.posix.join('/app', written));
    assert.ok(find('COPY', inFinal).some(({ args }) => /--from=\S+ \/app\/dist /.test(args)));
  });

  it("copies every script npm ci's postinstall runs before npm ci, and skips the tests' tools", () => {
    const postinstall: string = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')).scripts
      .postinstall;
    const needed = [...postinstall.matchAll(/node (scripts\/\S+\.js)/g)].map((match) => match[1]!);
    assert.ok(needed.length >= 3, postinstall);
    const npmCi = instructions.findIndex(({ keyword, args }) => keyword === 'RUN' && /\bnpm ci\b/.test(args));
    const before = instructions.slice(0, npmCi).filter(({ keyword }) => keyword === 'COPY');
    const copied = before.flatMap(({ args }) => flags(args).rest.slice(0, -1));
    for (const script of needed) {
      const required = [
        script,
        ...(/require\('\.\/tools\//.test(readFileSync(path.join(ROOT, script), 'utf8'))
          ? ['scripts/tools']
          : []),
      ];
      for (const file of required)
        assert.ok(copied.includes(file), `${file} (postinstall) is copied before npm ci`);
    }
    const stage = instructions[npmCi]!.stage;
    const env = envOf(instructions.filter((instruction) => instruction.stage === stage));
    assert.equal(env.IMPLY_RUNBOOKS_SKIP_TEST_TOOLS_INSTALL, '1');
  });

  it('cleans up after apt-get and bakes no secret into the image', () => {
    for (const run of find('RUN').map(({ args }) => args)) {
      if (!/apt-get install/.test(run)) continue;
      assert.match(run, /--no-install-recommends/, 'DL3015');
      assert.match(run, /rm -rf \/var\/lib\/apt\/lists/, 'DL3009');
    }
    for (const { keyword, args } of [...find('ENV'), ...find('ARG')]) {
      assert.doesNotMatch(
        args,
        /(TOKEN|SECRET|PASSWORD|API_KEY)\w*=/,
        `${keyword} ${args}: secrets come at run time`,
      );
    }
    const ignored = readFileSync(path.join(ROOT, '.dockerignore'), 'utf8');
    for (const entry of ['node_modules', '.env', '.tools', '.data']) {
      assert.ok(ignored.split('\n').includes(entry), `.dockerignore keeps ${entry} out`);
    }
  });
});
