import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runFaultSuite } from '../../scripts/fault-suite/suite';

/**
 * CI's run of the fault suite (`npm run test:faults -- --reduced`): its own Temporal dev server
 * (restarted mid-run), emulators and worker processes; every figure must be at its target.
 */
describe('the fault suite, reduced', () => {
  it('completes every runbook through kills and restarts and API faults, with no duplicate, early retry or secret', async () => {
    const lines: string[] = [];
    const report = await runFaultSuite({ reduced: true, log: (line) => lines.push(line) });
    const context = `${report.table}\n${lines.join('\n')}`;
    const names = report.rows.map((row) => row.name);
    for (const expected of [
      'worker SIGKILL',
      'Temporal server restart',
      'emulator restart',
      'API faults',
      'two workers',
    ]) {
      assert.ok(
        names.some((name) => name.startsWith(expected)),
        `no case "${expected}": ${names.join(', ')}`,
      );
    }
    for (const row of report.rows) {
      assert.ok(row.runs >= 2, `${row.name}: ${row.runs} runs`);
      assert.ok(row.faults >= 1, `${row.name}: no fault injected\n${context}`);
      assert.equal(row.completed, row.runs, `${row.name}: not all completed\n${context}`);
      assert.equal(row.duplicates, 0, `${row.name}: duplicate clusters\n${context}`);
      assert.equal(row.repeatedChanges, 0, `${row.name}: a change applied twice\n${context}`);
      assert.equal(row.earlyRetries, 0, `${row.name}: a retry before its Retry-After\n${context}`);
    }
    const apiFaults = report.rows.find((row) => row.name.startsWith('API faults'));
    assert.ok(
      (apiFaults?.retriesChecked ?? 0) > 0,
      `no 429 was retried, so Retry-After went unchecked\n${context}`,
    );
    assert.ok(report.historiesScanned >= report.rows.reduce((sum, row) => sum + row.runs, 0));
    assert.deepEqual(report.secretsFound, []);
    assert.equal(report.passed, true, context);
    assert.match(report.table, /\| total +\|/);
  });
});
