import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CloudManagerRejected } from '../../src/cloud-manager/errors';
import { clusterRequestSchema } from '../../src/cloud-manager/schemas/cluster';
import {
  parseClusterPatch,
  parseClusterRequest,
  zodIssuesToDetails,
} from '../../src/cloud-manager/validation';
import { tutorialCluster, tutorialRequest } from './fixtures';

function rejectionOf(action: () => unknown): CloudManagerRejected {
  try {
    action();
  } catch (error) {
    assert.ok(error instanceof CloudManagerRejected, `expected CloudManagerRejected, got ${String(error)}`);
    return error;
  }
  assert.fail('expected the input to be rejected');
}

describe('request validation', () => {
  it('accepts the tutorial request, and a cluster as GET returns it for PUT', () => {
    assert.equal(parseClusterRequest(tutorialRequest()).metadata.name, 'clusters-example');
    const { servers: _servers, ...asReturned } = tutorialCluster();
    assert.equal(parseClusterRequest(asReturned).spec.data.tier1.replicas, 1);
  });

  it('reports missing and null values as NullValue at their JSON path', () => {
    const request = structuredClone(tutorialRequest()) as unknown as {
      metadata: object;
      spec: Record<string, unknown>;
    };
    request.metadata = { name: null };
    request.spec.data = { tier1: { instanceType: 't2.small' } };
    request.spec.awsTags = [{ name: 'team' }];
    const error = rejectionOf(() => parseClusterRequest(request));
    assert.equal(error.status, 400);
    assert.equal(error.code, 'BadArgument');
    assert.deepEqual(
      error.details.map((detail) => [detail.code, detail.target]),
      [
        ['NullValue', 'metadata.name'],
        ['NullValue', 'spec.awsTags[0].value'],
        ['NullValue', 'spec.data.tier1.replicas'],
      ],
    );
    assert.match(error.message, /metadata\.name: must not be null/);
    assert.match(error.message, /spec\.data\.tier1\.replicas: is required/);
  });

  it('reports wrong values as MalformedValue with the schema message', () => {
    const request = structuredClone(tutorialRequest());
    request.spec.master.replicas = 0;
    request.spec.deepStorage.path = '/not/s3';
    const error = rejectionOf(() => parseClusterRequest(request));
    assert.deepEqual(error.details, [
      { code: 'MalformedValue', target: 'spec.master.replicas', message: 'must be at least 1' },
      {
        code: 'MalformedValue',
        target: 'spec.deepStorage.path',
        message: 'must be an S3 path such as s3://my-bucket/prefix',
      },
    ]);
  });

  it('reports each unknown field at its own path', () => {
    const request = { ...tutorialRequest(), extra: 1, spec: { ...tutorialRequest().spec, foo: 1, bar: 2 } };
    const error = rejectionOf(() => parseClusterRequest(request));
    assert.deepEqual(
      error.details.map((detail) => detail.target),
      ['spec.foo', 'spec.bar', 'extra'],
    );
    assert.match(error.details[0]?.message ?? '', /not an allowed field/);
  });

  it('reads the offending value from issues parsed with reportInput', () => {
    const result = clusterRequestSchema.safeParse({ metadata: { name: 5 } }, { reportInput: true });
    assert.ok(!result.success);
    const details = zodIssuesToDetails(result.error.issues);
    assert.deepEqual(details[0], {
      code: 'MalformedValue',
      target: 'metadata.name',
      message: 'Invalid input: expected string, received number',
    });
    assert.equal(details[1]?.code, 'NullValue');
  });

  it('validates merge patches', () => {
    assert.deepEqual(parseClusterPatch({ spec: { desiredState: 'STOPPED' } }), {
      spec: { desiredState: 'STOPPED' },
    });
    assert.deepEqual(rejectionOf(() => parseClusterPatch({ state: 'x' })).details[0]?.target, 'state');
    assert.equal(rejectionOf(() => parseClusterPatch(null)).details[0]?.target, 'body');
  });
});
