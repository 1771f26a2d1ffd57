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
  /** Whether the /_emulator/ endpoints are on (--admin). */
  admin?: boolean;
}

/** The tutorial's Step 2 body with its placeholders filled in. */
export const TUTORIAL_CREATE_BODY = JSON.stringify(
  tutorialCreateRequest({ awsRole: 'my-aws-role', deepStoragePath: 's3://my-bucket/prefix' }),
);

function tokenLines(facts: BannerFacts): string[] {
  // A token from the environment may be a real Imply credential: accept it, never echo it.
  if (facts.tokenSource === 'environment')
    return ['# accepting the token already in IMPLY_TOKEN (not printed)'];
  const line = `export IMPLY_TOKEN=${facts.token}`;
  return facts.tokenSource === 'generated'
    ? [line, '# no --token and no IMPLY_TOKEN: generated the token above']
    : [line];
}

/** The start-up text, one string with newlines. Pure. */
export function startBanner(facts: BannerFacts): string {
  const storage = facts.dbPath ? `clusters kept in ${facts.dbPath}` : 'clusters kept in memory';
  return [
    `Imply Cloud Manager emulator listening on ${facts.url} (transitions take ${facts.transitionMs} ms; ${storage})`,
    '',
    `export IMPLY_API_URL=${facts.apiUrl}`,
    ...tokenLines(facts),
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
