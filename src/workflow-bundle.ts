import { DefaultLogger, bundleWorkflowCode, type WorkflowBundleWithSourceMap } from '@temporalio/worker';

let workflowBundle: Promise<WorkflowBundleWithSourceMap> | undefined;

/** Bundles the workflow code once per process; every worker created here shares the bundle. */
export function getWorkflowBundle(): Promise<WorkflowBundleWithSourceMap> {
  workflowBundle ??= bundleWorkflowCode({
    workflowsPath: require.resolve('./workflows'),
    logger: new DefaultLogger('WARN'),
  });
  return workflowBundle;
}
