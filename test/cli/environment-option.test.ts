import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { cliApiClient, environmentFromFlags, taskQueueOf } from '../../src/cli/environment-option';
import { parseConfigText } from '../../src/config';
import { runCli } from '../../scripts/lib/run-cli';

const directory = mkdtempSync(path.join(tmpdir(), 'imply-runbooks-environment-'));
const CONFIG_TEXT = `
environments:
  prod: { apiUrl: "http://127.0.0.1:1/api/v1", auth: { tokenEnv: IMPLY_PROD_TOKEN } }
  staging: { vanityDomain: acme-staging, auth: { tokenEnv: IMPLY_STAGING_TOKEN } }
`;
const configFile = path.join(directory, 'imply-runbooks.config.yaml');
writeFileSync(configFile, CONFIG_TEXT);
const config = parseConfigText(CONFIG_TEXT);

// Nothing listens here: a command that got as far as starting a runbook would fail to connect instead.
const NO_TEMPORAL = { TEMPORAL_ADDRESS: '127.0.0.1:1', IMPLY_RUNBOOKS_CONFIG: configFile };
const UID = '3f2504e0-4f89-41d3-9a0c-0305e82c3301';

describe('--environment', () => {
  it('needs no configuration file for the default environment', () => {
    const missing = path.join(directory, 'missing.yaml');
    assert.deepEqual(environmentFromFlags({ config: missing }), { name: 'default' });
    assert.deepEqual(environmentFromFlags({ environment: 'default', config: missing }), { name: 'default' });
  });

  it('accepts a configured environment and gives it its own task queue', () => {
    const environment = environmentFromFlags({ environment: 'prod', config: configFile });
    assert.equal(environment.name, 'prod');
    assert.equal(taskQueueOf(environment, 'imply-runbooks'), 'imply-runbooks-env-prod');
    assert.equal(taskQueueOf({ name: 'default' }, 'imply-runbooks'), 'imply-runbooks');
  });

  it('refuses an unknown environment, listing the known ones', () => {
    assert.throws(
      () => environmentFromFlags({ environment: 'qa' }, {}, config),
      /--environment "qa" is not a configured environment \(known: default, prod, staging\)/,
    );
  });

  it("refuses the default environment's URL flags with a named environment", () => {
    assert.throws(
      () => environmentFromFlags({ environment: 'prod', apiUrl: 'http://127.0.0.1:2/api/v1' }, {}, config),
      /--api-url and --vanity-domain set the default environment's API; environment "prod" takes its API from the configuration file/,
    );
  });

  it("builds the named environment's client from the configuration and the variable it names", () => {
    const api = cliApiClient({ environment: 'staging' }, { IMPLY_STAGING_TOKEN: 'secret-staging' }, config);
    assert.equal(api.baseUrl, 'https://acme-staging.implycloud.com/api/v1');
    assert.throws(
      () => cliApiClient({ environment: 'prod' }, { IMPLY_TOKEN: 'the-default-one' }, config),
      /environment "prod": the variable IMPLY_PROD_TOKEN \(environments\.prod\.auth\.tokenEnv\) is not set/,
    );
  });

  it('stops every command that starts a runbook or a schedule before anything starts when the name is unknown', async () => {
    const commands = [
      ['run', 'lifecycle', '--spec', 'examples/tutorial-cluster.json', '--no-approval'],
      ['stop', UID],
      ['start', UID],
      ['fleet', 'run', '--action', 'stop', '--select', 'env=test'],
      ['scale', UID, '--set', 'data.tier1.replicas=2'],
      ['delete', UID],
      ['keep-alive', UID, '--until', '1h', '--reason', 'demo'],
      [
        'schedule',
        'create',
        'nightly',
        '--stop',
        'Mon-Fri 19:00',
        '--start',
        'Mon-Fri 07:00',
        '--timezone',
        'UTC',
        '--select',
        'env=test',
      ],
    ];
    const runs = await Promise.all(
      commands.map((args) => runCli([...args, '--environment', 'prdo'], NO_TEMPORAL)),
    );
    runs.forEach((run, index) => {
      const what = commands[index]!.slice(0, 2).join(' ');
      assert.equal(run.code, 2, `${what} (bad input): ${run.stdout}`);
      assert.match(
        run.stderr,
        /--environment "prdo" is not a configured environment \(known: default, prod, staging\)/,
        what,
      );
      assert.doesNotMatch(run.stderr, /connect|Temporal/i, what);
    });
  });
});
