import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { LOCAL_DEFAULTS, parseConfigText } from '../../src/config';
import { createLogger } from '../../src/observability/logger';
import { pinoWebLog, webObservability } from '../../src/observability/web-log';
import { pendingRunbook } from './fake-temporal';
import { cookieFrom, csrfFrom, startTestWeb, type TestWeb } from './web-harness';

const RUNBOOK = 'lifecycle:clusters-example';
const ALICE_TOKEN = 'web-log-alice-0123456789abcdef';

/** JSON log records, as `imply-runbooks web` writes them with IMPLY_RUNBOOKS_LOG_FORMAT=json. */
function jsonLog(env: Record<string, string> = {}) {
  const lines: string[] = [];
  const logger = createLogger({
    level: 'INFO',
    format: 'json',
    component: 'web',
    env,
    destination: { write: (line: string) => void lines.push(line) },
  });
  const records = () => lines.map((line) => JSON.parse(line) as Record<string, unknown>);
  return { log: pinoWebLog(logger), lines, records };
}

describe('web server logs', () => {
  const { log, lines, records } = jsonLog({ IMPLY_RUNBOOKS_TOKEN_ALICE: ALICE_TOKEN });
  let web: TestWeb;
  before(async () => {
    web = await startTestWeb({ tokens: { alice: ALICE_TOKEN }, log });
    web.temporal.runbooks.set(RUNBOOK, pendingRunbook());
  });
  after(() => web.server.close());

  it('writes a sign-in and a decision as JSON with the user and runbook id, and never the token', async () => {
    const login = await web.request(`/login?token=${encodeURIComponent(ALICE_TOKEN)}`);
    assert.equal(login.status, 200);
    const cookie = cookieFrom(login);
    const page = await web.request(`/approvals/${encodeURIComponent(RUNBOOK)}`, {
      headers: { Cookie: cookie },
    });
    const answer = await web.postDecision(
      RUNBOOK,
      { decision: 'approve', planVersion: '1', csrf: csrfFrom(page) },
      { Cookie: cookie },
    );
    assert.equal(answer.status, 303);

    const signIn = records().find((record) => record.msg === 'alice signed in with a token');
    assert.equal(signIn?.user, 'alice');
    assert.equal(signIn?.component, 'web');
    const decision = records().find((record) => String(record.msg).includes('approve'));
    assert.deepEqual(
      {
        level: decision?.level,
        msg: decision?.msg,
        runbookId: decision?.runbookId,
        user: decision?.user,
      },
      {
        level: 'info',
        msg: `alice approve ${RUNBOOK} plan v1: accepted, gate approved (1 of 1)`,
        runbookId: RUNBOOK,
        user: 'alice',
      },
    );
    assert.doesNotMatch(lines.join('\n'), new RegExp(ALICE_TOKEN));
  });

  it('writes a refused decision as a warning with the runbook id', async () => {
    web.temporal.runbooks.set(RUNBOOK, pendingRunbook());
    const carol = await web.signInByHeader('carol');
    const answer = await web.postDecision(
      RUNBOOK,
      { decision: 'approve', planVersion: '1', csrf: carol.csrf },
      { Cookie: carol.cookie, 'X-Forwarded-User': 'carol' },
    );
    assert.equal(answer.status, 409);
    const refused = records().find((record) => String(record.msg).startsWith(`carol approve ${RUNBOOK}`));
    assert.equal(refused?.level, 'warn');
    assert.equal(refused?.runbookId, RUNBOOK);
    assert.match(String(refused?.msg), /refused \(409\)/);
  });
});

describe('web server logger settings', () => {
  it('logs at INFO unless a level is set, in the format the observability settings give', () => {
    assert.equal(webObservability(LOCAL_DEFAULTS, {}).logger.level, 'info');
    assert.equal(
      webObservability(LOCAL_DEFAULTS, { IMPLY_RUNBOOKS_LOG_LEVEL: 'error' }).logger.level,
      'error',
    );
    const config = parseConfigText('observability:\n  logLevel: warn\n  logFormat: json\n', 'test.yaml');
    const fromFile = webObservability(config, {});
    assert.equal(fromFile.logger.level, 'warn');
    assert.equal(fromFile.settings.logFormat, 'json');
  });
});
