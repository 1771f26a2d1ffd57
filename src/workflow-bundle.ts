import { existsSync } from 'node:fs';
import path from 'node:path';
import {
  DefaultLogger,
  bundleWorkflowCode,
  type BundleOptions,
  type WorkflowBundlePath,
  type WorkflowBundleWithSourceMap,
} from '@temporalio/worker';

/** Names a workflow bundle built ahead of time (`scripts/bundle-workflows.ts`, done in the Docker image). */
export const WORKFLOW_BUNDLE_VARIABLE = 'IMPLY_RUNBOOKS_WORKFLOW_BUNDLE';

export type WorkflowCode = WorkflowBundleWithSourceMap | WorkflowBundlePath;

const bundles = new Map<string, Promise<WorkflowCode>>();

/**
 * What the bundle holds: every workflow, the interceptors that count runbooks and tag their logs,
 * and the failure converter when payloads are encrypted (it must run inside the workflow too).
 */
export function workflowBundleOptions(failureConverterPath?: string): BundleOptions {
  return {
    workflowsPath: require.resolve('./workflows'),
    workflowInterceptorModules: [require.resolve('./observability/workflow-interceptors')],
    ...(failureConverterPath ? { failureConverterPath } : {}),
    logger: new DefaultLogger('WARN'),
  };
}

/** The prebuilt file for encrypted payloads beside the plain one: `x.js` → `x.encrypted.js`. Pure. */
export function encryptedBundlePath(file: string): string {
  return file.replace(/(\.js)?$/, '.encrypted.js');
}

function prebuiltBundle(file: string, encrypted: boolean): WorkflowBundlePath {
  const codePath = path.resolve(encrypted ? encryptedBundlePath(file) : file);
  if (!existsSync(codePath)) {
    throw new Error(
      `${WORKFLOW_BUNDLE_VARIABLE}=${file}: ${codePath} does not exist: build it with ` +
        '`npx tsx scripts/bundle-workflows.ts`, or unset the variable to bundle the workflow code at start',
    );
  }
  return { codePath };
}

/**
 * The workflow code for workers: the prebuilt file IMPLY_RUNBOOKS_WORKFLOW_BUNDLE names (its
 * `.encrypted.js` twin with a failure converter), else a bundle made once per process and converter,
 * shared by every worker created here. Reads files only.
 */
export async function getWorkflowBundle(
  failureConverterPath?: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<WorkflowCode> {
  const file = env[WORKFLOW_BUNDLE_VARIABLE]?.trim();
  if (file) return prebuiltBundle(file, Boolean(failureConverterPath));
  const key = failureConverterPath ?? '';
  let bundle = bundles.get(key);
  if (!bundle) {
    bundle = bundleWorkflowCode(workflowBundleOptions(failureConverterPath));
    bundles.set(key, bundle);
  }
  return bundle;
}
