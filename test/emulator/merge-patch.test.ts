import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { applyMergePatch } from '../../src/emulator/merge-patch';

describe('JSON Merge Patch (RFC 7396)', () => {
  it('gives the results of the RFC appendix examples', () => {
    const examples: [unknown, unknown, unknown][] = [
      [{ a: 'b' }, { a: 'c' }, { a: 'c' }],
      [{ a: 'b' }, { b: 'c' }, { a: 'b', b: 'c' }],
      [{ a: 'b' }, { a: null }, {}],
      [{ a: 'b', b: 'c' }, { a: null }, { b: 'c' }],
      [{ a: ['b'] }, { a: 'c' }, { a: 'c' }],
      [{ a: 'c' }, { a: ['b'] }, { a: ['b'] }],
      [{ a: { b: 'c' } }, { a: { b: 'd', c: null } }, { a: { b: 'd' } }],
      [{ a: [{ b: 'c' }] }, { a: [1] }, { a: [1] }],
      [
        ['a', 'b'],
        ['c', 'd'],
        ['c', 'd'],
      ],
      [{ a: 'b' }, ['c'], ['c']],
      [{ a: 'foo' }, null, null],
      [{ a: 'foo' }, 'bar', 'bar'],
      [{ e: null }, { a: 1 }, { e: null, a: 1 }],
      [[1, 2], { a: 'b', c: null }, { a: 'b' }],
      [{}, { a: { bb: { ccc: null } } }, { a: { bb: {} } }],
    ];
    for (const [target, patch, result] of examples) {
      assert.deepEqual(applyMergePatch(target, patch), result, JSON.stringify([target, patch]));
    }
  });

  it('changes neither argument', () => {
    const target = { spec: { data: { tier1: { replicas: 1 } } } };
    const patch = { spec: { data: { tier1: { replicas: 2 } } } };
    applyMergePatch(target, patch);
    assert.deepEqual(target, { spec: { data: { tier1: { replicas: 1 } } } });
    assert.deepEqual(patch, { spec: { data: { tier1: { replicas: 2 } } } });
  });

  it('keeps a __proto__ key as a plain field instead of changing the prototype', () => {
    const merged = applyMergePatch({}, JSON.parse('{"__proto__": {"polluted": true}}')) as Record<
      string,
      unknown
    >;
    assert.equal(Object.getPrototypeOf(merged), Object.prototype);
    assert.deepEqual(Object.keys(merged), ['__proto__']);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  });
});
