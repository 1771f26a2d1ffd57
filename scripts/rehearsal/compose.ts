import { readFileSync } from 'node:fs';
import { parse } from 'yaml';

/**
 * docker-compose.yml as the rehearsal reads it: the services with their command, environment, ports,
 * volumes and health check, after `${VAR:-default}` interpolation from an environment, as
 * docker-compose does it. Only the parts the rehearsal uses are read; anything else is left alone.
 */

export interface ComposeVolume {
  /** `./deploy/temporal` (a path beside the compose file) or a named volume (`temporal-db`). */
  source: string;
  target: string;
  named: boolean;
}

export interface ComposeService {
  name: string;
  image: string;
  /** It has `build:`: the image is the product's Dockerfile. */
  builtHere: boolean;
  /** Empty when the image's own command runs. */
  command: string[];
  entrypoint: string[];
  environment: Record<string, string>;
  /** Ports the service listens on inside its container (`ports` container sides and `expose`). */
  containerPorts: number[];
  volumes: ComposeVolume[];
  profiles: string[];
  /** The health check's command, `CMD` or `CMD-SHELL` first; empty without one. */
  healthcheck: string[];
}

export class ComposeProblem extends Error {}

const VARIABLE = /\$(?:\$|\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}|([A-Za-z_][A-Za-z0-9_]*))/g;

/** One value with `$$`, `$VAR`, `${VAR}`, `${VAR:-default}`, `${VAR-default}`, `${VAR:?error}` resolved. Pure. */
export function interpolate(value: string, env: NodeJS.ProcessEnv, where = 'docker-compose.yml'): string {
  return value.replace(
    VARIABLE,
    (match, braced?: string, operator?: string, argument?: string, bare?: string) => {
      if (match === '$$') return '$';
      const name = (braced ?? bare) as string;
      const current = env[name];
      const missing = operator?.startsWith(':') ? !current : current === undefined;
      if (!operator || !missing) return current ?? '';
      if (operator.endsWith('-')) return interpolate(argument ?? '', env, where);
      throw new ComposeProblem(`${where}: ${name} is required: ${argument || 'set it'}`);
    },
  );
}

function interpolateAll(node: unknown, env: NodeJS.ProcessEnv, where: string): unknown {
  if (typeof node === 'string') return interpolate(node, env, where);
  if (Array.isArray(node)) return node.map((item, index) => interpolateAll(item, env, `${where}[${index}]`));
  if (node && typeof node === 'object') {
    return Object.fromEntries(
      Object.entries(node).map(([key, value]) => [key, interpolateAll(value, env, `${where}.${key}`)]),
    );
  }
  return node;
}

function words(value: unknown, where: string): string[] {
  if (value === undefined || value === null) return [];
  if (Array.isArray(value)) return value.map(String);
  if (typeof value === 'string') return value.split(/\s+/).filter(Boolean);
  throw new ComposeProblem(`${where}: expected a list of words or a string`);
}

function environmentOf(value: unknown): Record<string, string> {
  if (Array.isArray(value)) {
    return Object.fromEntries(
      value.map(String).map((entry) => [entry.split('=')[0]!, entry.slice(entry.indexOf('=') + 1)]),
    );
  }
  return Object.fromEntries(
    Object.entries((value ?? {}) as Record<string, unknown>).map(([key, item]) => [
      key,
      item === null ? '' : String(item),
    ]),
  );
}

function containerPortsOf(service: Record<string, unknown>): number[] {
  const published = ((service.ports ?? []) as unknown[]).map((entry) =>
    Number(String(entry).split(':').pop()),
  );
  const exposed = ((service.expose ?? []) as unknown[]).map(Number);
  return [...new Set([...published, ...exposed])].filter((port) => Number.isInteger(port) && port > 0);
}

function volumesOf(service: Record<string, unknown>): ComposeVolume[] {
  return ((service.volumes ?? []) as unknown[]).map((entry) => {
    const [source = '', target = ''] = String(entry).split(':');
    return { source, target, named: !source.startsWith('.') && !source.startsWith('/') };
  });
}

function serviceOf(name: string, raw: Record<string, unknown>): ComposeService {
  const where = `docker-compose.yml services.${name}`;
  if (typeof raw.image !== 'string') throw new ComposeProblem(`${where}.image: missing`);
  const healthcheck = (raw.healthcheck ?? {}) as { test?: unknown };
  return {
    name,
    image: raw.image,
    builtHere: raw.build !== undefined,
    command: words(raw.command, `${where}.command`),
    entrypoint: words(raw.entrypoint, `${where}.entrypoint`),
    environment: environmentOf(raw.environment),
    containerPorts: containerPortsOf(raw),
    volumes: volumesOf(raw),
    profiles: words(raw.profiles, `${where}.profiles`),
    healthcheck: words(healthcheck.test, `${where}.healthcheck.test`),
  };
}

/** Reads the compose file and resolves it against `env` (the rehearsal's environment). Reads only. */
export function loadCompose(file: string, env: NodeJS.ProcessEnv): Map<string, ComposeService> {
  let document: { services?: Record<string, Record<string, unknown>> };
  try {
    document = parse(readFileSync(file, 'utf8'), { merge: true }) as typeof document;
  } catch (error) {
    throw new ComposeProblem(`${file}: not valid YAML: ${(error as Error).message}`);
  }
  const services = interpolateAll(document.services ?? {}, env, 'services') as Record<
    string,
    Record<string, unknown>
  >;
  return new Map(Object.entries(services).map(([name, raw]) => [name, serviceOf(name, raw)]));
}

/** The service, or a ComposeProblem naming what the rehearsal expected. */
export function service(services: Map<string, ComposeService>, name: string): ComposeService {
  const found = services.get(name);
  if (!found) {
    throw new ComposeProblem(
      `docker-compose.yml has no service "${name}" (the rehearsal runs ${[...services.keys()].join(', ')})`,
    );
  }
  return found;
}

/** The tag of an image reference (`temporalio/server:1.31.0` → `1.31.0`, `postgres:16.9-bookworm` → `16.9-bookworm`). Pure. */
export function imageTag(image: string): string {
  const tag = image.includes(':') ? image.slice(image.lastIndexOf(':') + 1) : '';
  if (!/^\d+\.\d+/.test(tag))
    throw new ComposeProblem(`image ${image}: expected a version tag like :1.31.0 or :16.9-bookworm`);
  return tag;
}
