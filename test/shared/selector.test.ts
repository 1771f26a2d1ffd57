import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  describeSelector,
  globToRegExp,
  isOptedOut,
  matchesSelector,
  parseSelector,
  type SelectableCluster,
} from '../../src/shared/selector';

const cluster = (name: string, tags: Record<string, string> = {}, id = `uid-${name}`): SelectableCluster => ({
  id,
  name,
  tags: Object.entries(tags).map(([tag, value]) => ({ name: tag, value })),
});

describe('cluster selector', () => {
  it('reads tags, a name glob and explicit ids from repeated --select values', () => {
    assert.deepEqual(parseSelector(['env=test', 'team=data', 'name=test-*', 'ids=a,b', 'ids=c']), {
      tags: { env: 'test', team: 'data' },
      nameGlob: 'test-*',
      clusters: ['a', 'b', 'c'],
    });
  });

  it('reads tag:<key>= as a tag even when the key is name or ids', () => {
    assert.deepEqual(parseSelector(['tag:name=x', 'tag:ids=y']), { tags: { name: 'x', ids: 'y' } });
  });

  it('keeps a value that itself holds an equals sign', () => {
    assert.deepEqual(parseSelector(['owner=a=b']), { tags: { owner: 'a=b' } });
  });

  it('refuses no criterion at all, since that would pick every cluster', () => {
    assert.throws(() => parseSelector([]), /give at least one --select/);
  });

  it('refuses values that are not key=value, naming the flag and the forms', () => {
    assert.throws(() => parseSelector(['env']), /--select "env" is not key=value: write tag=value/);
    assert.throws(() => parseSelector(['=test']), /--select "=test" is not key=value/);
    assert.throws(() => parseSelector(['ids=,']), /names no cluster/);
  });

  it('refuses one tag with two values and two name globs', () => {
    assert.throws(() => parseSelector(['env=test', 'env=prod']), /tag env two values/);
    assert.throws(() => parseSelector(['name=a*', 'name=b*']), /name= given twice/);
  });

  it('checks the opt-out tag it is given', () => {
    assert.equal(parseSelector(['env=test'], 'nightly=off').optOutTag, 'nightly=off');
    assert.throws(() => parseSelector(['env=test'], 'nightly'), /--opt-out-tag "nightly" is not key=value/);
  });

  it('matches every criterion together', () => {
    const selector = parseSelector(['env=test', 'name=test-*']);
    assert.equal(matchesSelector(cluster('test-1', { env: 'test' }), selector), true);
    assert.equal(matchesSelector(cluster('prod-1', { env: 'test' }), selector), false);
    assert.equal(matchesSelector(cluster('test-2', { env: 'prod' }), selector), false);
    assert.equal(matchesSelector(cluster('test-3'), selector), false);
  });

  it('matches explicit clusters by uid or by name', () => {
    const selector = parseSelector(['ids=uid-a,b']);
    assert.equal(matchesSelector(cluster('a'), selector), true);
    assert.equal(matchesSelector(cluster('b', {}, 'other'), selector), true);
    assert.equal(matchesSelector(cluster('c'), selector), false);
  });

  it('matches nothing with an empty selector', () => {
    assert.equal(matchesSelector(cluster('a', { env: 'test' }), {}), false);
  });

  it('treats glob characters literally except * and ?', () => {
    assert.equal(globToRegExp('test-*.v?').test('test-a.v2'), true);
    assert.equal(globToRegExp('test-*.v?').test('test-aXv2'), false);
    assert.equal(globToRegExp('a+b').test('a+b'), true);
    assert.equal(globToRegExp('test-*').test('my-test-1'), false);
  });

  it('sees the default opt-out tag, or the one the selector names', () => {
    assert.equal(
      isOptedOut(cluster('a', { 'imply-runbooks/schedule': 'off' }), { tags: { env: 'test' } }),
      true,
    );
    assert.equal(
      isOptedOut(cluster('a', { 'imply-runbooks/schedule': 'on' }), { tags: { env: 'test' } }),
      false,
    );
    assert.equal(
      isOptedOut(cluster('a', { nightly: 'off' }), { nameGlob: '*', optOutTag: 'nightly=off' }),
      true,
    );
  });

  it('describes a selector the way it was typed', () => {
    assert.equal(
      describeSelector(parseSelector(['env=test', 'tag:name=x', 'name=t-*', 'ids=a,b'])),
      'env=test tag:name=x name=t-* ids=a,b',
    );
  });
});
