import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CONFIG_FILE_NAME,
  globMatches,
  loadConfig,
  parseConfigText,
  resolveApprovalPolicy,
  webhookUrls,
  webSettings,
} from '../../src/config';
import { configProblems } from '../helpers/config-problems';

const FULL = `
approvals:
  groups: { ops: [alice, bob], leads: [carol] }
  default: { approvers: [ops], required: 1, timeout: 24h, onTimeout: reject }
  policies:
    - name: production
      match: { tags: { env: prod }, name: "prod-*" }
      approvers: [ops, leads]
      required: 2
      timeout: 4h
      onTimeout: escalate
      escalation: { approvers: [leads], required: 1, timeout: 2h }
      autoApproveSmallScale: { maxReplicaDelta: 1, minReplicas: 1, maxReplicas: 10 }
    - name: staging
      match: { name: "stage-??" }
      approvers: [leads]
notifications:
  webhooks: [ { urlEnv: SLACK_WEBHOOK_URL }, { url: "http://127.0.0.1:9000/hook", events: [decided] } ]
web:
  publicUrl: http://127.0.0.1:9999/
  identityHeader: X-Auth-User
  trustedProxies: [10.0.0.5, "fd00::/8"]
  users: { alice: { tokenEnv: IMPLY_RUNBOOKS_TOKEN_ALICE } }
`;

const prodTags = [{ name: 'env', value: 'prod' }];

const problemsOf = configProblems;

/** A minimal valid approvals section with one line replaced. */
function withApprovals(lines: string): string {
  return `approvals:\n  groups: { ops: [alice, bob] }\n${lines}`;
}

function withTemporaryDirectory<T>(body: (directory: string) => T): T {
  const directory = mkdtempSync(join(tmpdir(), 'imply-config-'));
  try {
    return body(directory);
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
}

describe('configuration file', () => {
  it('uses the local defaults when no file exists', () => {
    const config = withTemporaryDirectory((cwd) => loadConfig({ cwd, env: {} }));
    assert.equal(config.source, undefined);
    const policy = resolveApprovalPolicy(config, { name: 'anything', tags: [] });
    assert.deepEqual(policy, {
      name: 'default',
      stage: { groups: ['ops'], approvers: ['alice', 'bob'], required: 1, timeoutMs: 86_400_000 },
    });
    assert.deepEqual(webSettings(config), {
      publicUrl: 'http://127.0.0.1:8787',
      trustedProxies: [],
      users: {
        alice: { tokenEnv: 'IMPLY_RUNBOOKS_TOKEN_ALICE' },
        bob: { tokenEnv: 'IMPLY_RUNBOOKS_TOKEN_BOB' },
      },
      // The local stack's token users operate the operations page.
      roles: { operators: ['alice', 'bob'] },
    });
    assert.deepEqual(webhookUrls(config, {}), []);
  });

  it('finds the file by --config, then IMPLY_RUNBOOKS_CONFIG, then the working directory', () => {
    withTemporaryDirectory((cwd) => {
      writeFileSync(join(cwd, CONFIG_FILE_NAME), FULL);
      writeFileSync(
        join(cwd, 'other.yaml'),
        'web: { identityHeader: X-Other, trustedProxies: [10.0.0.1] }\n',
      );
      writeFileSync(join(cwd, 'env.yaml'), 'web: { identityHeader: X-Env, trustedProxies: [10.0.0.1] }\n');
      const env = { IMPLY_RUNBOOKS_CONFIG: 'env.yaml' };
      assert.equal(loadConfig({ cwd, env, path: 'other.yaml' }).web.identityHeader, 'X-Other');
      assert.equal(loadConfig({ cwd, env }).web.identityHeader, 'X-Env');
      assert.equal(loadConfig({ cwd, env: {} }).web.identityHeader, 'X-Auth-User');
      assert.equal(loadConfig({ cwd, env: {} }).source, join(cwd, CONFIG_FILE_NAME));
    });
  });

  it('names the missing file and where its name came from', () => {
    withTemporaryDirectory((cwd) => {
      assert.throws(
        () => loadConfig({ cwd, env: {}, path: 'nope.yaml' }),
        /nope\.yaml: not found \(named by --config\)/,
      );
      assert.throws(
        () => loadConfig({ cwd, env: { IMPLY_RUNBOOKS_CONFIG: 'gone.yaml' } }),
        /gone\.yaml: not found \(named by IMPLY_RUNBOOKS_CONFIG\)/,
      );
    });
  });

  it('reads a full file and keeps the built-in sections the file leaves out', () => {
    const full = parseConfigText(FULL);
    assert.deepEqual(full.approvals.groups, { ops: ['alice', 'bob'], leads: ['carol'] });
    assert.equal(full.approvals.policies.length, 2);
    assert.deepEqual(webSettings(full), {
      publicUrl: 'http://127.0.0.1:9999',
      identityHeader: 'X-Auth-User',
      trustedProxies: ['10.0.0.5', 'fd00::/8'],
      users: { alice: { tokenEnv: 'IMPLY_RUNBOOKS_TOKEN_ALICE' } },
      // A file's web section names its operators: none unless it says.
      roles: { operators: [] },
    });
    const webOnly = parseConfigText('web: { publicUrl: "http://127.0.0.1:1234" }\n');
    assert.deepEqual(webOnly.approvals.groups, { ops: ['alice', 'bob'] });
    // No header is trusted unless the file names one, with the proxies it may come from.
    assert.equal(webOnly.web.identityHeader, undefined);
    assert.deepEqual(webOnly.web.trustedProxies, []);
  });

  it('refuses an identity header without trusted proxies, and a proxy address that is not one', () => {
    assert.deepEqual(problemsOf('web: { identityHeader: X-Forwarded-User }\n'), [
      "web.trustedProxies: is needed with identityHeader X-Forwarded-User: list the auth proxy's addresses (e.g. [10.0.0.5/32]), since anyone else could send the header",
    ]);
    assert.match(
      problemsOf('web: { identityHeader: X-U, trustedProxies: [10.0.0.0/33, proxy.local] }\n').join('\n'),
      /web\.trustedProxies\[0\]: must be an address or CIDR block[^]*web\.trustedProxies\[1\]: must be an address or CIDR block/,
    );
    assert.match(
      problemsOf('web: { trustedProxies: [10.0.0.1] }\n').join('\n'),
      /web\.identityHeader: is needed with trustedProxies/,
    );
  });

  it('resolves the first policy whose tags and name glob match, with groups expanded and durations in ms', () => {
    const config = parseConfigText(FULL);
    assert.deepEqual(resolveApprovalPolicy(config, { name: 'prod-eu', tags: prodTags }), {
      name: 'production',
      stage: {
        groups: ['ops', 'leads'],
        approvers: ['alice', 'bob', 'carol'],
        required: 2,
        timeoutMs: 14_400_000,
      },
      escalation: { groups: ['leads'], approvers: ['carol'], required: 1, timeoutMs: 7_200_000 },
      autoApprove: { maxReplicaDelta: 1, minReplicas: 1, maxReplicas: 10 },
    });
    assert.equal(resolveApprovalPolicy(config, { name: 'stage-01', tags: prodTags }).name, 'staging');
    const staging = resolveApprovalPolicy(config, { name: 'stage-01', tags: [] });
    assert.deepEqual(staging.stage, {
      groups: ['leads'],
      approvers: ['carol'],
      required: 1,
      timeoutMs: 86_400_000,
    });
  });

  it('falls back to the default policy when no match holds', () => {
    const config = parseConfigText(FULL);
    assert.equal(resolveApprovalPolicy(config, { name: 'prod-eu', tags: [] }).name, 'default');
    assert.equal(resolveApprovalPolicy(config, { name: 'dev-1', tags: prodTags }).name, 'default');
    assert.equal(resolveApprovalPolicy(config, { name: 'stage-001', tags: [] }).name, 'default');
  });

  it('matches globs on the whole name', () => {
    assert.equal(globMatches('prod-*', 'prod-eu'), true);
    assert.equal(globMatches('prod-*', 'my-prod-eu'), false);
    assert.equal(globMatches('a.b?', 'a.bc'), true);
    assert.equal(globMatches('a.b?', 'axbc'), false);
  });

  it('names the key of each bad value', () => {
    const problems = problemsOf(
      withApprovals(`  default: { approvers: [ops], required: 0, timeout: 4x, onTimeout: later }
  policies:
    - { name: p, match: {}, approvers: [], required: 1.5 }
`),
    );
    assert.deepEqual(problems, [
      'approvals.default.required: must be at least 1',
      'approvals.default.timeout: "4x" is not a duration: write for example 90s, 30m, 8h, 1d or 1h30m',
      'approvals.default.onTimeout: must be reject or escalate',
      'approvals.policies[0].match: must give tags, a name glob, or both',
      'approvals.policies[0].approvers: must name at least one group',
      'approvals.policies[0].required: must be a whole number of approvals',
    ]);
  });

  it('names misspelt keys', () => {
    assert.deepEqual(problemsOf(withApprovals('  default: { approvers: [ops], timout: 1h }\n')), [
      'approvals.default: unknown key "timout": check the spelling',
    ]);
    assert.deepEqual(problemsOf('aprovals: {}\n'), ['unknown key "aprovals": check the spelling']);
  });

  it('names unknown groups and unreachable quorums', () => {
    const problems = problemsOf(
      withApprovals(`  default: { approvers: [ops], required: 3 }
  policies:
    - name: p
      match: { name: "x" }
      approvers: [ops, leeds]
      onTimeout: escalate
      escalation: { approvers: [nobody] }
    - { name: p, match: { name: y }, approvers: [ops] }
`),
    );
    assert.deepEqual(problems, [
      'approvals.default.required: needs 3 approvals but group ops has only 2 members',
      'approvals.policies[0].approvers[1]: unknown group "leeds": define it under approvals.groups (known: ops)',
      'approvals.policies[0].escalation.approvers[0]: unknown group "nobody": define it under approvals.groups (known: ops)',
      'approvals.policies[1].name: "p" is used by an earlier policy',
    ]);
  });

  it('requires an escalation exactly when the policy escalates', () => {
    assert.deepEqual(problemsOf(withApprovals('  default: { approvers: [ops], onTimeout: escalate }\n')), [
      'approvals.default.escalation: is needed with onTimeout: escalate: give its approvers, required and timeout',
    ]);
    assert.deepEqual(
      problemsOf(withApprovals('  default: { approvers: [ops], escalation: { approvers: [ops] } }\n')),
      [
        'approvals.default.onTimeout: must be escalate when an escalation is given (or remove the escalation)',
      ],
    );
  });

  it('takes secrets only by environment reference and never echoes them', () => {
    const text = `notifications:
  webhooks: [ { url: "https://hooks.slack.com/services/T0/B0/sekrit-hook" }, { urlEnv: "not a name" } ]
web:
  users: { alice: { token: sekrit-token } }
`;
    const problems = problemsOf(text);
    assert.deepEqual(problems, [
      'notifications.webhooks[0].url: may only point at this machine (127.0.0.1 or localhost): a remote webhook URL is a secret, so put it in an environment variable and write urlEnv: NAME',
      'notifications.webhooks[1].urlEnv: must be the name of an environment variable, such as SLACK_WEBHOOK_URL',
      'web.users.alice.token: tokens are secrets and do not belong in the file: put it in an environment variable and write tokenEnv: NAME',
    ]);
    assert.ok(!problems.join('\n').includes('sekrit'));
  });

  it('reports a YAML syntax error by position without quoting the line', () => {
    assert.deepEqual(problemsOf('web:\n  users: { alice: [sekrit\n'), [
      'line 3, column 1: not valid YAML (BAD_INDENT)',
    ]);
  });

  it('reads webhook URLs from the environment, filtered by event, and names an unset variable', () => {
    const config = parseConfigText(FULL);
    const env = { SLACK_WEBHOOK_URL: 'https://hooks.example/secret' };
    assert.deepEqual(webhookUrls(config, env), [
      'https://hooks.example/secret',
      'http://127.0.0.1:9000/hook',
    ]);
    assert.deepEqual(webhookUrls(config, env, 'requested'), ['https://hooks.example/secret']);
    assert.throws(
      () => webhookUrls(config, {}),
      /notifications\.webhooks\[0\]\.urlEnv: the environment variable SLACK_WEBHOOK_URL is not set/,
    );
  });
});
