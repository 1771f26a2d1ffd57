import { mkdirSync, symlinkSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import type { ComposeService } from './compose';
import type { ImageFacts } from './images';

/**
 * The one place where Docker's world is mapped onto this machine (docs/production.md, "Rehearsal"):
 *   1. a service's name as a host (`temporal:7233`, `http://emulator:8080`, `postgresql`) → 127.0.0.1,
 *      its container port → the port that service's instance got on this machine;
 *   2. `DB_PORT` (PostgreSQL's port, given apart from its host) → PostgreSQL's port here;
 *   3. an instance's own ports (`0.0.0.0:9464`, `--port 8787`, `localhost 7233`) → its ports here, and
 *      `0.0.0.0` (listen everywhere in the container) → 127.0.0.1;
 *   4. container paths under a volume or an image's files → the host folder (`./deploy/temporal`,
 *      a named volume's folder under the rehearsal's data, the Temporal build's schema).
 * Every instance gets free ports, so the rehearsal never collides with anything already running.
 */

const ROOT = path.resolve(__dirname, '../..');

export interface Instance {
  /** `web-2`: the service and its replica number. */
  name: string;
  service: ComposeService;
  image: ImageFacts;
  /** Container port → port on this machine. */
  ports: Map<number, number>;
  /** Container path → host path, volumes and image files. */
  mounts: Map<string, string>;
  cwd: string;
}

/**
 * A port nobody listens on right now, below 32768: Temporal keeps its services' membership ports in
 * a PostgreSQL smallint (cluster_membership.rpc_port), so an ephemeral port (32768 and up) fails it.
 */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    if (await listensFree(port)) return port;
  }
  throw new Error('no free port between 20000 and 32000 after 100 tries');
}

function listensFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

export class HostMap {
  /** The first instance of each service: what `<service>:<port>` reaches. */
  private readonly reachable = new Map<string, Instance>();

  constructor(private readonly dataDirectory: string) {}

  /** Gives the service's replica its ports and folders. The first replica is what others reach. */
  async instance(service: ComposeService, image: ImageFacts, replica = 1): Promise<Instance> {
    const ports = new Map<number, number>();
    for (const port of new Set([...service.containerPorts, ...image.ports]))
      ports.set(port, await freePort());
    const mounts = new Map<string, string>();
    for (const [target, source] of Object.entries(image.files)) mounts.set(target, source);
    for (const volume of service.volumes) {
      const source = volume.named
        ? path.join(this.dataDirectory, 'volumes', volume.source)
        : path.resolve(ROOT, volume.source);
      if (volume.named) mkdirSync(source, { recursive: true });
      mounts.set(volume.target, source);
    }
    const name = `${service.name}-${replica}`;
    const instance: Instance = {
      name,
      service,
      image,
      ports,
      mounts,
      cwd: this.workdir(name, image, mounts),
    };
    if (!this.reachable.has(service.name)) this.reachable.set(service.name, instance);
    return instance;
  }

  /** The image's working directory: its own files' folder, or a folder holding the mounts below it. */
  private workdir(name: string, image: ImageFacts, mounts: Map<string, string>): string {
    const own = mounts.get(image.workdir);
    if (own) return own;
    const root = path.join(this.dataDirectory, 'roots', name);
    for (const [target, source] of mounts) {
      const link = path.join(root, target);
      mkdirSync(path.dirname(link), { recursive: true });
      symlinkSync(source, link);
    }
    const cwd = path.join(root, image.workdir);
    mkdirSync(cwd, { recursive: true });
    return cwd;
  }

  /** The port on this machine of `service`'s container port (its first replica). */
  portOf(service: string, containerPort: number): number {
    const port = this.reachable.get(service)?.ports.get(containerPort);
    if (port === undefined)
      throw new Error(`no instance of ${service} listens on container port ${containerPort}`);
    return port;
  }

  /** One command argument or variable value of `instance`, as it must read on this machine. Pure. */
  localize(value: string, instance: Instance, variable?: string): string {
    if (variable === 'DB_PORT') return String(this.portOf('postgresql', Number(value)));
    // A bare service name is a host only in a variable meant for one: POSTGRES_USER=temporal names a
    // user, and the command word `emulator` a subcommand (hosts in commands carry a port or a scheme).
    const names = variable !== undefined && /(SEEDS|HOSTS?|ADDRESS|ENDPOINT|SERVER|URL)$/i.test(variable);
    if ((names && this.reachable.has(value)) || value === '0.0.0.0' || value === 'localhost')
      return '127.0.0.1';
    const own = (port: string) => instance.ports.get(Number(port));
    if (own(value) !== undefined && /^\d+$/.test(value)) return String(own(value));
    let result = value.replace(
      /\b(0\.0\.0\.0|127\.0\.0\.1|localhost):(\d+)\b/g,
      (match, _host, port: string) => (own(port) !== undefined ? `127.0.0.1:${own(port)}` : match),
    );
    for (const service of this.reachable.keys()) {
      const pattern = new RegExp(`(^|//|@)${service.replace(/[-.]/g, '\\$&')}:(\\d+)\\b`, 'g');
      result = result.replace(
        pattern,
        (_m, lead: string, port: string) => `${lead}127.0.0.1:${this.portOf(service, Number(port))}`,
      );
    }
    return this.hostPath(result, instance);
  }

  private hostPath(value: string, instance: Instance): string {
    const targets = [...instance.mounts.keys()].sort((a, b) => b.length - a.length);
    const target = targets.find((candidate) => value === candidate || value.startsWith(`${candidate}/`));
    return target ? `${instance.mounts.get(target)}${value.slice(target.length)}` : value;
  }

  /** The instance's whole environment: PATH and HOME of this machine, the image's, then the service's. */
  environment(instance: Instance, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
    const env: NodeJS.ProcessEnv = {
      PATH: [...instance.image.path, process.env.PATH ?? ''].join(path.delimiter),
      HOME: process.env.HOME,
      LANG: process.env.LANG,
    };
    const declared = { ...instance.image.env, ...instance.service.environment, ...extra };
    for (const [key, value] of Object.entries(declared)) env[key] = this.localize(value, instance, key);
    return env;
  }

  /** The instance's command line: entrypoint (the service's or the image's), then its command. */
  commandLine(instance: Instance): string[] {
    const { service, image } = instance;
    const entrypoint = service.entrypoint.length > 0 ? service.entrypoint : image.entrypoint;
    const command = service.command.length > 0 ? service.command : image.command;
    const line = [...entrypoint, ...command].map((word) => this.localize(word, instance));
    return line[0] === 'node' ? [process.execPath, ...line.slice(1)] : line;
  }
}
