import { MockAgent } from 'undici';
import type { ClusterRequest } from '../../src/cloud-manager/schemas/cluster';
import { tutorialCreateRequest } from '../../src/emulator/tutorial-request';

/** Shared test data: the tutorial's cluster, and a MockAgent that refuses real network use. */

export const API_ORIGIN = 'https://acme.implycloud.com';
export const API_BASE = `${API_ORIGIN}/api/v1`;
export const CLUSTER_ID = 'def4e7c4-bc06-42f3-95cd-e7bff1885808';

/** The body of the tutorial's create request (step 2), with a real deep storage path. */
export function tutorialRequest(): ClusterRequest {
  return tutorialCreateRequest({ awsRole: 'imply-role', deepStoragePath: 's3://my-bucket/prefix' });
}

/** A cluster as the API answers it, with a status and a field this client does not know. */
export function tutorialCluster(overrides: { name?: string; state?: string; resourceVersion?: number } = {}) {
  const request = tutorialRequest();
  return {
    metadata: { name: overrides.name ?? request.metadata.name, uid: CLUSTER_ID },
    spec: { ...request.spec, awsTags: [], pivot: { accessMode: 'PROXIED' } },
    status: { state: overrides.state ?? 'RUNNING', resourceVersion: overrides.resourceVersion ?? 0 },
    servers: [{ id: 'i-123' }],
  };
}

/** A MockAgent that records calls and fails any request it has no interceptor for. */
export function mockAgent(): MockAgent {
  const agent = new MockAgent({ enableCallHistory: true });
  agent.disableNetConnect();
  return agent;
}

export const JSON_HEADERS = { 'content-type': 'application/json' };
