import { readFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { S3_PATH } from '../../src/cloud-manager/schemas/cluster';

/**
 * Generators of invalid input for the property tests: each case is the tutorial's valid cluster
 * with one thing broken, and the field (Imply's JSON-path `target`) a refusal must name.
 */

export const VALID_CLUSTER = JSON.parse(
  readFileSync(path.resolve(__dirname, '../../examples/tutorial-cluster.json'), 'utf8'),
) as Record<string, unknown>;

export interface InvalidCase {
  body: Record<string, unknown>;
  /** The target the error must name: `spec.data.tier1.replicas`, `spec.colour`. */
  target: string;
  what: string;
}

const clone = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

/** A copy of the valid cluster with `value` at `dotted` (undefined deletes it). */
function withValue(dotted: string, value: unknown, what: string): InvalidCase {
  const body = clone(VALID_CLUSTER);
  const keys = dotted.split('.');
  let node = body as Record<string, unknown>;
  for (const key of keys.slice(0, -1)) node = node[key] as Record<string, unknown>;
  const last = keys.at(-1) as string;
  if (value === undefined) delete node[last];
  else node[last] = value;
  return { body, target: dotted, what };
}

const GROUPS = ['spec.master', 'spec.query', 'spec.data.tier1'];
const REQUIRED = [
  'metadata',
  'metadata.name',
  'spec',
  'spec.version',
  'spec.awsInstanceRole',
  'spec.master',
  'spec.query',
  'spec.data',
  'spec.data.tier1',
  'spec.deepStorage',
  'spec.deepStorage.path',
  ...GROUPS.flatMap((group) => [`${group}.replicas`, `${group}.instanceType`]),
];
const KNOWN_KEYS = new Set(
  ['metadata', 'spec', 'status', 'name', 'uid', 'version', 'awsInstanceRole', 'awsKeyPair', 'awsTags'].concat(
    ['encryptVolumes', 'commonRuntimeProperties', 'desiredState', 'master', 'query', 'data', 'pivot'],
    ['metadataStore', 'deepStorage', 'druidExtensions', 'featureFlags', 'customFiles', 'replicas'],
    [
      'instanceType',
      'historicalRuntimeProperties',
      'middleManagerRuntimeProperties',
      'tier1',
      'tier2',
      'tier3',
    ],
    ['coordinatorRuntimeProperties', 'overlordRuntimeProperties', 'brokerRuntimeProperties'],
    ['routerRuntimeProperties', 'constructor', '__proto__', 'prototype', 'toString', 'valueOf'],
  ),
);

/** Replica counts the API refuses: zero or less, fractions, and values of the wrong type. */
export const badReplicas = fc.oneof(
  fc.integer({ min: -1_000_000, max: 0 }),
  fc.double({ min: -1e6, max: 1e6, noNaN: true }).filter((value) => !Number.isInteger(value)),
  fc.string(),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.integer(), { maxLength: 2 }),
);

const fieldName = fc.stringMatching(/^[a-z][A-Za-z0-9]{0,15}$/).filter((key) => !KNOWN_KEYS.has(key));

/** One broken field of the tutorial's cluster, and the target that names it. */
export const invalidCluster: fc.Arbitrary<InvalidCase> = fc.oneof(
  fc
    .tuple(fc.constantFrom(...GROUPS), badReplicas)
    .map(([group, value]) => withValue(`${group}.replicas`, value, `replicas ${JSON.stringify(value)}`)),
  fc
    .tuple(fc.constantFrom(...REQUIRED), fc.constantFrom(undefined, null))
    .map(([field, value]) => withValue(field, value, value === null ? 'null' : 'missing')),
  fc
    .string({ maxLength: 40 })
    .filter((text) => !S3_PATH.test(text))
    .map((text) => withValue('spec.deepStorage.path', text, `deep storage ${JSON.stringify(text)}`)),
  fc
    .tuple(
      fc.constantFrom('', 'metadata', 'spec', 'spec.data.tier1', 'spec.master'),
      fieldName,
      fc.jsonValue(),
    )
    .map(([parent, key, value]) => {
      const dotted = parent ? `${parent}.${key}` : key;
      return withValue(dotted, value ?? 'x', `unknown field ${dotted}`);
    }),
  fc
    .oneof(
      fc.constantFrom('', '   ', '\t'),
      fc.integer({ min: 129, max: 400 }).map((length) => 'n'.repeat(length)),
    )
    .map((name) => withValue('metadata.name', name, `name of ${name.length} characters`)),
  fc
    .tuple(fc.constantFrom(...GROUPS), fc.oneof(fc.integer(), fc.boolean(), fc.constant('')))
    .map(([group, value]) =>
      withValue(`${group}.instanceType`, value, `instanceType ${JSON.stringify(value)}`),
    ),
  fc.string().map((value) => withValue('spec.encryptVolumes', value, 'encryptVolumes as text')),
  fc
    .integer({ min: -100, max: 0 })
    .map((size) => withValue('spec.metadataStore.diskSize', size, `diskSize ${size}`)),
);

/** A `--scale` value the runbook must refuse, and the words the refusal must hold. */
export const invalidScale: fc.Arbitrary<{ change: string; names: string }> = fc.oneof(
  fc
    .oneof(fc.integer({ min: -50, max: 0 }), fc.constantFrom(1.5, 2.25, 'many', 'true'))
    .map((value) => ({ change: `data.tier1.replicas=${value}`, names: 'spec.data.tier1.replicas' })),
  fieldName.map((key) => ({ change: `${key}=1`, names: `spec.${key}` })),
  fieldName.map((key) => ({ change: `master.${key}=1`, names: `spec.master.${key}` })),
  fc.constantFrom('master', 'query', 'data').map((key) => ({ change: `${key}=3`, names: `spec.${key}` })),
  fc.constant({ change: 'data.tier1.replicas.x=1', names: 'cannot set spec.data.tier1.replicas.x' }),
  fc
    .constantFrom('replicas', 'data.tier1.replicas=', '=2', 'data..tier1=2', '1abc=2', 'data tier=2')
    .map((change) => ({ change, names: change.split('=')[0] || change })),
);
