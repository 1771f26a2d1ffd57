import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { startedBy } from '../../src/web/runbooks-source';

describe('who started a runbook, as the runbooks view says it', () => {
  it('names the requester or the keep-alive’s setter its start recorded', () => {
    assert.equal(startedBy({ memo: { requester: 'alice' } }), 'alice');
    assert.equal(startedBy({ memo: { keepAlive: { setBy: 'bob' } } }), 'bob');
  });

  it('names the schedule or the parent runbook of a run nobody started by hand', () => {
    assert.equal(
      startedBy({ searchAttributes: { TemporalScheduledById: ['nights-stop'] } }),
      'schedule nights-stop',
    );
    assert.equal(startedBy({ parentExecution: { workflowId: 'fleet:nights:1' } }), 'runbook fleet:nights:1');
    assert.equal(startedBy({}), undefined);
  });
});
