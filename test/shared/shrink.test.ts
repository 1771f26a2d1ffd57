import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { restoreChangesOf, shrinkModeOf, shrunkNodes } from '../../src/shared/shrink';

describe('shrink schedules, the pure parts', () => {
  it('remembers the value each changed field had, and leaves out what a scale cannot put back', () => {
    const restore = restoreChangesOf({
      changes: [
        { path: 'spec.data.tier1.replicas', kind: 'changed', before: 3, after: 1 },
        { path: 'spec.query.instanceType', kind: 'changed', before: 'm5.large', after: 't2.small' },
        // Added by the shrink (it had no value): nothing to put back.
        { path: 'spec.data.tier2.replicas', kind: 'added', after: 1 },
        { path: 'spec.data.tier1.custom', kind: 'changed', before: { nested: true }, after: 1 },
      ],
    });
    assert.deepEqual(restore, [
      { path: 'spec.data.tier1.replicas', value: 3 },
      { path: 'spec.query.instanceType', value: 'm5.large' },
    ]);
  });

  it('prices the shrunk cluster by its node groups with the shrink applied, leaving the others as they are', () => {
    const nodes = [
      { group: 'master', instanceType: 'm5.large', replicas: 3 },
      { group: 'data.tier1', instanceType: 'i3.xlarge', replicas: 4 },
    ];
    const shrunk = shrunkNodes(nodes, [
      { path: 'spec.data.tier1.replicas', value: 1 },
      { path: 'spec.data.tier1.instanceType', value: 'i3.large' },
      { path: 'spec.query.replicas', value: 1 },
    ]);
    assert.deepEqual(shrunk, [
      { group: 'master', instanceType: 'm5.large', replicas: 3 },
      { group: 'data.tier1', instanceType: 'i3.large', replicas: 1 },
    ]);
    assert.equal(nodes[1]!.replicas, 4, 'the input is not changed');
  });

  it('calls the stop slot a shrink and the start slot a restore', () => {
    assert.equal(shrinkModeOf('stop'), 'shrink');
    assert.equal(shrinkModeOf('start'), 'restore');
  });
});
