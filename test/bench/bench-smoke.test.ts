import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import type { BenchResult } from '../../bench/bench-result';

/**
 * `npm run bench` with tiny parameters: every part runs for real (its own dev server, emulators, a
 * worker process, the time-skipping server) and writes its files. No timing is asserted: figures
 * depend on the machine; what must hold is that it works and reports.
 */

const ROOT = path.resolve(__dirname, '../..');
const TINY = [
  '--sizes', '2,3',
  '--sequential-max-n', '2',
  '--transition', '200ms',
  '--script-poll', '200ms',
  '--runbooks', '3',
  '--wait-transition', '1m',
]; // prettier-ignore

function runBenchScript(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/bench.ts', ...args], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('npm run bench', () => {
  const outDir = mkdtempSync(path.join(tmpdir(), 'imply-runbooks-bench-smoke-'));
  after(() => rmSync(outDir, { recursive: true, force: true }));

  it('runs the three benchmarks with tiny parameters and writes the JSON, the markdown and the chart', async () => {
    const run = await runBenchScript([...TINY, '--out-dir', outDir]);
    assert.equal(run.code, 0, `${run.stdout}\n${run.stderr}`);

    const files = readdirSync(outDir).sort();
    const stamped = files.filter((file) => !file.startsWith('latest.'));
    assert.equal(stamped.length, 3, files.join(', '));
    const stamp = (stamped[0] as string).replace(/\.[a-z]+$/, '');
    assert.deepEqual(
      files,
      [`${stamp}.json`, `${stamp}.md`, `${stamp}.svg`, 'latest.md', 'latest.svg'].sort(),
    );

    const result = JSON.parse(readFileSync(path.join(outDir, `${stamp}.json`), 'utf8')) as BenchResult;
    assert.deepEqual(
      result.fleet?.map((size) => size.n),
      [2, 3],
    );
    for (const size of result.fleet ?? []) {
      assert.deepEqual(size.runs.map((entry) => entry.contender).sort(), [
        'concurrent',
        'ours',
        'sequential',
      ]);
      for (const entry of size.runs.filter((candidate) => !candidate.extrapolatedFrom)) {
        assert.equal(entry.stopped, size.n, `${entry.contender} stopped every cluster at N=${size.n}`);
        if (entry.contender === 'ours') {
          // A PATCH per cluster and the fleet's shared list reads (the select read is before the count).
          assert.ok(entry.requests >= size.n + 1, `ours sent a PATCH per cluster and a list read`);
        } else {
          assert.ok(entry.requests >= 2 * size.n, `${entry.contender} sent a PATCH and a read per cluster`);
        }
      }
      const ours = size.runs.find((entry) => entry.contender === 'ours');
      // The scheduled run, its fleet run and one power runbook per cluster.
      assert.equal(ours?.workflows, size.n + 2);
      assert.ok((ours?.historyEvents ?? 0) > 0);
      assert.deepEqual(ours?.failures, []);
    }
    const sequentialAtThree = result.fleet?.[1]?.runs.find((entry) => entry.contender === 'sequential');
    assert.equal(
      sequentialAtThree?.extrapolatedFrom,
      2,
      'beyond --sequential-max-n the figures are scaled, and say so',
    );

    assert.equal(result.lifecycle?.completed, 3);
    assert.ok((result.lifecycle?.apiCallsPerRunbook ?? 0) > 0);
    assert.ok((result.lifecycle?.memory.peakRssBytes ?? 0) > 0, 'the worker process memory was sampled');

    const [instant, backoff, everySecond] = result.waiting?.runs ?? [];
    assert.deepEqual(
      [instant?.name, backoff?.name, everySecond?.name],
      ['instant', 'backoff', 'every-second'],
    );
    assert.ok((backoff?.polls ?? 0) < (everySecond?.polls ?? 0), 'backoff polls less than every second');

    assert.equal(result.targets.length, 12);
    for (const target of result.targets) {
      assert.ok(['PASS', 'FAIL', 'NOT RUN'].includes(target.status), target.target);
      assert.match(
        run.stdout,
        new RegExp(`${target.status}\\s+${target.area}: ${escapeRegExp(target.target)}`),
      );
    }

    const page = readFileSync(path.join(outDir, 'latest.md'), 'utf8');
    assert.match(page, /^## Targets$/m);
    assert.match(page, /\| N \| contender \| wall \(s\) \| requests \|/);
    assert.match(page, /\*\(extrapolated from N=2\)\*/);
    assert.match(page, /!\[fleet stop chart\]\(latest\.svg\)/);
    const chart = readFileSync(path.join(outDir, 'latest.svg'), 'utf8');
    assert.match(chart, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
    assert.equal(chart.match(/<polyline data-series=/g)?.length, 5);

    for (const text of [run.stdout, run.stderr, page, JSON.stringify(result)]) {
      assert.doesNotMatch(text, /bench_[0-9a-f]{32}/, 'the emulator token never leaves the run');
    }
  });

  it('refuses a bad flag, naming it and what it takes', async () => {
    const run = await runBenchScript(['--sizes', '0,10', '--out-dir', outDir]);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /--sizes must be a whole number of at least 1 \(got "0"\)/);
  });
});

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
