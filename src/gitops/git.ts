import { execFileSync } from 'node:child_process';

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
