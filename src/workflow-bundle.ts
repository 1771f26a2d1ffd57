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

/** Which workflow bundle: with the failure converter of encrypted payloads, with tracing. */
export interface BundleVariant {
  failureConverterPath?: string;
  /** Adds the OpenTelemetry workflow interceptors (src/observability/tracing.ts). */
  traced?: boolean;
}

/** The OpenTelemetry workflow interceptor module, resolved from here (not exported by its package). */
const TRACING_INTERCEPTORS = '@temporalio/interceptors-opentelemetry/lib/workflow-interceptors';

/**
 * What the bundle holds: every workflow, the interceptors that count runbooks and tag their logs
 * (and trace them, when traced), and the failure converter when payloads are encrypted (it must run
 * inside the workflow too).
 */
export function workflowBundleOptions(
  failureConverterPath?: string,
  { traced = false }: Pick<BundleVariant, 'traced'> = {},
): BundleOptions {
  return {
    workflowsPath: require.resolve('./workflows'),
    workflowInterceptorModules: [
      ...(traced ? [require.resolve(TRACING_INTERCEPTORS)] : []),
      require.resolve('./observability/workflow-interceptors'),
    ],
    ...(failureConverterPath ? { failureConverterPath } : {}),
    logger: new DefaultLogger('WARN'),
  };
}

/** The prebuilt file for encrypted payloads beside the plain one: `x.js` → `x.encrypted.js`. Pure. */
export function encryptedBundlePath(file: string): string {
  return file.replace(/(\.js)?$/, '.encrypted.js');
}

/** The prebuilt traced twin of a bundle file: `x.js` → `x.traced.js`, `x.encrypted.js` → `x.encrypted.traced.js`. Pure. */
export function tracedBundlePath(file: string): string {
  return file.replace(/(\.js)?$/, '.traced.js');
}

function prebuiltBundle(file: string, encrypted: boolean, traced: boolean): WorkflowBundlePath {
  const plainOrEncrypted = encrypted ? encryptedBundlePath(file) : file;
  const codePath = path.resolve(traced ? tracedBundlePath(plainOrEncrypted) : plainOrEncrypted);
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
 * `.encrypted.js` twin with a failure converter, its `.traced.js` twin with tracing), else a bundle
 * made once per process and variant, shared by every worker created here. Reads files only.
 */
export async function getWorkflowBundle(
  failureConverterPath?: string,
  env: NodeJS.ProcessEnv = process.env,
  { traced = false }: Pick<BundleVariant, 'traced'> = {},
): Promise<WorkflowCode> {
  const file = env[WORKFLOW_BUNDLE_VARIABLE]?.trim();
  if (file) return prebuiltBundle(file, Boolean(failureConverterPath), traced);
  const key = `${failureConverterPath ?? ''}|${traced}`;
  let bundle = bundles.get(key);
  if (!bundle) {
    bundle = bundleWorkflowCode(workflowBundleOptions(failureConverterPath, { traced }));
    bundles.set(key, bundle);
  }
  return bundle;
}
