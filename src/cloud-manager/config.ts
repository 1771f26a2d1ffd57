/**
 * Where the Cloud Manager API lives. Flags beat the environment, and a full URL beats a vanity
 * domain, so a test or the emulator can always point the CLI somewhere explicit.
 */

export interface ApiBaseUrlOptions {
  /** From `--vanity-domain`. */
  vanityDomain?: string;
  /** From `--api-url`. */
  apiUrl?: string;
  env?: NodeJS.ProcessEnv;
}

/** A bad setting, named by the flag or variable it came from. */
export class ConfigurationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigurationError';
  }
}

const DNS_LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/i;

/** The API base URL for an Imply Cloud account: https://{vanity}.implycloud.com/api/v1. */
export function vanityDomainUrl(vanityDomain: string, source: string): string {
  const label = vanityDomain.trim();
  if (!DNS_LABEL.test(label)) {
    const hint = label.includes('.') ? ` (give only the first part, e.g. '${label.split('.')[0]}')` : '';
    throw new ConfigurationError(
      `${source} '${vanityDomain}' is not a valid vanity domain${hint}: use the name of your Imply Cloud ` +
        'account, letters, digits and hyphens only, as in https://{name}.implycloud.com.',
    );
  }
  return `https://${label.toLowerCase()}.implycloud.com/api/v1`;
}

/** Checks an explicit API URL and drops trailing slashes. */
export function normalizeApiUrl(apiUrl: string, source: string): string {
  let url: URL;
  try {
    url = new URL(apiUrl.trim());
  } catch {
    throw new ConfigurationError(
      `${source} '${apiUrl}' is not a URL: use e.g. https://acme.implycloud.com/api/v1 or http://127.0.0.1:8080/api/v1.`,
    );
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new ConfigurationError(`${source} must start with https:// or http://, not ${url.protocol}//.`);
  }
  if (url.username || url.password) {
    // Never echo the URL here: it holds a credential.
    throw new ConfigurationError(
      `${source} must not contain a user name or password: put the token in IMPLY_TOKEN instead.`,
    );
  }
  if (url.search || url.hash) {
    throw new ConfigurationError(`${source} '${apiUrl}' must not have a query string or fragment.`);
  }
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
}

/** Resolves the base URL: --api-url, --vanity-domain, IMPLY_API_URL, IMPLY_VANITY_DOMAIN, in that order. Pure. */
export function resolveApiBaseUrl(options: ApiBaseUrlOptions = {}): string {
  const env = options.env ?? process.env;
  if (options.apiUrl) return normalizeApiUrl(options.apiUrl, '--api-url');
  if (options.vanityDomain) return vanityDomainUrl(options.vanityDomain, '--vanity-domain');
  if (env.IMPLY_API_URL) return normalizeApiUrl(env.IMPLY_API_URL, 'IMPLY_API_URL');
  if (env.IMPLY_VANITY_DOMAIN) return vanityDomainUrl(env.IMPLY_VANITY_DOMAIN, 'IMPLY_VANITY_DOMAIN');
  throw new ConfigurationError(
    'No Cloud Manager API configured: set IMPLY_VANITY_DOMAIN to your Imply Cloud account name (or pass ' +
      '--vanity-domain), or set IMPLY_API_URL / --api-url to a full URL such as http://127.0.0.1:8080/api/v1 ' +
      'for the emulator (`imply-runbooks emulator`).',
  );
}
