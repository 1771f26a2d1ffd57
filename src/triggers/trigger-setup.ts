import type { Client } from '@temporalio/client';
import { createClientFromEnv } from '../cloud-manager/client';
import type { WebLog } from '../observability/web-log';
import { formatDuration } from '../shared/durations';
import {
  TRIGGER_SECRET_VARIABLE,
  TRIGGER_TOKEN_VARIABLE,
  triggerSecretsFromEnv,
  triggersEnabled,
} from './trigger-auth';
import { cachedEnvironmentApi } from './trigger-environments';
import { DEFAULT_SIGNATURE_TOLERANCE_MS } from './trigger-signature';
import { SCALE_TRIGGER_PATH, type TriggerOptions } from './trigger-route';

/**
 * The web server's change triggers from the environment: the trigger token or HMAC secret (with the
 * signatures' timestamp tolerance), and the Cloud Manager API settings (to find clusters by name).
 * Undefined, with the reason logged, when either is missing: the endpoint then answers 503. Reads
 * the environment only.
 */
export function triggerOptionsFromEnv(
  client: Client,
  taskQueue: string,
  log: WebLog,
  env: NodeJS.ProcessEnv = process.env,
): TriggerOptions | undefined {
  const secrets = triggerSecretsFromEnv(env);
  if (!triggersEnabled(secrets)) {
    log(
      `[web] change triggers off: set ${TRIGGER_TOKEN_VARIABLE} or ${TRIGGER_SECRET_VARIABLE} to take them`,
    );
    return undefined;
  }
  let api;
  try {
    api = createClientFromEnv(env);
  } catch (error) {
    log(`[web] change triggers off: ${(error as Error).message}`, { level: 'warn' });
    return undefined;
  }
  const tolerance = formatDuration(secrets.signatureToleranceMs ?? DEFAULT_SIGNATURE_TOLERANCE_MS);
  const signed = secrets.hmacSecret ? `HMAC signature, timestamps within ${tolerance}` : '';
  const ways = [secrets.token ? 'bearer token' : '', signed].filter(Boolean);
  log(`[web] change triggers at POST ${SCALE_TRIGGER_PATH} (${ways.join(' or ')}), task queue ${taskQueue}`);
  return { api, client, taskQueue, secrets, environmentApi: cachedEnvironmentApi(env) };
}
