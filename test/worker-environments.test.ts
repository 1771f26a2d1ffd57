import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseConfigText } from '../src/config';
import {
  describeServedEnvironment,
  environmentsToServe,
  servedEnvironmentNames,
} from '../src/worker-environments';

const config = parseConfigText(`
environments:
  prod:
    apiUrl: http://127.0.0.1:8081/api/v1
    auth: { tokenEnv: IMPLY_PROD_TOKEN }
    requestsPerSecond: 2
  staging:
    vanityDomain: acme-staging
    auth: { clientIdEnv: STAGING_ID, clientSecretEnv: STAGING_SECRET, organization: acme }
`);
const ENV = {
  IMPLY_API_URL: 'http://127.0.0.1:8080/api/v1',
  IMPLY_TOKEN: 'default-token',
  IMPLY_PROD_TOKEN: 'prod-token',
  STAGING_ID: 'client',
  STAGING_SECRET: 'staging-secret',
};

describe('the environments a worker serves', () => {
  it('serves the default environment and every configured one, each on its task queue with its rate', () => {
    const served = environmentsToServe(
      config,
      { ...ENV, IMPLY_REQUESTS_PER_SECOND: '5' },
      {
        baseTaskQueue: 'imply-runbooks',
      },
    );
    assert.deepEqual(
      served.map(({ name, taskQueue, requestsPerSecond, api }) => ({
        name,
        taskQueue,
        requestsPerSecond,
        baseUrl: api.baseUrl,
      })),
      [
        {
          name: 'default',
          taskQueue: 'imply-runbooks',
          requestsPerSecond: 5,
          baseUrl: 'http://127.0.0.1:8080/api/v1',
        },
        {
          name: 'prod',
          taskQueue: 'imply-runbooks-env-prod',
          requestsPerSecond: 2,
          baseUrl: 'http://127.0.0.1:8081/api/v1',
        },
        {
          name: 'staging',
          taskQueue: 'imply-runbooks-env-staging',
          requestsPerSecond: undefined,
          baseUrl: 'https://acme-staging.implycloud.com/api/v1',
        },
      ],
    );
    assert.equal(
      describeServedEnvironment(served[1]!),
      'Cloud Manager API http://127.0.0.1:8081/api/v1, at most 2 activities/s on the task queue across all workers',
    );
    for (const environment of served) assert.doesNotMatch(JSON.stringify(environment), /token|secret/i);
  });

  it('serves only the environments --environments or IMPLY_RUNBOOKS_ENVIRONMENTS name', () => {
    assert.deepEqual(servedEnvironmentNames(config, {}, 'prod, staging,prod'), ['prod', 'staging']);
    assert.deepEqual(servedEnvironmentNames(config, { IMPLY_RUNBOOKS_ENVIRONMENTS: 'default' }), ['default']);
    // Only prod's variable is needed when only prod is served.
    const served = environmentsToServe(
      config,
      { IMPLY_PROD_TOKEN: 'prod-token' },
      {
        baseTaskQueue: 'q',
        environments: 'prod',
      },
    );
    assert.deepEqual(
      served.map((environment) => environment.taskQueue),
      ['q-env-prod'],
    );
    assert.throws(
      () => servedEnvironmentNames(config, {}, 'prod,qa'),
      /--environments: "qa" is not a configured environment \(known: default, prod, staging\)/,
    );
  });

  it("refuses to start when an environment's variable is unset, naming the environment and the variable", () => {
    const { IMPLY_PROD_TOKEN: _prod, ...withoutProd } = ENV;
    assert.throws(
      () => environmentsToServe(config, withoutProd, { baseTaskQueue: 'q' }),
      /environment "prod": the variable IMPLY_PROD_TOKEN \(environments\.prod\.auth\.tokenEnv\) is not set/,
    );
    const { STAGING_SECRET: _secret, ...withoutSecret } = ENV;
    assert.throws(
      () => environmentsToServe(config, withoutSecret, { baseTaskQueue: 'q' }),
      /environment "staging": the variable STAGING_SECRET \(environments\.staging\.auth\.clientSecretEnv\) is not set/,
    );
  });

  it('says how to serve only the named environments when the default one is not configured', () => {
    const { IMPLY_API_URL: _url, IMPLY_TOKEN: _token, ...withoutDefault } = ENV;
    assert.throws(
      () => environmentsToServe(config, withoutDefault, { baseTaskQueue: 'q' }),
      /^Error: environment "default": No Cloud Manager API configured: .* start the worker with --environments prod,staging\.$/,
    );
  });

  it('refuses an IMPLY_REQUESTS_PER_SECOND that is not a positive number', () => {
    assert.throws(
      () =>
        environmentsToServe(config, { ...ENV, IMPLY_REQUESTS_PER_SECOND: 'fast' }, { baseTaskQueue: 'q' }),
      /IMPLY_REQUESTS_PER_SECOND=fast is not a rate/,
    );
  });
});
