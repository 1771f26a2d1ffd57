import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { authProblem, triggerSecretsFromEnv } from '../../src/triggers/trigger-auth';
import { signatureHeaders, SignatureVerifier } from '../../src/triggers/trigger-signature';
import { parseTriggerPayload, PayloadProblem } from '../../src/triggers/trigger-payload';

const ALERTMANAGER = {
  version: '4',
  groupKey: '{}:{alertname="DruidQueryLoad"}',
  status: 'firing',
  receiver: 'imply-runbooks',
  groupLabels: { alertname: 'DruidQueryLoad' },
  commonLabels: { alertname: 'DruidQueryLoad', cluster: 'orders' },
  commonAnnotations: {},
  externalURL: 'http://alertmanager:9093',
  alerts: [
    {
      status: 'firing',
      labels: { alertname: 'DruidQueryLoad', node_group: 'query', replicas: '5' },
      annotations: { summary: 'broker CPU above 80% for 10m' },
      fingerprint: 'a1',
    },
    {
      status: 'resolved',
      labels: { cluster: 'orders', node_group: 'query', replicas: '3' },
      fingerprint: 'a2',
    },
    {
      status: 'firing',
      labels: { cluster: 'billing', set: 'data.tier1.replicas=4,data.tier1.instanceType=m5.large' },
    },
    { status: 'firing', labels: { cluster: 'orders', node_group: 'data.tier7', replicas: '2' } },
  ],
};

describe('trigger bodies and their authentication', () => {
  it('turns each firing Alertmanager alert into a scale of the cluster its labels name, and says what it ignored', () => {
    const parsed = parseTriggerPayload(ALERTMANAGER);
    assert.equal(parsed.format, 'alertmanager');
    assert.deepEqual(parsed.triggers, [
      {
        cluster: 'orders',
        request: {
          kind: 'scale',
          changes: [{ path: 'spec.query.replicas', value: 5 }],
          requester: 'alertmanager',
          source: 'alertmanager',
          reason: 'alert: broker CPU above 80% for 10m',
        },
      },
      {
        cluster: 'billing',
        request: {
          kind: 'scale',
          changes: [
            { path: 'spec.data.tier1.replicas', value: 4 },
            { path: 'spec.data.tier1.instanceType', value: 'm5.large' },
          ],
          requester: 'alertmanager',
          source: 'alertmanager',
          reason: 'alert: DruidQueryLoad',
        },
      },
    ]);
    assert.deepEqual(parsed.ignored, [
      'alerts[1]: resolved, not firing: nothing to do',
      'alerts[3].labels.node_group: must name a node group (master, query, data.tier1, data.tier2, data.tier3), or give set: data.tier1.replicas=4',
    ]);
  });

  it('takes our own JSON and names the field at fault in a bad one', () => {
    const parsed = parseTriggerPayload({
      cluster: 'orders',
      set: { 'data.tier1.replicas': 4 },
      reason: 'backfill',
    });
    assert.deepEqual(parsed.triggers[0]?.request, {
      kind: 'scale',
      changes: [{ path: 'spec.data.tier1.replicas', value: 4 }],
      requester: 'http-trigger',
      source: 'http',
      reason: 'backfill',
    });
    const problem = (body: unknown) => {
      try {
        parseTriggerPayload(body);
      } catch (error) {
        assert.ok(error instanceof PayloadProblem);
        return error.message;
      }
      return assert.fail('accepted');
    };
    assert.equal(problem([1, 2]), 'body: must be a JSON object');
    assert.equal(problem({ set: ['data.tier1.replicas=2'] }), 'cluster: name the cluster by uid or name');
    for (const forged of ['orders\n[web] approved by alice', 'orders\u001b[2K', 'orders\u0085x']) {
      assert.match(
        problem({ cluster: forged, set: ['data.tier1.replicas=2'] }),
        /^cluster: must not contain control characters/,
      );
      // One bad alert of a batch is set aside with the reason, as any other bad alert is.
      const alert = parseTriggerPayload({
        alerts: [{ status: 'firing', labels: { cluster: forged, node_group: 'data.tier1', replicas: '2' } }],
      });
      assert.deepEqual(alert.triggers, []);
      assert.match(
        alert.ignored[0] ?? '',
        /^alerts\[0\]\.labels\.cluster: must not contain control characters/,
      );
    }
    assert.match(problem({ cluster: 'orders', set: ['replicas'] }), /^set: "replicas" is not a change/);
    assert.equal(
      problem({ cluster: 'orders', set: [] }),
      'set: give the fields to set, e.g. {"data.tier1.replicas": 4}',
    );
  });

  it('accepts the right bearer token or a fresh HMAC-SHA256 signature of timestamp and body, and nothing else', () => {
    const secrets = triggerSecretsFromEnv({
      IMPLY_RUNBOOKS_TRIGGER_TOKEN: 'token-0123456789abcdef',
      IMPLY_RUNBOOKS_TRIGGER_SECRET: 'secret-0123456789abcdef',
    });
    assert.equal(secrets.signatureToleranceMs, 5 * 60_000);
    const verifier = new SignatureVerifier({ secret: secrets.hmacSecret! });
    const body = Buffer.from('{"cluster":"orders"}');
    const check = (headers: Record<string, string>, sent = body) =>
      authProblem(headers, sent, secrets, verifier);
    assert.equal(check({ authorization: 'Bearer token-0123456789abcdef' }), undefined);
    assert.deepEqual(check({ authorization: 'Bearer token-0123456789abcdeX' }), {
      status: 401,
      message: 'the bearer token is not valid',
    });
    const signed = signatureHeaders(body, 'secret-0123456789abcdef');
    assert.match(signed['x-imply-runbooks-signature'], /^sha256=[0-9a-f]{64}$/);
    assert.match(
      check(signed, Buffer.from('{"cluster":"billing"}'))?.message ?? '',
      /signature does not match the timestamp and body/,
    );
    // A wrong bearer token beside a good signature: the signature decides.
    assert.equal(check({ ...signed, authorization: 'Bearer wrong-token-wrong-token' }), undefined);
    assert.equal(check(signed)?.status, 409);
    assert.match(check({})?.message ?? '', /^authenticate with Authorization: Bearer/);
    assert.match(
      authProblem({ authorization: 'Bearer token-0123456789abcdef' }, body, {})?.message ?? '',
      /not valid/,
    );
    assert.match(
      authProblem(signatureHeaders(body, 'secret-0123456789abcdef'), body, {
        token: 'token-0123456789abcdef',
      })?.message ?? '',
      /this server takes no signed triggers \(IMPLY_RUNBOOKS_TRIGGER_SECRET is not set\)/,
    );
    assert.throws(
      () => triggerSecretsFromEnv({ IMPLY_RUNBOOKS_TRIGGER_TOKEN: 'short' }),
      /IMPLY_RUNBOOKS_TRIGGER_TOKEN is shorter than 16/,
    );
  });
});
