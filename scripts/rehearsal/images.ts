import path from 'node:path';
import { readDockerfile } from '../lib/docker-files';
import type { TemporalServerBuild } from '../build-temporal-server';

/**
 * What each image of docker-compose.yml brings, natively: its working directory, the files it holds
 * (container path → host path), its environment, entrypoint and default command, and the ports it
 * listens on. The product's image is read from the Dockerfile's last stage; the Temporal images are
 * described from their Dockerfiles (temporalio/temporal docker/targets) and run our own build.
 */

const ROOT = path.resolve(__dirname, '../..');

export interface ImageFacts {
  workdir: string;
  files: Record<string, string>;
  env: Record<string, string>;
  entrypoint: string[];
  command: string[];
  /** Ports the image listens on whatever the compose file says (its EXPOSE, its config's defaults). */
  ports: number[];
  /** Directories put first on PATH (the image's tools). */
  path: string[];
}

export interface ImageInputs {
  build: TemporalServerBuild;
  /** The pinned Temporal CLI's folder (.tools/temporal/bin): admin-tools' `temporal`. */
  temporalCliDirectory: string;
  /** Where the rehearsal bundled the workflow code, as the Dockerfile's build stage does. */
  bundleDirectory: string;
}

/** The Temporal server's listening ports and the variables of its config template that move them. */
export const TEMPORAL_SERVER_PORTS: Record<string, number> = {
  FRONTEND_GRPC_PORT: 7233,
  FRONTEND_HTTP_PORT: 7243,
  INTERNAL_FRONTEND_HTTP_PORT: 7246,
  FRONTEND_MEMBERSHIP_PORT: 6933,
  HISTORY_GRPC_PORT: 7234,
  HISTORY_MEMBERSHIP_PORT: 6934,
  MATCHING_GRPC_PORT: 7235,
  MATCHING_MEMBERSHIP_PORT: 6935,
  WORKER_GRPC_PORT: 7239,
  WORKER_MEMBERSHIP_PORT: 6939,
};

/** The ENV, WORKDIR, ENTRYPOINT and CMD of the Dockerfile's last stage. Reads the Dockerfile. */
export function productImage(inputs: ImageInputs): ImageFacts {
  const instructions = readDockerfile();
  const lastStage = instructions.at(-1)?.stage;
  const runtime = instructions.filter((instruction) => instruction.stage === lastStage);
  const last = (keyword: string) => runtime.filter((i) => i.keyword === keyword).at(-1)?.args ?? '';
  const env: Record<string, string> = {};
  for (const instruction of runtime.filter((i) => i.keyword === 'ENV')) {
    for (const [, key, value] of instruction.args.matchAll(/([A-Za-z_][A-Za-z0-9_]*)=("[^"]*"|\S+)/g)) {
      env[key!] = value!.replace(/^"|"$/g, '');
    }
  }
  const workdir = last('WORKDIR') || '/';
  const bundle = env.IMPLY_RUNBOOKS_WORKFLOW_BUNDLE;
  return {
    workdir,
    // The image is this repository at WORKDIR, with the bundle the build stage writes.
    files: {
      [workdir]: ROOT,
      ...(bundle ? { [path.posix.dirname(bundle)]: inputs.bundleDirectory } : {}),
    },
    env,
    entrypoint: JSON.parse(last('ENTRYPOINT') || '[]') as string[],
    command: JSON.parse(last('CMD') || '[]') as string[],
    ports: last('EXPOSE').split(/\s+/).filter(Boolean).map(Number),
    path: [],
  };
}

/** The facts of one image of docker-compose.yml (`builtHere`: it has `build: .`); throws for one the rehearsal cannot run. */
export function imageFacts(image: string, builtHere: boolean, inputs: ImageInputs): ImageFacts {
  if (builtHere) return productImage(inputs);
  const name = image.split(':')[0]!;
  if (name === 'temporalio/server') {
    // Its entrypoint.sh: `exec temporal-server start`, in /etc/temporal.
    return {
      workdir: '/etc/temporal',
      files: {},
      // The config template's defaults, said out loud so that each moves to this instance's port.
      env: Object.fromEntries(
        Object.entries(TEMPORAL_SERVER_PORTS).map(([key, port]) => [key, String(port)]),
      ),
      entrypoint: [inputs.build.server],
      command: ['start'],
      ports: Object.values(TEMPORAL_SERVER_PORTS),
      path: [],
    };
  }
  if (name === 'postgres') {
    // Inside the container pg_isready finds the server by default; here it is told where.
    return {
      workdir: '/',
      files: {},
      env: { PGHOST: '127.0.0.1', PGPORT: '5432' },
      entrypoint: [],
      command: [],
      ports: [5432],
      path: [],
    };
  }
  if (name === 'temporalio/admin-tools') {
    return {
      workdir: '/etc/temporal',
      files: { '/etc/temporal/schema': inputs.build.schemaDirectory },
      // setup-schema.sh's default, said out loud so that it maps to the build's schema folder.
      env: { SCHEMA_DIR: '/etc/temporal/schema/postgresql/v12' },
      entrypoint: [],
      command: [],
      ports: [],
      path: [inputs.build.binDirectory, inputs.temporalCliDirectory],
    };
  }
  throw new Error(`image ${image}: the rehearsal has no native stand-in for it`);
}
