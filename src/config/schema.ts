import { parseCidr } from './cidr';
import { z } from 'zod';
import { parseDuration } from '../shared/durations';
import { changePoliciesConfigSchema } from './change-policies';
import { environmentsConfigSchema } from './environments';
import { observabilityConfigSchema } from './observability';
import { oidcConfigSchema } from './web-oidc';

/**
 * The configuration file's shape. Strict everywhere, so a misspelt key is an error naming it rather
 * than a setting silently ignored; secrets appear only as the names of environment variables.
 */

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

const nameSchema = z.string({ error: 'must be a name' }).trim().min(1, { error: 'must not be empty' });

const envNameSchema = z
  .string({ error: 'must be the name of an environment variable' })
  .regex(ENV_NAME, { error: 'must be the name of an environment variable, such as SLACK_WEBHOOK_URL' });

/** `24h`, `90m`, `1h30m`; parsed to milliseconds. */
const durationSchema = z
  .union([z.string(), z.number()], { error: 'must be a duration such as 30m, 4h or 1d' })
  .transform((value, context) => {
    try {
      const ms = parseDuration(String(value), 'duration');
      if (ms > 0) return ms;
      context.addIssue({ code: 'custom', message: 'must be longer than 0' });
    } catch {
      context.addIssue({
        code: 'custom',
        message: `"${value}" is not a duration: write for example 90s, 30m, 8h, 1d or 1h30m`,
      });
    }
    return z.NEVER;
  });

const requiredSchema = z
  .number({ error: 'must be a whole number of approvals' })
  .int({ error: 'must be a whole number of approvals' })
  .min(1, { error: 'must be at least 1' });

const approversSchema = z
  .array(nameSchema, { error: 'must be a list of group names, such as [ops]' })
  .min(1, { error: 'must name at least one group' });

const replicasSchema = z
  .number({ error: 'must be a whole number of replicas' })
  .int({ error: 'must be a whole number of replicas' })
  .min(0, { error: 'must be 0 or more' });

export const stageConfigSchema = z.strictObject({
  approvers: approversSchema,
  required: requiredSchema.default(1),
  timeout: durationSchema.default(86_400_000),
});

export const autoApproveConfigSchema = z
  .strictObject({
    maxReplicaDelta: replicasSchema.min(1, { error: 'must be at least 1' }),
    minReplicas: replicasSchema.optional(),
    maxReplicas: replicasSchema.optional(),
  })
  .refine(
    (rule) =>
      rule.minReplicas === undefined ||
      rule.maxReplicas === undefined ||
      rule.minReplicas <= rule.maxReplicas,
    {
      message: 'minReplicas must not be greater than maxReplicas',
      path: ['minReplicas'],
    },
  );

/** More approvers for a plan whose monthly cost rises by more than `above` (decreases never trigger it). */
export const costDeltaConfigSchema = z.strictObject({
  above: z
    .number({ error: 'must be a monthly amount in the price table currency, such as 5000' })
    .nonnegative({ error: 'must be 0 or more: the monthly rise above which more approvers are needed' }),
  approvers: approversSchema,
  required: requiredSchema.default(1),
});

const tagValueSchema = z
  .union([z.string(), z.number(), z.boolean()], { error: 'must be a tag value' })
  .transform(String);

export const matchConfigSchema = z
  .strictObject({
    tags: z.record(z.string(), tagValueSchema).optional(),
    name: nameSchema.optional(),
  })
  .refine((match) => match.name !== undefined || Object.keys(match.tags ?? {}).length > 0, {
    message: 'must give tags, a name glob, or both',
  });

const policyBodyShape = {
  ...stageConfigSchema.shape,
  onTimeout: z.enum(['reject', 'escalate'], { error: 'must be reject or escalate' }).default('reject'),
  escalation: stageConfigSchema.optional(),
  /** A scale within these limits needs no person. */
  autoApproveSmallScale: autoApproveConfigSchema.optional(),
  /** The old name of `autoApproveSmallScale`, still read (with a deprecation warning). */
  autoApprove: autoApproveConfigSchema.optional(),
  /** A plan that adds more than `above` a month also needs `required` of these approvers. */
  costDelta: costDeltaConfigSchema.optional(),
};

function checkEscalation(
  policy: {
    onTimeout: 'reject' | 'escalate';
    escalation?: unknown;
    autoApprove?: unknown;
    autoApproveSmallScale?: unknown;
  },
  context: z.RefinementCtx,
): void {
  if (policy.autoApprove !== undefined && policy.autoApproveSmallScale !== undefined) {
    context.addIssue({
      code: 'custom',
      path: ['autoApprove'],
      message: 'is the old name of autoApproveSmallScale: give only autoApproveSmallScale',
    });
  }
  if (policy.onTimeout === 'escalate' && policy.escalation === undefined) {
    context.addIssue({
      code: 'custom',
      path: ['escalation'],
      message: 'is needed with onTimeout: escalate: give its approvers, required and timeout',
    });
  }
  if (policy.onTimeout === 'reject' && policy.escalation !== undefined) {
    context.addIssue({
      code: 'custom',
      path: ['onTimeout'],
      message: 'must be escalate when an escalation is given (or remove the escalation)',
    });
  }
}

export const defaultPolicyConfigSchema = z.strictObject(policyBodyShape).superRefine(checkEscalation);

export const namedPolicyConfigSchema = z
  .strictObject({ name: nameSchema, match: matchConfigSchema, ...policyBodyShape })
  .superRefine(checkEscalation);

const webhookConfigSchema = z
  .strictObject({
    urlEnv: envNameSchema.optional(),
    url: z.string().optional(),
    events: z
      .array(
        z.enum(['requested', 'decided', 'timed-out', 'escalated'], {
          error: 'must be requested, decided, timed-out or escalated',
        }),
      )
      .optional(),
  })
  .superRefine((webhook, context) => {
    if ((webhook.urlEnv === undefined) === (webhook.url === undefined)) {
      context.addIssue({
        code: 'custom',
        message: 'give exactly one of urlEnv (a variable holding the URL) or url',
      });
    }
    if (webhook.url !== undefined) checkLocalUrl(webhook.url, context);
  });

/** Webhook URLs off this machine carry their secret in the path (Slack does): they belong in the environment. */
function checkLocalUrl(text: string, context: z.RefinementCtx): void {
  let url: URL | undefined;
  try {
    url = new URL(text);
  } catch {
    context.addIssue({
      code: 'custom',
      path: ['url'],
      message: 'is not a URL: write e.g. http://127.0.0.1:9000/hook',
    });
    return;
  }
  if (!LOOPBACK_HOSTS.has(url.hostname) || url.username || url.password) {
    context.addIssue({
      code: 'custom',
      path: ['url'],
      message:
        'may only point at this machine (127.0.0.1 or localhost): a remote webhook URL is a secret, so put it in an environment variable and write urlEnv: NAME',
    });
  }
}

/** A secret written into the file itself: refused, naming the `…Env` key to use instead. */
function secretInFile(key: string, envKey: string) {
  return {
    code: 'custom' as const,
    path: [key],
    message: `is a secret and does not belong in the file: put it in an environment variable and write ${envKey}: NAME`,
  };
}

/**
 * Slack: approval requests with Approve and Reject buttons (through the app's bot token to
 * `channel`, or the webhooks above), and the interactivity endpoint that takes the clicks.
 */
const slackConfigSchema = z
  .strictObject({
    /** Verifies the interactivity requests (Slack app → Basic Information → Signing Secret). */
    signingSecretEnv: envNameSchema.optional(),
    /** The app's bot token (xoxb-…): posts the requests, opens the reject modal, reads e-mails. */
    botTokenEnv: envNameSchema.optional(),
    /** Where the bot posts approval requests: a channel id such as C0123456789. */
    channel: z
      .string({ error: 'must be a channel id such as C0123456789' })
      .regex(/^[CGD][A-Z0-9]{2,}$/, {
        error: 'must be a channel id such as C0123456789 (in Slack: channel details, at the bottom)',
      })
      .optional(),
    /** Slack's Web API; a stand-in's address in tests. */
    apiUrl: z.url({ error: 'must be a URL such as https://slack.com/api' }).default('https://slack.com/api'),
    /** Slack user id (U0123ABCD) or e-mail → the person approvals know. */
    users: z
      .record(z.string().min(1), nameSchema, {
        error: 'must map Slack user ids or e-mails to people, e.g. {U0123ABCD: alice, bob@example.com: bob}',
      })
      .default({}),
    signingSecret: z.unknown().optional(),
    botToken: z.unknown().optional(),
  })
  .superRefine((slack, context) => {
    if (slack.signingSecret !== undefined)
      context.addIssue(secretInFile('signingSecret', 'signingSecretEnv'));
    if (slack.botToken !== undefined) context.addIssue(secretInFile('botToken', 'botTokenEnv'));
    if (slack.channel !== undefined && slack.botTokenEnv === undefined) {
      context.addIssue({
        code: 'custom',
        path: ['botTokenEnv'],
        message: `is needed with channel ${slack.channel}: the bot token that posts there (or drop channel and post through a webhook)`,
      });
    }
    for (const key of Object.keys(slack.users)) {
      if (!/^[UW][A-Z0-9]{2,}$/.test(key) && !/^[^@\s]+@[^@\s]+$/.test(key)) {
        context.addIssue({
          code: 'custom',
          path: ['users', key],
          message:
            'must be a Slack user id (U0123ABCD, from the profile: Copy member ID) or an e-mail address',
        });
      }
    }
  })
  .transform(({ signingSecret: _secret, botToken: _token, ...slack }) => slack);

const webUserSchema = z
  .strictObject({ tokenEnv: envNameSchema.optional(), token: z.unknown().optional() })
  .superRefine((user, context) => {
    if (user.token !== undefined) {
      context.addIssue({
        code: 'custom',
        path: ['token'],
        message:
          'tokens are secrets and do not belong in the file: put it in an environment variable and write tokenEnv: NAME',
      });
    } else if (user.tokenEnv === undefined) {
      context.addIssue({
        code: 'custom',
        path: ['tokenEnv'],
        message: "is needed: the environment variable holding this user's token",
      });
    }
  })
  .transform((user) => ({ tokenEnv: user.tokenEnv as string }));

const cidrSchema = z.string().refine((text) => parseCidr(text) !== undefined, {
  error: 'must be an address or CIDR block such as 10.0.0.5, 10.0.0.0/8 or fd00::/8',
});

const roleMembersSchema = z.array(nameSchema, {
  error: 'must be a list of user names and group names, such as [alice, ops]',
});

/**
 * Who may do what on the operations page. A name is a user, an approval group (approvals.groups)
 * or a group of the OIDC groups claim. Approvers (members of approval groups) also operate.
 */
const webRolesSchema = z.strictObject({
  /** May set keep-alives, stop and start clusters and pause schedules. */
  operators: roleMembersSchema.default([]),
  /** May see the operations page; absent: everyone signed in. */
  viewers: roleMembersSchema.optional(),
});

const webConfigSchema = z
  .strictObject({
    publicUrl: z
      .url({ error: 'must be a URL such as http://127.0.0.1:8787' })
      .default('http://127.0.0.1:8787'),
    /** Trusted only from `trustedProxies`; absent (the default): no header signs anyone in. */
    identityHeader: z
      .string()
      .regex(/^[A-Za-z0-9-]+$/, { error: 'must be an HTTP header name such as X-Forwarded-User' })
      .optional(),
    /** The auth proxies' addresses: the identity header is believed only from these. */
    trustedProxies: z.array(cidrSchema, { error: 'must be a list of addresses or CIDR blocks' }).default([]),
    users: z.record(nameSchema, webUserSchema).default({}),
    /** Sign-in with an OpenID Connect provider: see web-oidc.ts. */
    oidc: oidcConfigSchema.optional(),
    /** Operators and viewers of the operations page; default: no operators but the approvers. */
    roles: webRolesSchema.default({ operators: [] }),
  })
  .superRefine((web, context) => {
    if (web.identityHeader && web.trustedProxies.length === 0) {
      context.addIssue({
        code: 'custom',
        path: ['trustedProxies'],
        message: `is needed with identityHeader ${web.identityHeader}: list the auth proxy's addresses (e.g. [10.0.0.5/32]), since anyone else could send the header`,
      });
    }
    if (!web.identityHeader && web.trustedProxies.length > 0) {
      context.addIssue({
        code: 'custom',
        path: ['identityHeader'],
        message:
          'is needed with trustedProxies: name the header the proxy sets (e.g. X-Forwarded-User), or drop trustedProxies',
      });
    }
  });

const approvalsConfigSchema = z.strictObject({
  groups: z.record(
    nameSchema,
    z.array(nameSchema, { error: 'must be a list of user names, such as [alice, bob]' }),
  ),
  default: defaultPolicyConfigSchema,
  policies: z.array(namedPolicyConfigSchema, { error: 'must be a list of policies' }).default([]),
});

export const configFileSchema = z.strictObject({
  approvals: approvalsConfigSchema.optional(),
  notifications: z
    .strictObject({
      webhooks: z.array(webhookConfigSchema).default([]),
      slack: slackConfigSchema.optional(),
    })
    .optional(),
  web: webConfigSchema.optional(),
  observability: observabilityConfigSchema.optional(),
  prices: z
    .string({ error: 'must be the path of a price file (JSON like prices/default-prices.json)' })
    .min(1)
    .optional(),
  /** Change policies (bounds, cooldown, auto-approval, force, protection): see change-policies.ts. */
  policies: changePoliciesConfigSchema.optional(),
  /** Imply environments besides the default one (IMPLY_*): see environments.ts. */
  environments: environmentsConfigSchema.optional(),
});

export type StageConfig = z.output<typeof stageConfigSchema>;
export type CostDeltaConfig = z.output<typeof costDeltaConfigSchema>;
export type DefaultPolicyConfig = z.output<typeof defaultPolicyConfigSchema>;
export type NamedPolicyConfig = z.output<typeof namedPolicyConfigSchema>;
export type WebhookConfig = z.output<typeof webhookConfigSchema>;
export type WebConfig = z.output<typeof webConfigSchema>;
export type WebRolesConfig = z.output<typeof webRolesSchema>;
export type SlackConfig = z.output<typeof slackConfigSchema>;
export type ApprovalsConfig = z.output<typeof approvalsConfigSchema>;
export type ConfigFile = z.output<typeof configFileSchema>;
