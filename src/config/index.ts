import { globToRegExp } from '../shared/selector';
import type { ApprovalPolicy, ApprovalStage } from '../shared/approval';
import type { ChangeInput, ChangePolicy } from '../shared/change';
import type { WaitOptions } from '../shared/steps';
import { tagsOf, type Cluster } from '../cloud-manager/schemas/cluster';
import { resolveChangePolicy } from './change-policies';
import { matchesCluster, type ClusterIdentity } from './cluster-match';
import type { Config } from './defaults';
import { ConfigFileError } from './load';
import { stageMembers } from './references';
import type { DefaultPolicyConfig, StageConfig, WebConfig } from './schema';

export { CONFIG_FILE_NAME, ConfigFileError, formatKey, loadConfig, parseConfigText } from './load';
export type { LoadConfigOptions } from './load';
export { LOCAL_DEFAULTS } from './defaults';
export type { Config } from './defaults';
export type { SlackConfig, WebConfig, WebhookConfig, WebRolesConfig } from './schema';
export type { OidcConfig } from './web-oidc';
export { DEFAULT_CHANGE_POLICY, resolveChangePolicy } from './change-policies';
export type { ChangePolicyConfig } from './change-policies';

export type { ClusterIdentity } from './cluster-match';

export type ApprovalEventKind = 'requested' | 'decided' | 'timed-out' | 'escalated';

/** Matches a whole name against a glob where `*` is any run of characters and `?` one character. Pure. */
export function globMatches(glob: string, name: string): boolean {
  return globToRegExp(glob).test(name);
}

function toStage(stage: StageConfig, groups: Record<string, string[]>): ApprovalStage {
  return {
    groups: [...stage.approvers],
    approvers: stageMembers(stage.approvers, groups),
    required: stage.required,
    timeoutMs: stage.timeout,
  };
}

/** The policy for a cluster: the first policy whose match holds, else the default; groups expanded to people. Pure. */
export function resolveApprovalPolicy(config: Config, cluster: ClusterIdentity): ApprovalPolicy {
  const { groups, policies } = config.approvals;
  const matched = policies.find((policy) => matchesCluster(policy.match, cluster));
  const policy: DefaultPolicyConfig = matched ?? config.approvals.default;
  const resolved: ApprovalPolicy = { name: matched?.name ?? 'default', stage: toStage(policy, groups) };
  if (policy.onTimeout === 'escalate' && policy.escalation !== undefined) {
    resolved.escalation = toStage(policy.escalation, groups);
  }
  const smallScale = policy.autoApproveSmallScale ?? policy.autoApprove;
  if (smallScale !== undefined) resolved.autoApprove = { ...smallScale };
  if (policy.costDelta !== undefined) {
    const { above, approvers, required } = policy.costDelta;
    resolved.costDelta = {
      above,
      groups: [...approvers],
      approvers: stageMembers(approvers, groups),
      required,
    };
  }
  return resolved;
}

/**
 * Both policies of one cluster, resolved together from one configuration: who approves
 * (`approvals`, with its `autoApproveSmallScale` rule) and what a change may do (`policies`, with
 * its `autoApproveKinds`). Pure.
 */
export function resolveClusterPolicies(
  config: Config,
  cluster: ClusterIdentity,
): { approval: ApprovalPolicy; change: ChangePolicy } {
  return {
    approval: resolveApprovalPolicy(config, cluster),
    change: resolveChangePolicy(config.policies, cluster),
  };
}

/**
 * The webhook URLs to post to, read from the environment; with `event`, only the webhooks that want it.
 * Throws naming the key when a named variable is unset. Pure but for reading `env`.
 */
export function webhookUrls(
  config: Config,
  env: NodeJS.ProcessEnv = process.env,
  event?: ApprovalEventKind,
): string[] {
  const urls: string[] = [];
  config.notifications.webhooks.forEach((webhook, index) => {
    if (event !== undefined && webhook.events !== undefined && !webhook.events.includes(event)) return;
    if (webhook.url !== undefined) {
      urls.push(webhook.url);
      return;
    }
    const name = webhook.urlEnv as string;
    const value = env[name];
    if (value === undefined || value.trim() === '') {
      throw new ConfigFileError(config.source ?? 'configuration', [
        `notifications.webhooks[${index}].urlEnv: the environment variable ${name} is not set: export it with the webhook URL, or remove this webhook`,
      ]);
    }
    urls.push(value.trim());
  });
  return urls;
}

/** Slack as a process sees it: the secrets it needs read from the environment, the rest as configured. */
export interface SlackSettings {
  /** Verifies interactivity requests (the web server); absent: the endpoint answers 503. */
  signingSecret?: string;
  botToken?: string;
  channel?: string;
  apiUrl: string;
  /** Slack user id or e-mail (lower case) → person. */
  users: Record<string, string>;
  /** Whether the configuration takes button clicks (signingSecretEnv is set), so messages carry buttons. */
  interactive: boolean;
}

/**
 * Slack's settings for one process, or undefined when the configuration has no `notifications.slack`.
 * `need` names the secrets this process uses: the worker needs the bot token, the web server the
 * signing secret (and the bot token when configured); one that is configured but unset throws naming
 * its key and variable. Pure but for reading `env`.
 */
export function slackSettings(
  config: Config,
  need: { signingSecret: boolean },
  env: NodeJS.ProcessEnv = process.env,
): SlackSettings | undefined {
  const slack = config.notifications.slack;
  if (!slack) return undefined;
  const read = (key: 'signingSecretEnv' | 'botTokenEnv'): string | undefined => {
    const name = slack[key];
    if (name === undefined) return undefined;
    const value = env[name]?.trim();
    if (!value) {
      throw new ConfigFileError(config.source ?? 'configuration', [
        `notifications.slack.${key}: the environment variable ${name} is not set: export it, or remove ${key}`,
      ]);
    }
    return value;
  };
  const users = Object.fromEntries(
    Object.entries(slack.users).map(([key, person]) => [key.includes('@') ? key.toLowerCase() : key, person]),
  );
  const signingSecret = need.signingSecret ? read('signingSecretEnv') : undefined;
  const botToken = read('botTokenEnv');
  return {
    ...(signingSecret ? { signingSecret } : {}),
    ...(botToken ? { botToken } : {}),
    ...(slack.channel ? { channel: slack.channel } : {}),
    apiUrl: slack.apiUrl.replace(/\/+$/, ''),
    users,
    interactive: slack.signingSecretEnv !== undefined,
  };
}

/**
 * The approvals page's settings: public URL (no trailing slash; `IMPLY_RUNBOOKS_WEB_URL` wins, as the
 * local stack sets it), identity header, users and their token variables, OIDC sign-in. Reads only.
 */
export function webSettings(config: Config, env: NodeJS.ProcessEnv = process.env): WebConfig {
  const publicUrl = env.IMPLY_RUNBOOKS_WEB_URL?.trim() || config.web.publicUrl;
  return {
    publicUrl: publicUrl.replace(/\/+$/, ''),
    ...(config.web.identityHeader ? { identityHeader: config.web.identityHeader } : {}),
    trustedProxies: [...config.web.trustedProxies],
    users: { ...config.web.users },
    roles: {
      operators: [...(config.web.roles?.operators ?? [])],
      ...(config.web.roles?.viewers ? { viewers: [...config.web.roles.viewers] } : {}),
    },
    ...(config.web.oidc ? { oidc: { ...config.web.oidc, scopes: [...config.web.oidc.scopes] } } : {}),
  };
}

/** The runbook's input for this cluster: its change and approval policies by tag and name. Pure. */
export function changeInputFor(config: Config, cluster: Cluster, wait?: WaitOptions): ChangeInput {
  const { change, approval } = resolveClusterPolicies(config, {
    name: cluster.metadata.name,
    tags: tagsOf(cluster),
  });
  const input: ChangeInput = {
    clusterId: cluster.metadata.uid,
    clusterName: cluster.metadata.name,
    policy: change,
    approval,
  };
  if (wait) input.wait = wait;
  return input;
}
