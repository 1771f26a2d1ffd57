import fs from 'node:fs';
import path from 'node:path';

/** Where `scripts/install-temporal.js` puts the pinned binaries, relative to the project root. */
export const LOCAL_TEMPORAL_BIN_DIR = path.join('.tools', 'temporal', 'bin');

const INSTALL_HINT = 'run `npm install` (or `node scripts/install-temporal.js`)';

/** The folder holding this project's package.json, found by walking up from this file. */
export function projectRoot(start = __dirname): string {
  let directory = start;
  for (;;) {
    const manifest = path.join(directory, 'package.json');
    if (fs.existsSync(manifest) && readPackageName(manifest) === 'imply-runbooks') return directory;
    const parent = path.dirname(directory);
    if (parent === directory) throw new Error(`cannot find the imply-runbooks package.json above ${start}`);
    directory = parent;
  }
}

function readPackageName(manifest: string): string | undefined {
  try {
    return (JSON.parse(fs.readFileSync(manifest, 'utf8')) as { name?: string }).name;
  } catch {
    return undefined;
  }
}

function isExecutableFile(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

function fromVariable(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const value = env[name];
  if (!value) return undefined;
  const absolute = path.resolve(value);
  if (!isExecutableFile(absolute)) {
    throw new Error(`${name}=${value} is not an executable file: point it at the binary, or unset it`);
  }
  return fs.realpathSync(absolute);
}

function onPath(env: NodeJS.ProcessEnv, program: string): string | undefined {
  for (const directory of (env.PATH ?? '').split(path.delimiter)) {
    if (!directory) continue;
    const candidate = path.resolve(directory, program);
    if (isExecutableFile(candidate)) return fs.realpathSync(candidate);
  }
  return undefined;
}

function inProject(root: string, program: string): string | undefined {
  const candidate = path.join(root, LOCAL_TEMPORAL_BIN_DIR, program);
  return isExecutableFile(candidate) ? candidate : undefined;
}

/**
 * Absolute path of the Temporal CLI: $TEMPORAL_CLI_PATH, else `temporal` on PATH, else the
 * project-local install. Reads only; throws with the fix when none is found.
 */
export function findTemporalCli(env: NodeJS.ProcessEnv = process.env, root = projectRoot()): string {
  const found =
    fromVariable(env, 'TEMPORAL_CLI_PATH') ?? onPath(env, 'temporal') ?? inProject(root, 'temporal');
  if (found) return found;
  throw new Error(
    'Temporal CLI not found: TEMPORAL_CLI_PATH is not set, `temporal` is not on PATH, and ' +
      `${path.join(root, LOCAL_TEMPORAL_BIN_DIR, 'temporal')} does not exist. ` +
      `To fix: ${INSTALL_HINT}, or set TEMPORAL_CLI_PATH to a temporal binary.`,
  );
}

/**
 * Absolute path of the Java time-skipping test server: $TEMPORAL_TEST_SERVER_PATH, else the
 * project-local install. Reads only; throws with the fix when none is found.
 */
export function findTimeSkippingTestServer(
  env: NodeJS.ProcessEnv = process.env,
  root = projectRoot(),
): string {
  const found = fromVariable(env, 'TEMPORAL_TEST_SERVER_PATH') ?? inProject(root, 'temporal-test-server');
  if (found) return found;
  throw new Error(
    'Temporal time-skipping test server not found: TEMPORAL_TEST_SERVER_PATH is not set and ' +
      `${path.join(root, LOCAL_TEMPORAL_BIN_DIR, 'temporal-test-server')} does not exist. ` +
      `To fix: ${INSTALL_HINT}, or set TEMPORAL_TEST_SERVER_PATH to a temporal-test-server binary.`,
  );
}
