import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { formatSummary, summarizeTap } from '../../scripts/tap-summary.js';

const ROOT = path.resolve(__dirname, '../..');
const FIXTURES = path.join(ROOT, 'test/fixtures/tap');

const PASSING = `TAP version 13
# Subtest: suite
    # Subtest: one
    ok 1 - one
      ---
      duration_ms: 1
      ...
    # Subtest: later
    ok 2 - later # SKIP
      ...
    1..2
ok 1 - suite
  ---
  type: 'suite'
  ...
1..1
# tests 2
# pass 1
# fail 0
# cancelled 0
# skipped 1
`;

/** Runs scripts/run-tests.js on fixture files as a person would, outside this test's own runner. */
function runTests(files: string[]): { status: number | null; lastLine: string; output: string } {
  const env = { ...process.env };
  delete env.NODE_TEST_CONTEXT;
  const result = spawnSync(process.execPath, ['scripts/run-tests.js', ...files], {
    cwd: ROOT,
    encoding: 'utf8',
    env,
  });
  const lines = result.stdout.trimEnd().split('\n');
  return { status: result.status, lastLine: lines[lines.length - 1] ?? '', output: result.stdout };
}

describe('the test runner summary (scripts/tap-summary.js)', () => {
  it('counts passed and skipped tests of a clean run, and no failure', () => {
    const counts = summarizeTap(PASSING, 0);
    assert.equal(formatSummary(counts), '1 passed, 0 failed, 1 skipped');
    assert.deepEqual(counts.notes, []);
  });

  it("counts cancelled and unfinished tests, failed hooks and crashed files, which Node's totals leave out", () => {
    const counts = summarizeTap(readFileSync(path.join(FIXTURES, 'failures.tap'), 'utf8'), 1);
    // Node's own totals say fail 4, cancelled 4: they miss the suite whose after hook failed.
    assert.equal(formatSummary(counts), '3 passed, 9 failed, 2 skipped');
    assert.deepEqual(counts.notes, ['after hook fails: hookFailed after its tests passed']);
  });

  it('counts a file that Node cancelled at the test timeout, which its totals call cancelled, not failed', () => {
    const timedOut = [
      'TAP version 13',
      'not ok 1 - test/hangs.test.ts',
      '  ---',
      "  failureType: 'testTimeoutFailure'",
      "  error: 'test timed out after 900000ms'",
      '  ...',
      '1..1',
      '# tests 1',
      '# pass 0',
      '# fail 0',
      '# cancelled 1',
    ].join('\n');
    assert.equal(formatSummary(summarizeTap(timedOut, 1)), '0 passed, 1 failed');
  });

  it('never closes a run that exited non-zero with 0 failed', () => {
    const empty = summarizeTap('', 1);
    assert.equal(formatSummary(empty), '0 passed, 1 failed');
    assert.match(empty.notes[0] ?? '', /exited with 1 but reported no failing test/);
    const cut = summarizeTap(PASSING.split('1..1')[0]!, 7);
    assert.equal(formatSummary(cut), '1 passed, 1 failed, 1 skipped');
  });

  it('prints the truth at the end of a real run whose tests fail without a failed assertion', () => {
    const run = runTests(['test/fixtures/tap/failures.fixture.ts', 'test/fixtures/tap/crash.fixture.ts']);
    assert.equal(run.status, 1);
    // Passed: the after-hook suite's test. Failed: 2 cancelled, the after hook, the unfinished test, the crashed file.
    assert.equal(run.lastLine, '1 passed, 5 failed', run.output);
    assert.match(run.output, /counted as failed: a suite whose after hook fails: hookFailed/);
  });
});
