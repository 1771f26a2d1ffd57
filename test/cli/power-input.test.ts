import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fleetInputFromFlags } from '../../src/cli/commands/power';
import { parseNumberFlag, parseUntil, waitFromFlags } from '../../src/cli/power-input';

const NOW = Date.parse('2026-05-01T17:00:00.000Z');

describe('power command flags', () => {
  it('reads --until as an ISO time or as a duration from now', () => {
    assert.equal(parseUntil('2026-05-02T07:00:00+02:00', NOW), '2026-05-02T05:00:00.000Z');
    assert.equal(parseUntil('12h', NOW), '2026-05-02T05:00:00.000Z');
  });

  it('refuses an --until in the past or in no known form, saying what to write', () => {
    assert.throws(
      () => parseUntil('2026-05-01T16:00:00Z', NOW),
      /--until 2026-05-01T16:00:00Z is not in the future/,
    );
    assert.throws(() => parseUntil('31d', NOW), /--until 31d is more than 30 days ahead: .*schedule=off/);
    assert.equal(parseUntil('30d', NOW), new Date(NOW + 30 * 86_400_000).toISOString());
    assert.throws(
      () => parseUntil('tonight', NOW),
      /--until "tonight" is neither an ISO time nor a duration: write for example/,
    );
  });

  it('refuses number flags that are not numbers, naming the flag', () => {
    assert.equal(parseNumberFlag('0.3', '--max-failure-share'), 0.3);
    assert.throws(() => parseNumberFlag('ten', '--rate'), /--rate "ten" is not a number/);
    assert.throws(
      () => parseNumberFlag('2.5', '--concurrency', true),
      /--concurrency "2.5" is not a whole number/,
    );
  });

  it('builds a fleet input from fleet run flags', () => {
    const input = fleetInputFromFlags({
      action: 'stop',
      select: ['env=test', 'name=test-*'],
      concurrency: '5',
      rate: '20',
      maxFailureShare: '0.5',
      as: 'alice',
      pollInitial: '100ms',
    });
    assert.deepEqual(input, {
      action: 'stop',
      selector: { tags: { env: 'test' }, nameGlob: 'test-*' },
      requester: 'alice',
      concurrency: 5,
      requestsPerSecond: 20,
      maxFailureShare: 0.5,
      wait: { pollInitialMs: 100 },
    });
  });

  it('refuses a fleet run with a bad action, no selector or out-of-range limits', () => {
    assert.throws(
      () => fleetInputFromFlags({ action: 'pause', select: ['env=test'] }),
      /--action must be stop or start/,
    );
    assert.throws(() => fleetInputFromFlags({ action: 'stop' }), /give at least one --select/);
    assert.throws(
      () => fleetInputFromFlags({ action: 'stop', select: ['env=test'], maxFailureShare: '1.5' }),
      /maxFailureShare must be between 0 and 1.*--max-failure-share/,
    );
    assert.throws(
      () => fleetInputFromFlags({ action: 'stop', select: ['env=test'], concurrency: '0' }),
      /concurrency must be a whole number of at least 1 \(--concurrency/,
    );
    assert.throws(
      () => fleetInputFromFlags({ action: 'stop', select: ['env=test'], rate: '0' }),
      /--rate; got 0/,
    );
  });

  it('leaves the waits to the runbook when no wait flag is given', () => {
    assert.equal(waitFromFlags({}), undefined);
    assert.throws(() => waitFromFlags({ pollMax: 'soon' }), /--poll-max "soon" is not a duration/);
  });
});
