/** The Cloud Manager API client and everything callers need with it. Workflow code imports `./diff` directly instead. */
export {
  StaticTokenProvider,
  FileTokenProvider,
  ClientCredentialsTokenProvider,
  tokenProviderFromEnv,
  defaultTokenUrl,
  type TokenProvider,
  type ClientCredentialsOptions,
} from './auth';
export { CloudManagerClient, createClientFromEnv, type CloudManagerClientOptions } from './client';
export {
  resolveApiBaseUrl,
  normalizeApiUrl,
  vanityDomainUrl,
  ConfigurationError,
  type ApiBaseUrlOptions,
} from './config';
export { diffClusters, formatDiff, jsonEqual, type DiffEntry } from './diff';
export * from './errors';
export * from './schemas/cluster';
export { parseClusterRequest, parseClusterPatch, zodIssuesToDetails, formatTarget } from './validation';
