import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { ConfigFileError, parseConfigText } from '../../src/config';

function problemsOf(text: string): string[] {
  try {
    parseConfigText(text, 'test.yaml');
  } catch (error) {
    if (error instanceof ConfigFileError) return error.problems;
    throw error;
  }
  assert.fail('the configuration was accepted');
}

describe('the environments section of the configuration file', () => {
  it('reads environments by vanity domain or API URL, with a token or an OAuth client, and a rate', () => {
    const config = parseConfigText(`
environments:
  prod:
    vanityDomain: Acme
    auth: { tokenEnv: IMPLY_PROD_TOKEN }
    requestsPerSecond: 10
  eu-staging:
    apiUrl: http://127.0.0.1:8080/api/v1/
    auth:
      clientIdEnv: STAGING_CLIENT_ID
      clientSecretEnv: STAGING_CLIENT_SECRET
      organization: acme-staging
      tokenUrl: http://127.0.0.1:8081/token
`);
    assert.deepEqual(config.environments, {
      prod: {
        apiBaseUrl: 'https://acme.implycloud.com/api/v1',
        auth: { tokenEnv: 'IMPLY_PROD_TOKEN' },
        requestsPerSecond: 10,
      },
      'eu-staging': {
        apiBaseUrl: 'http://127.0.0.1:8080/api/v1',
        auth: {
          clientIdEnv: 'STAGING_CLIENT_ID',
          clientSecretEnv: 'STAGING_CLIENT_SECRET',
          organization: 'acme-staging',
          tokenUrl: 'http://127.0.0.1:8081/token',
        },
      },
    });
  });

  it('leaves environments out when the file has none: only the default one exists', () => {
    assert.equal(parseConfigText('web: { publicUrl: http://127.0.0.1:8787 }').environments, undefined);
  });

  it('refuses an unknown key, naming it and its place', () => {
    const problems = problemsOf(`
environments:
  prod: { vanityDomain: acme, auth: { tokenEnv: T }, requestPerSecond: 5 }
`);
    assert.deepEqual(problems, ['environments.prod: unknown key "requestPerSecond": check the spelling']);
  });

  it('refuses a token or client secret written in the file, saying to name a variable instead', () => {
    const problems = problemsOf(`
environments:
  prod: { vanityDomain: acme, auth: { token: abc123 } }
  staging:
    vanityDomain: acme-staging
    auth: { clientIdEnv: ID, clientSecret: s3cret, organization: acme }
`);
    assert.equal(problems.length, 2);
    assert.match(
      problems[0]!,
      /^environments\.prod\.auth\.token: secrets do not belong in the file: .*tokenEnv: NAME/,
    );
    assert.match(
      problems[1]!,
      /^environments\.staging\.auth\.clientSecret: secrets do not belong in the file: .*clientSecretEnv: NAME/,
    );
    for (const problem of problems) assert.doesNotMatch(problem, /abc123|s3cret/);
  });

  it('refuses names that are not lowercase letters, digits and dashes, and the reserved name default', () => {
    const problems = problemsOf(`
environments:
  Prod_1: { vanityDomain: acme, auth: { tokenEnv: T } }
  default: { vanityDomain: acme, auth: { tokenEnv: T } }
  -edge: { vanityDomain: acme, auth: { tokenEnv: T } }
`);
    assert.equal(problems.length, 3);
    assert.match(
      problems[0]!,
      /^environments\.Prod_1: "Prod_1" is not an environment name: use lowercase letters, digits and dashes/,
    );
    assert.match(
      problems[1]!,
      /^environments\.default: "default" is reserved for the environment the IMPLY_\* variables configure/,
    );
    assert.match(problems[2]!, /^environments\.-edge: "-edge" is not an environment name/);
  });

  it('asks for auth when it is missing, and for the rest of an OAuth client when part is given', () => {
    const problems = problemsOf(`
environments:
  prod: { vanityDomain: acme }
  staging: { vanityDomain: acme-staging, auth: { clientIdEnv: ID } }
  dev: { vanityDomain: acme-dev, auth: {} }
`);
    assert.deepEqual(problems.slice().sort(), [
      'environments.dev.auth: give tokenEnv (the variable holding a bearer token), or clientIdEnv, clientSecretEnv and organization (an OAuth client)',
      'environments.prod.auth: is needed: { tokenEnv: NAME } or { clientIdEnv: NAME, clientSecretEnv: NAME, organization: ORG }',
      'environments.staging.auth.clientSecretEnv: is needed: the variable holding the OAuth client secret',
      'environments.staging.auth.organization: is needed: the Imply organization, e.g. acme',
    ]);
  });

  it('wants exactly one of vanityDomain and apiUrl, each valid, and a positive rate', () => {
    const problems = problemsOf(`
environments:
  both: { vanityDomain: acme, apiUrl: "https://acme.implycloud.com/api/v1", auth: { tokenEnv: T } }
  neither: { auth: { tokenEnv: T } }
  dotted: { vanityDomain: acme.implycloud.com, auth: { tokenEnv: T } }
  secret-url: { apiUrl: "https://user:pw@acme.implycloud.com/api/v1", auth: { tokenEnv: T } }
  slow: { vanityDomain: acme, auth: { tokenEnv: "NOT A NAME" }, requestsPerSecond: 0 }
`);
    assert.deepEqual(problems, [
      'environments.both: give exactly one of vanityDomain (the Imply Cloud account name) or apiUrl (a full API URL)',
      'environments.neither: give exactly one of vanityDomain (the Imply Cloud account name) or apiUrl (a full API URL)',
      "environments.dotted.vanityDomain: 'acme.implycloud.com' is not a valid vanity domain (give only the first part, e.g. 'acme'): use the name of your Imply Cloud account, letters, digits and hyphens only, as in https://{name}.implycloud.com.",
      'environments.secret-url.apiUrl: must not contain a user name or password: put the token in the variable auth.tokenEnv names instead.',
      'environments.slow.auth.tokenEnv: must be the name of an environment variable, such as IMPLY_PROD_TOKEN',
      'environments.slow.requestsPerSecond: must be more than 0',
    ]);
    assert.doesNotMatch(problems.join('\n'), /pw@/);
  });

  it("accepts the example configuration's commented environments block once uncommented", () => {
    const text = readFileSync('examples/imply-runbooks.config.yaml', 'utf8');
    const block = text.slice(text.indexOf('# environments:'));
    const config = parseConfigText(block.replace(/^# ?/gm, ''));
    assert.deepEqual(Object.keys(config.environments ?? {}), ['prod', 'staging']);
    assert.equal(config.environments?.prod?.requestsPerSecond, 10);
  });
});
