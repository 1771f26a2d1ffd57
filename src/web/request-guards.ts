import type { IncomingMessage } from 'node:http';

/**
 * Checks made before a request is trusted: the Host it names (so a DNS-rebinding page cannot reach
 * the server under its own name), the Origin or Referer of a POST (so another site cannot submit a
 * form), and the identity header an auth proxy sets.
 */

export interface Site {
  /** `host[:port]` values the server answers to. */
  hosts: Set<string>;
  /** `scheme://host[:port]` values a form may be posted from. */
  origins: Set<string>;
}

const LOOPBACK_NAMES = ['127.0.0.1', 'localhost', '[::1]'];
const USER_NAME = /^[A-Za-z0-9._@+-]{1,128}$/;

function bracketed(host: string): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}

/** The names this server answers to: its public URL, and its port on the loopback names. Pure. */
export function siteFor(publicUrl: string, listenHost: string, port: number): Site {
  const hosts = new Set<string>();
  const origins = new Set<string>();
  const add = (url: URL) => {
    hosts.add(url.host.toLowerCase());
    origins.add(url.origin.toLowerCase());
  };
  add(new URL(publicUrl));
  const names = new Set([...LOOPBACK_NAMES, bracketed(listenHost)]);
  names.delete('0.0.0.0');
  names.delete('[::]');
  for (const name of names) add(new URL(`http://${name}:${port}`));
  return { hosts, origins };
}

/** Why the Host header is not one of this server's names, or undefined when it is. Pure. */
export function hostProblem(request: IncomingMessage, site: Site): string | undefined {
  const host = request.headers.host?.toLowerCase();
  if (!host) return 'the request has no Host header';
  if (site.hosts.has(host)) return undefined;
  return `this server does not answer to the host name "${host}": open it at one of ${[...site.hosts].join(', ')} (or set web.publicUrl)`;
}

function originOf(text: string): string | undefined {
  try {
    return new URL(text).origin.toLowerCase();
  } catch {
    return undefined;
  }
}

/** Why a POST may come from another site (Origin, else Referer, must be this one), or undefined. Pure. */
export function originProblem(request: IncomingMessage, site: Site): string | undefined {
  const origin = request.headers.origin;
  if (origin !== undefined) {
    if (site.origins.has(origin.toLowerCase())) return undefined;
    return `the form was posted from ${origin === 'null' ? 'an opaque origin' : `"${origin}"`}, not from this page`;
  }
  const referer = request.headers.referer;
  if (referer !== undefined) {
    const from = originOf(referer);
    if (from !== undefined && site.origins.has(from)) return undefined;
    return 'the form was posted from another site (by its Referer)';
  }
  return 'the request has neither an Origin nor a Referer header, so it cannot be told apart from a cross-site one';
}

export type HeaderIdentity = { user: string } | { problem: string } | undefined;

/** The user an auth proxy names in `headerName`; undefined when the header is absent. Pure. */
export function identityFromHeader(request: IncomingMessage, headerName: string | undefined): HeaderIdentity {
  if (!headerName) return undefined;
  const raw = request.headers[headerName.toLowerCase()];
  if (raw === undefined) return undefined;
  const value = (Array.isArray(raw) ? raw.join(',') : raw).trim();
  if (value === '') return undefined;
  if (!USER_NAME.test(value)) {
    return {
      problem: `the ${headerName} header does not hold a user name (letters, digits and . _ @ + -, at most 128)`,
    };
  }
  return { user: value };
}

/** Whether a string is an acceptable user name for a decision. Pure. */
export function isUserName(value: string): boolean {
  return USER_NAME.test(value);
}
