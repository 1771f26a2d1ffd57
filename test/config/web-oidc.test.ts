import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseConfigText, webSettings } from '../../src/config';
import { configProblems } from '../helpers/config-problems';

function problemsOf(oidcYaml: string): string[] {
  return configProblems(`web:\n  oidc:\n${oidcYaml}`);
}

describe('web.oidc in the configuration file', () => {
  it('fills the defaults: openid email profile, the email claim, /auth/callback, 8 h sessions', () => {
    const config = parseConfigText(
      'web:\n  publicUrl: https://runbooks.example.com/\n  oidc: { issuer: "https://login.example.com/realms/ops", clientId: runbooks }\n',
    );
    assert.deepEqual(webSettings(config, {}).oidc, {
      issuer: 'https://login.example.com/realms/ops',
      clientId: 'runbooks',
      scopes: ['openid', 'email', 'profile'],
      userClaim: 'email',
      redirectPath: '/auth/callback',
      sessionTtl: 8 * 3_600_000,
    });
    const full = parseConfigText(`web:
  oidc:
    issuer: http://127.0.0.1:9000
    clientId: runbooks
    clientSecretEnv: IMPLY_RUNBOOKS_OIDC_SECRET
    scopes: [openid, profile, groups]
    userClaim: preferred_username
    groupsClaim: groups
    redirectPath: /oidc/back
    sessionTtl: 90m
`);
    assert.equal(full.web.oidc?.clientSecretEnv, 'IMPLY_RUNBOOKS_OIDC_SECRET');
    assert.equal(full.web.oidc?.groupsClaim, 'groups');
    assert.equal(full.web.oidc?.sessionTtl, 90 * 60_000);
  });

  it('refuses a client secret written in the file, naming clientSecretEnv as the fix', () => {
    assert.deepEqual(
      problemsOf('    issuer: https://login.example.com\n    clientId: runbooks\n    clientSecret: s3cret\n'),
      [
        'web.oidc.clientSecret: a client secret does not belong in the file: put it in an environment variable and write clientSecretEnv: NAME (or drop it for a public client with PKCE)',
      ],
    );
  });

  it('refuses a plain-http issuer off this machine, a missing client id and an unknown user claim', () => {
    const problems = problemsOf('    issuer: http://login.example.com\n    userClaim: sub\n');
    assert.deepEqual(problems, [
      'web.oidc.issuer: must be an https:// URL (http:// only for a provider on this machine, 127.0.0.1 or localhost)',
      'web.oidc.clientId: must be the client id registered with the provider',
      'web.oidc.userClaim: must be email or preferred_username',
    ]);
  });

  it("refuses scopes without openid, a secret variable that is not a name, a session longer than 12 h, and a callback on the page's own paths", () => {
    const problems = problemsOf(`    issuer: https://login.example.com
    clientId: runbooks
    clientSecretEnv: "my secret"
    scopes: [email]
    sessionTtl: 13h
    redirectPath: /approvals/back
    groupz: groups
`);
    assert.deepEqual(problems, [
      'web.oidc.clientSecretEnv: must be the name of an environment variable, such as IMPLY_RUNBOOKS_OIDC_SECRET',
      'web.oidc.scopes: must include openid',
      "web.oidc.redirectPath: must not be one of the page's own paths: use /auth/callback",
      'web.oidc.sessionTtl: "13h" is not a duration between 1m and 12h: write for example 8h or 90m',
      'web.oidc: unknown key "groupz": check the spelling',
    ]);
  });
});
