import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { checkCompose, composeInvocation, INSTALL_COMMAND } from '../install-compose.js';

/** Readers for the Dockerfile, .dockerignore, docker-compose.yml and .env.example, for the checks in this folder. */

export const ROOT = path.resolve(__dirname, '../..');

export interface Instruction {
  keyword: string;
  args: string;
  /** The stage (FROM … AS name, or its index) the instruction belongs to. */
  stage: string;
}

/** The Dockerfile's instructions, continuation lines joined and comments dropped, as Docker reads them. */
export function readDockerfile(file = path.join(ROOT, 'Dockerfile')): Instruction[] {
  const logical: string[] = [];
  let pending = '';
  for (const raw of readFileSync(file, 'utf8').split('\n')) {
    const line = raw.trim();
    if (line.startsWith('#') || (line === '' && pending === '')) continue;
    if (line.endsWith('\\')) {
      pending += `${line.slice(0, -1).trim()} `;
      continue;
    }
    logical.push(`${pending}${line}`.trim());
    pending = '';
  }
  if (pending) logical.push(pending.trim());
  const instructions: Instruction[] = [];
  let stage = '';
  logical.filter(Boolean).forEach((line, index) => {
    const [keyword = '', ...rest] = line.split(/\s+/);
    const args = rest.join(' ');
    if (keyword.toUpperCase() === 'FROM') stage = /\bAS\s+(\S+)/i.exec(args)?.[1] ?? String(index);
    instructions.push({ keyword: keyword.toUpperCase(), args, stage });
  });
  return instructions;
}

function globToRegExp(pattern: string): RegExp {
  const escaped = pattern
    .replace(/^\/+|\/+$/g, '')
    .split('**')
    .map((part) =>
      part
        .replace(/[.+^${}()|[\]\\]/g, '\\$&')
        .replace(/\*/g, '[^/]*')
        .replace(/\?/g, '[^/]'),
    )
    .join('.*');
  return new RegExp(`^${escaped}$`);
}

/** Whether .dockerignore keeps `relativePath` (or a folder above it) out of the build context. */
export function dockerIgnores(relativePath: string, file = path.join(ROOT, '.dockerignore')): boolean {
  const patterns = readFileSync(file, 'utf8')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
  const parts = relativePath.replace(/^\.\//, '').replace(/\/+$/, '').split('/');
  let ignored = false;
  for (const pattern of patterns) {
    const negated = pattern.startsWith('!');
    const expression = globToRegExp(negated ? pattern.slice(1) : pattern);
    const matches = parts.some((_, index) => expression.test(parts.slice(0, index + 1).join('/')));
    if (matches) ignored = !negated;
  }
  return ignored;
}

/** The variable names .env.example documents (`NAME=` lines). */
export function envExampleNames(): string[] {
  return readFileSync(path.join(ROOT, '.env.example'), 'utf8')
    .split('\n')
    .map((line) => /^([A-Z][A-Z0-9_]*)=/.exec(line)?.[1])
    .filter((name): name is string => name !== undefined);
}

/** The `${NAME…}` variables docker-compose.yml substitutes. */
export function composeVariables(): string[] {
  const text = readFileSync(path.join(ROOT, 'docker-compose.yml'), 'utf8');
  return [...new Set([...text.matchAll(/\$\{([A-Z][A-Z0-9_]*)/g)].map((match) => match[1]!))];
}

export interface ComposeResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

let composeProblem: string | undefined | null = null;

/** Runs the project's docker-compose (v1, .tools/compose) on the repository's compose file; `config` needs no Docker engine. */
export function dockerCompose(args: string[], env: NodeJS.ProcessEnv = {}): ComposeResult {
  if (composeProblem === null) composeProblem = checkCompose();
  if (composeProblem) {
    throw new Error(
      `docker-compose is not installed in the project: ${composeProblem}. Run \`${INSTALL_COMMAND}\``,
    );
  }
  const invocation = composeInvocation();
  const result = spawnSync(
    invocation.command,
    [...invocation.args, '--project-directory', ROOT, '-f', 'docker-compose.yml', ...args],
    {
      cwd: ROOT,
      encoding: 'utf8',
      env: { PATH: process.env.PATH, HOME: process.env.HOME, ...invocation.env, ...env },
    },
  );
  if (result.error) throw new Error(`docker-compose cannot run: ${result.error.message}`);
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

export interface ComposeService {
  image?: string;
  command?: string[];
  ports?: unknown[];
  expose?: unknown[];
  container_name?: string;
  restart?: string;
  healthcheck?: { test: string[] | string };
  depends_on?: Record<string, { condition: string }>;
  environment?: Record<string, string | null>;
  profiles?: string[];
  volumes?: Array<string | { source?: string; target?: string; type?: string }>;
}

/** The compose file as docker-compose resolves it (anchors merged, defaults substituted). */
export function resolvedCompose(
  args: string[] = [],
  env: NodeJS.ProcessEnv = {},
): Record<string, ComposeService> {
  const result = dockerCompose([...args, 'config'], env);
  if (result.status !== 0) throw new Error(`docker-compose config failed:\n${result.stderr}`);
  return (parse(result.stdout) as { services: Record<string, ComposeService> }).services;
}
