import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';

/** The Git commit a folder of specs is at, and who made it; undefined outside a repository (or without git). */
export interface GitInfo {
  commit: string;
  author: string;
  /** Files of the folder differ from the commit: what is applied is not exactly what was reviewed. */
  dirty: boolean;
}

function git(folder: string, args: string[]): string {
  return execFileSync('git', ['-C', folder, ...args], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
    timeout: 10_000,
  }).trim();
}

/** Reads the last commit of `folder` (`git log -1`) and whether the folder has changes on top. */
export function gitInfo(folder: string): GitInfo | undefined {
  try {
    const [commit = '', author = ''] = git(folder, [
      'log',
      '-1',
      '--format=%H%x00%an <%ae>',
      '--',
      '.',
    ]).split('\0');
    if (!/^[0-9a-f]{40}$/.test(commit)) return undefined;
    const dirty = git(folder, ['status', '--porcelain', '--', '.']) !== '';
    return { commit, author: author.replace(/\p{Cc}/gu, ''), dirty };
  } catch {
    return undefined;
  }
}

/** The reason an apply gives its runbooks: the folder, and the commit and author when known. Pure. */
export function applyReason(folder: string, info: GitInfo | undefined, extra?: string): string {
  const where = info
    ? `commit ${info.commit.slice(0, 12)} by ${info.author}${info.dirty ? ', with uncommitted changes' : ''}`
    : 'not in a Git repository';
  const text = `clusters as code: ${folder} (${where})${extra ? `: ${extra}` : ''}`;
  return text.length > 480 ? `${text.slice(0, 479)}…` : text;
}

/** `https://…`, `ssh://…`, `git://…`, `file://…` or `git@host:org/repo.git`: a repository, not a path. Pure. */
export function isGitUrl(text: string): boolean {
  return /^(https?|ssh|git|file):\/\//.test(text) || /^[\w.-]+@[\w.-]+:[^/]/.test(text);
}

/**
 * Why a repository URL may not travel in a workflow input, or undefined: credentials in it would be
 * kept in the schedule and in every run's history. Pure.
 */
export function gitUrlProblem(url: string): string | undefined {
  if (!/^(https?|ssh|git|file):\/\//.test(url)) return undefined;
  try {
    const parsed = new URL(url);
    if (parsed.username || parsed.password) {
      return `${parsed.protocol}//${parsed.host}…: holds credentials, which would be kept in the schedule and every run's history: give the worker a credential helper or an SSH key instead, and the URL without them`;
    }
  } catch {
    return 'is not a URL';
  }
  return undefined;
}

/** The repository's name in a URL (`clusters` of `git@github.com:acme/clusters.git`). Pure. */
export function repositoryName(url: string): string {
  const last = url.replace(/\/+$/, '').split(/[/:]/).pop() ?? 'clusters';
  return last.replace(/\.git$/, '') || 'clusters';
}

/**
 * A current checkout of `url` (at `ref`, default the remote's HEAD), kept under `cacheRoot` between
 * runs: cloned once (shallow), then fetched and checked out. Returns its directory. Reads the network
 * and writes the cache; safe to repeat.
 */
export function checkoutRepository(url: string, cacheRoot: string, ref?: string): string {
  const problem = gitUrlProblem(url);
  if (problem) throw new Error(`${url}: ${problem}`);
  const directory = path.join(
    cacheRoot,
    createHash('sha256')
      .update(`${url}#${ref ?? ''}`)
      .digest('hex')
      .slice(0, 16),
  );
  const run = (args: string[]) =>
    execFileSync('git', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 120_000 });
  try {
    if (!existsSync(path.join(directory, '.git'))) {
      mkdirSync(cacheRoot, { recursive: true });
      rmSync(directory, { recursive: true, force: true });
      run(['clone', '-q', '--depth', '1', ...(ref ? ['--branch', ref] : []), '--', url, directory]);
    } else {
      run(['-C', directory, 'fetch', '-q', '--depth', '1', 'origin', ref ?? 'HEAD']);
      run(['-C', directory, 'checkout', '-q', '--force', 'FETCH_HEAD']);
    }
  } catch (error) {
    const stderr = String((error as { stderr?: unknown }).stderr ?? '')
      .trim()
      .split('\n')
      .pop();
    throw new Error(
      `cannot read the repository ${url}${ref ? ` at ${ref}` : ''}: ${stderr || (error as Error).message}`,
    );
  }
  return directory;
}

/** A folder inside a repository: relative, never leaving it; `.` when absent. Throws naming the fix. Pure. */
export function safeSubfolder(subfolder: string | undefined): string {
  if (subfolder === undefined || subfolder.trim() === '') return '.';
  const normal = path.posix.normalize(subfolder.trim());
  if (path.posix.isAbsolute(normal) || normal === '..' || normal.startsWith('../')) {
    throw new Error(`--path ${subfolder}: give a folder inside the repository, such as clusters`);
  }
  return normal;
}
