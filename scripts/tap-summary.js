'use strict';
/**
 * Counts a Node test runner TAP stream for the closing `N passed, N failed` line.
 * Node's own totals (`# pass`, `# fail`) leave out cancelled tests, suites whose after hook failed and
 * files that crashed in ways it reports only as a test point, so this reads every test point:
 *   - a test point without subtests passes (`ok`), is skipped (`# SKIP`, `# TODO`) or fails
 *     (`not ok`: failed, cancelled, did not finish, its hook failed, its file crashed);
 *   - a test point with subtests (a suite, a file) counts only when it failed while none of its
 *     subtests did (an after hook failed): one failure more;
 *   - a non-zero exit with no failure found counts as one failure, so `0 failed` never closes a failed run.
 * Plain Node, no dependencies: scripts/run-tests.js uses it, test/scripts/tap-summary.test.ts checks it.
 */

const TEST_POINT = /^(\s*)(not ok|ok)\b(?: \d+)?(?: - )?(.*)$/;
const DIRECTIVE = /(?:^|[^\\])#\s*(SKIP|TODO)\b/i;

/** The test points of a TAP stream, each with its indent, outcome, directive and YAML failureType. */
function readTestPoints(text) {
  const points = [];
  const lines = text.split(/\r?\n/);
  let yamlIndent = -1;
  for (const line of lines) {
    if (yamlIndent >= 0) {
      const indent = line.length - line.trimStart().length;
      if (line.trim() === '...' && indent === yamlIndent) yamlIndent = -1;
      else if (points.length > 0) {
        const failureType = /^\s*failureType:\s*'?([\w-]+)'?/.exec(line);
        if (failureType) points[points.length - 1].failureType = failureType[1];
      }
      continue;
    }
    if (/^\s*---\s*$/.test(line) && points.length > 0) {
      yamlIndent = line.length - line.trimStart().length;
      continue;
    }
    const match = TEST_POINT.exec(line);
    if (!match) continue;
    const directive = DIRECTIVE.exec(match[3]);
    points.push({
      indent: match[1].length,
      ok: match[2] === 'ok',
      name: match[3].replace(DIRECTIVE, '').trim(),
      directive: directive ? directive[1].toUpperCase() : undefined,
    });
  }
  return points;
}

/** Node's own totals, when the stream got as far as printing them. */
function readTotals(text) {
  const read = (name) => {
    const match = new RegExp(`^# ${name} (\\d+)\\s*$`, 'm').exec(text);
    return match ? Number(match[1]) : undefined;
  };
  return { fail: read('fail'), cancelled: read('cancelled') };
}

/**
 * Counts passed, failed and skipped tests in `text` (a TAP stream), given the test process's exit
 * code. Returns the counts and notes that explain any failure Node's totals did not show. Pure.
 */
function summarizeTap(text, exitCode) {
  const counts = { passed: 0, failed: 0, skipped: 0, notes: [] };
  const open = [];
  for (const point of readTestPoints(text)) {
    let firstChild = open.length;
    while (firstChild > 0 && open[firstChild - 1].indent > point.indent) firstChild -= 1;
    const children = open.splice(firstChild);
    point.failedInside = children.some((child) => child.failedInside);
    if (point.directive) {
      counts.skipped += children.length === 0 ? 1 : 0;
    } else if (children.length === 0) {
      if (point.ok) counts.passed += 1;
      else counts.failed += 1;
      point.failedInside = !point.ok;
    } else if (!point.ok && !point.failedInside) {
      counts.failed += 1;
      point.failedInside = true;
      counts.notes.push(`${point.name}: ${point.failureType ?? 'failed'} after its tests passed`);
    }
    open.push(point);
  }
  const totals = readTotals(text);
  const nodeCount = (totals.fail ?? 0) + (totals.cancelled ?? 0);
  if (nodeCount > counts.failed) counts.failed = nodeCount;
  if (exitCode !== 0 && counts.failed === 0) {
    counts.failed = 1;
    counts.notes.push(`the test process exited with ${exitCode} but reported no failing test`);
  }
  return counts;
}

/** The closing line: `N passed, N failed` and `, N skipped` when any were. Pure. */
function formatSummary(counts) {
  const skipped = counts.skipped ? `, ${counts.skipped} skipped` : '';
  return `${counts.passed} passed, ${counts.failed} failed${skipped}`;
}

module.exports = { summarizeTap, formatSummary };
