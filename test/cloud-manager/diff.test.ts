import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { diffClusters, formatDiff, jsonEqual } from '../../src/cloud-manager/diff';
import { tutorialCluster } from './fixtures';

describe('diffClusters', () => {
  it('describes the tutorial scale-up as a rename and one more data replica', () => {
    const before = tutorialCluster();
    const after = structuredClone(before);
    after.metadata.name = 'clusters-example-scaled';
    after.spec.data.tier1.replicas = 2;
    assert.equal(
      formatDiff(diffClusters(before, after)),
      'metadata.name: "clusters-example" → "clusters-example-scaled"\nspec.data.tier1.replicas: 1 → 2',
    );
  });

  it('reports added and removed fields', () => {
    const entries = diffClusters({ spec: { awsKeyPair: 'k' } }, { spec: { tier2: { replicas: 1 } } });
    assert.deepEqual(entries, [
      { path: 'spec.awsKeyPair', before: 'k', kind: 'removed' },
      { path: 'spec.tier2', after: { replicas: 1 }, kind: 'added' },
    ]);
    assert.equal(
      formatDiff(entries),
      'spec.awsKeyPair: "k" → (absent)\nspec.tier2: (absent) → {"replicas":1}',
    );
  });

  it('compares {name, value} lists by name, whatever their order', () => {
    const before = {
      spec: {
        awsTags: [
          { name: 'team', value: 'a' },
          { name: 'env', value: 'dev' },
        ],
      },
    };
    const after = {
      spec: {
        awsTags: [
          { name: 'env', value: 'prod' },
          { name: 'owner', value: 'z' },
        ],
      },
    };
    assert.deepEqual(diffClusters(before, after), [
      { path: 'spec.awsTags[team]', before: 'a', kind: 'removed' },
      { path: 'spec.awsTags[env]', before: 'dev', after: 'prod', kind: 'changed' },
      { path: 'spec.awsTags[owner]', after: 'z', kind: 'added' },
    ]);
    assert.deepEqual(diffClusters(before, { spec: { awsTags: [...before.spec.awsTags].reverse() } }), []);
  });

  it('compares other arrays as whole values', () => {
    assert.deepEqual(diffClusters({ list: [1, 2] }, { list: [2, 1] }), [
      { path: 'list', before: [1, 2], after: [2, 1], kind: 'changed' },
    ]);
  });

  it('compares a list with a repeated name as a whole value', () => {
    const before = {
      tags: [
        { name: 'a', value: '1' },
        { name: 'a', value: '2' },
      ],
    };
    const after = { tags: [{ name: 'a', value: '2' }] };
    assert.deepEqual(diffClusters(before, after), [
      { path: 'tags', before: before.tags, after: after.tags, kind: 'changed' },
    ]);
  });

  it('ignores key order and finds nothing between equal values', () => {
    assert.deepEqual(diffClusters({ a: 1, b: { c: 2 } }, { b: { c: 2 }, a: 1 }), []);
  });

  it('finds a difference exactly when the values differ', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.jsonValue(), (left, right) => {
        assert.deepEqual(diffClusters(left, left), []);
        assert.equal(diffClusters(left, right).length === 0, jsonEqual(left, right));
      }),
    );
  });
});
