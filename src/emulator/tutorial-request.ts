import type { ClusterRequest } from '../cloud-manager/schemas/cluster';

/**
 * The body of the tutorial's create request (Step 2), its `{aws_role}` and `{deepstorage_path}`
 * placeholders filled with the given values. Pure; the one copy the banner and the tests share.
 */
export function tutorialCreateRequest(values: {
  name?: string;
  awsRole: string;
  deepStoragePath: string;
}): ClusterRequest {
  return {
    metadata: { name: values.name ?? 'clusters-example' },
    spec: {
      version: '2021.10',
      awsInstanceRole: values.awsRole,
      encryptVolumes: true,
      master: { replicas: 3, instanceType: 't2.small' },
      query: { replicas: 3, instanceType: 't2.small' },
      data: { tier1: { replicas: 1, instanceType: 't2.small' } },
      metadataStore: {
        instanceType: 'db.t3.small',
        diskSize: 20,
        backupRetention: 14,
        encrypt: true,
        monitoring: true,
      },
      deepStorage: { path: values.deepStoragePath },
    },
  };
}
