/** Types for scripts/build-temporal-server.js (plain Node: .ci/run starts it before npm ci). */
export interface TemporalServerBuild {
  version: string;
  binDirectory: string;
  server: string;
  sqlTool: string;
  /** What the admin-tools image has at /etc/temporal/schema. */
  schemaDirectory: string;
  /** Seconds the build took; 0 when it came from the cache. */
  buildSeconds: number;
}
export function ensureTemporalServer(version: string, log: (line: string) => void): TemporalServerBuild;
/** The version of docker-compose.yml's temporalio/server image, read from the file's text. */
export function composeServerVersion(file?: string): string;
