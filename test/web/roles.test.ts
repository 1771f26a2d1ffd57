import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LOCAL_DEFAULTS, parseConfigText } from '../../src/config';
import { mayAct, personOf, requireRole, roleOf } from '../../src/web/roles';
import { WebProblem } from '../../src/web/http-io';

const CONFIG = parseConfigText(`
approvals:
  groups: { ops: [alice], leads: [carol] }
  default: { approvers: [ops], required: 1, timeout: 24h, onTimeout: reject }
web:
  roles:
    operators: [dave, oncall]
    viewers: [erin, readers]
`);

describe('operations page roles', () => {
  it('makes members of an approval group approvers, by the configuration or the groups claim', () => {
    assert.equal(roleOf({ user: 'alice' }, CONFIG), 'approver');
    assert.equal(roleOf({ user: 'zed', groups: ['leads'] }, CONFIG), 'approver');
  });

  it('makes the people and groups web.roles.operators names operators', () => {
    assert.equal(roleOf({ user: 'dave' }, CONFIG), 'operator');
    assert.equal(roleOf({ user: 'frank', groups: ['oncall'] }, CONFIG), 'operator');
  });

  it('lets only the listed viewers see the page when web.roles.viewers is set', () => {
    assert.equal(roleOf({ user: 'erin' }, CONFIG), 'viewer');
    assert.equal(roleOf({ user: 'gina', groups: ['readers'] }, CONFIG), 'viewer');
    assert.equal(roleOf({ user: 'mallory' }, CONFIG), 'none');
  });

  it('makes everyone signed in a viewer when web.roles is not configured', () => {
    const config = parseConfigText(
      'approvals:\n  groups: { ops: [alice] }\n  default: { approvers: [ops], required: 1, timeout: 1h, onTimeout: reject }\n',
    );
    assert.equal(roleOf({ user: 'someone' }, config), 'viewer');
  });

  it('makes the local stack token users operators (and approvers, as the ops group)', () => {
    assert.ok(mayAct(roleOf({ user: 'alice' }, LOCAL_DEFAULTS), 'operator'));
    assert.ok(mayAct(roleOf({ user: 'bob' }, LOCAL_DEFAULTS), 'operator'));
    assert.equal(LOCAL_DEFAULTS.web.roles.operators.join(','), 'alice,bob');
  });

  it('ranks the roles: an approver operates, a viewer does not', () => {
    assert.ok(mayAct('approver', 'operator'));
    assert.ok(!mayAct('viewer', 'operator'));
    assert.ok(!mayAct('none', 'viewer'));
    assert.throws(
      () => requireRole('viewer', 'operator', 'erin'),
      (error) =>
        error instanceof WebProblem && error.status === 403 && /erin is a viewer/.test(error.message),
    );
  });

  it('believes only an OIDC session about groups', () => {
    const base = { user: 'frank', csrfToken: 'x', expiresAt: 0, groups: ['oncall'] };
    assert.deepEqual(personOf('frank', { ...base, via: 'oidc' }), { user: 'frank', groups: ['oncall'] });
    assert.deepEqual(personOf('frank', { ...base, via: 'token' }), { user: 'frank' });
  });

  it('refuses a roles entry that is not a list, naming the field', () => {
    assert.throws(
      () => parseConfigText('web:\n  roles: { operators: dave }\n'),
      /web\.roles\.operators.*list of user names and group names/s,
    );
    assert.throws(() => parseConfigText('web:\n  roles: { admins: [dave] }\n'), /web\.roles.*admins/s);
  });
});
