/**
 * Bundles the workflow code ahead of time, so a worker starts without webpack (the Docker image does
 * this at build time and sets IMPLY_RUNBOOKS_WORKFLOW_BUNDLE to the file). Writes two files: the plain
 * bundle, its `.encrypted.js` twin with the failure converter that encrypted payloads need, and the
 * `.traced.js` twin of each with the OpenTelemetry workflow interceptors (used when tracing is on).
 *
 *   npx tsx scripts/bundle-workflows.ts                 writes dist/workflow-bundle.js (+ 3 twins)
 *   npx tsx scripts/bundle-workflows.ts <file>          writes <file> (+ its twins)
 *   IMPLY_RUNBOOKS_WORKFLOW_BUNDLE=dist/workflow-bundle.js imply-runbooks worker
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import { FAILURE_CONVERTER_PATH } from '../src/codec/data-converter';
import {
  encryptedBundlePath,
  tracedBundlePath,
  workflowBundleOptions,
  type BundleVariant,
} from '../src/workflow-bundle';

const ROOT = path.resolve(__dirname, '..');

async function writeOne(file: string, { failureConverterPath, traced }: BundleVariant): Promise<void> {
  const { code } = await bundleWorkflowCode(workflowBundleOptions(failureConverterPath, { traced }));
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, code);
}

/**
 * Writes the bundle (source map inline), its encrypted twin and the traced twin of each; returns the
 * paths. Overwrites: safe to rerun.
 */
export async function writeWorkflowBundles(file: string): Promise<string[]> {
  const written: string[] = [];
  for (const failureConverterPath of [undefined, FAILURE_CONVERTER_PATH]) {
    const plain = failureConverterPath ? encryptedBundlePath(file) : file;
    for (const traced of [false, true]) {
      const target = traced ? tracedBundlePath(plain) : plain;
      await writeOne(target, { failureConverterPath, traced });
      written.push(target);
    }
  }
  return written;
}

if (require.main === module) {
  const file = path.resolve(process.argv[2] ?? path.join(ROOT, 'dist/workflow-bundle.js'));
  writeWorkflowBundles(file).then(
    (files) =>
      console.log(`Wrote ${files.map((written) => path.relative(process.cwd(), written)).join(' and ')}`),
    (error: unknown) => {
      console.error(
        `cannot bundle the workflow code: ${error instanceof Error ? error.message : String(error)}`,
      );
      process.exit(1);
    },
  );
}
