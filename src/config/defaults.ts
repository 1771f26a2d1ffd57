import type { ChangePolicyConfig } from './change-policies';
import type { EnvironmentsConfig } from './environments';
import type { ObservabilityConfig } from './observability';
import type { ApprovalsConfig, SlackConfig, WebConfig, WebhookConfig } from './schema';

/** The configuration after defaults: what every consumer reads. */
export interface Config {
  /** The file it came from, or undefined for the built-in local defaults. */
  source: string | undefined;
  approvals: ApprovalsConfig;
  notifications: { webhooks: WebhookConfig[]; slack?: SlackConfig };
  web: WebConfig;
  /** The `observability` section as written; `observabilitySettings` applies the environment and defaults. */
  observability?: ObservabilityConfig;
  /** `report savings` prices: a JSON price file, relative to the configuration file. */
  prices?: string;
  /** Change policies of the change runbooks (scale, upgrade, restore, delete); absent: none. */
  policies?: ChangePolicyConfig[];
  /** Imply environments besides the default one, by name; absent: only the default (IMPLY_*). */
  environments?: EnvironmentsConfig;
}

/** Used when no configuration file exists: two local approvers, one approval needed, a day to decide. */
export const LOCAL_DEFAULTS: Config = Object.freeze({
  source: undefined,
  approvals: {
    groups: { ops: ['alice', 'bob'] },
    default: { approvers: ['ops'], required: 1, timeout: 86_400_000, onTimeout: 'reject' },
    policies: [],
  },
  notifications: { webhooks: [] },
  web: {
    publicUrl: 'http://127.0.0.1:8787',
    // No identity header: without a proxy in front anyone could send one. Token links sign people in.
    trustedProxies: [],
    users: {
      alice: { tokenEnv: 'IMPLY_RUNBOOKS_TOKEN_ALICE' },
      bob: { tokenEnv: 'IMPLY_RUNBOOKS_TOKEN_BOB' },
    },
    // The local stack's token users operate (they approve too, as the ops group).
    roles: { operators: ['alice', 'bob'] },
  },
}) as Config;
