import { emulatorTokenUrl } from './token-endpoint';
import { tutorialCreateRequest } from './tutorial-request';

/** What `imply-runbooks emulator` prints on start: where it listens, the exports, a first request. */

/** Where the emulator's token came from; decides whether it may be printed. */
export type TokenSource = 'flag' | 'environment' | 'generated';

export interface BannerFacts {
  url: string;
  apiUrl: string;
  transitionMs: number;
  dbPath?: string;
  /** The token to show in `export IMPLY_TOKEN=…` (never shown when it came from the environment). */
  token: string;
  tokenSource: TokenSource;
  /** The OAuth client its token endpoint serves (IMPLY_CLIENT_ID), if any. */
  oauthClientId?: string;
  tokenTtlSeconds?: number;
  /** Lifetime of the static tokens (--static-token-ttl), if they expire. */
  staticTokenTtlSeconds?: number;
  /** Whether the /_emulator/ endpoints are on (--admin). */
  admin?: boolean;
}

/** The tutorial's Step 2 body with its placeholders filled in. */
export const TUTORIAL_CREATE_BODY = JSON.stringify(
  tutorialCreateRequest({ awsRole: 'my-aws-role', deepStoragePath: 's3://my-bucket/prefix' }),
);

function tokenLines(facts: BannerFacts): string[] {
  const lifetime = facts.staticTokenTtlSeconds
    ? [`# static tokens expire ${facts.staticTokenTtlSeconds} s after start (--static-token-ttl)`]
    : [];
  // A token from the environment may be a real Imply credential: accept it, never echo it.
  if (facts.tokenSource === 'environment')
    return ['# accepting the token already in IMPLY_TOKEN (not printed)', ...lifetime];
  const line = `export IMPLY_TOKEN=${facts.token}`;
  return facts.tokenSource === 'generated'
    ? [line, '# no --token and no IMPLY_TOKEN: generated the token above', ...lifetime]
    : [line, ...lifetime];
}

function oauthLines(facts: BannerFacts): string[] {
  if (!facts.oauthClientId) return [];
  return [
    `# OAuth client '${facts.oauthClientId}' (from IMPLY_CLIENT_ID/IMPLY_CLIENT_SECRET; tokens live ${facts.tokenTtlSeconds ?? 300} s):`,
    `export IMPLY_TOKEN_URL=${emulatorTokenUrl(facts.url, 'emulator')}`,
    'export IMPLY_ORGANIZATION=emulator',
  ];
}

/** The start-up text, one string with newlines. Pure. */
export function startBanner(facts: BannerFacts): string {
  const storage = facts.dbPath ? `clusters kept in ${facts.dbPath}` : 'clusters kept in memory';
  return [
    `Imply Cloud Manager emulator listening on ${facts.url} (transitions take ${facts.transitionMs} ms; ${storage})`,
    '',
    `export IMPLY_API_URL=${facts.apiUrl}`,
    ...tokenLines(facts),
    ...oauthLines(facts),
    '',
    'Step 2 of the tutorial (create a cluster), against the emulator:',
    `curl --location --request POST '${facts.apiUrl}?pretty=true&dryRun=false' \\`,
    `--header "Authorization: Bearer \${IMPLY_TOKEN}" \\`,
    "--header 'Content-Type: application/json' \\",
    `--data-raw '${TUTORIAL_CREATE_BODY}'`,
    '',
    facts.admin
      ? 'Admin endpoints: GET /_emulator/health, GET|PUT /_emulator/faults, GET /_emulator/requests (docs/emulator.md).'
      : 'Admin endpoints (/_emulator/: faults, request log) are off; --admin turns them on.',
    'Press Ctrl+C to stop.',
  ].join('\n');
}
