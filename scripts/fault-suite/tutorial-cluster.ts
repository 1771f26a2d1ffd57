import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseClusterRequest } from '../../src/cloud-manager/validation';

/** The tutorial's cluster (examples/tutorial-cluster.json), the spec of every runbook in the suite. */
export const TUTORIAL_CLUSTER = parseClusterRequest(
  JSON.parse(readFileSync(path.resolve(__dirname, '../../examples/tutorial-cluster.json'), 'utf8')),
);
