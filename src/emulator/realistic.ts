import { DATA_TIERS, type ClusterSpec } from '../cloud-manager/schemas/cluster';
import { echoSpec, type EchoedSpec } from './defaults';

/**
 * The emulator's realistic mode: the real API returns more than we model (Imply's reference names
 * ClustersServers and the Server, Event, LoadBalancer and UpdateState objects). These fields stand in
 * for them; their names and values are ours, not Imply's. Spec fields are stored, sent back by
 * clients, and reset to their defaults by a PUT that leaves them out (a whole-spec replace); status
 * fields are made up from the cluster at each answer.
 */

type Json = Record<string, unknown>;

function isPlainObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const clone = <T>(value: T): T => structuredClone(value);

/** The unmodelled spec fields a cluster gets when a create or PUT does not give them. Pure. */
export function unmodelledDefaults(spec: EchoedSpec): Json {
  const data = isPlainObject(spec.data) ? spec.data : {};
  const tiers = Object.fromEntries(
    DATA_TIERS.filter((tier) => isPlainObject(data[tier])).map((tier) => [tier, { diskSize: 100 }]),
  );
  const defaults: Json = {
    zookeeper: { replicas: 3, instanceType: 'm5.large', settings: { tickTimeMs: 2000 } },
    ingressCidrs: ['10.0.0.0/8'],
    query: { pivotRuntimeProperties: [] },
    data: tiers,
  };
  if (isPlainObject(spec.metadataStore)) defaults.metadataStore = { multiAz: false };
  return defaults;
}

/** `target` with every field of `defaults` it lacks, at every depth (objects present only). Pure. */
function fillMissing(target: Json, defaults: Json): Json {
  const filled: Json = { ...target };
  for (const [key, value] of Object.entries(defaults)) {
    if (filled[key] === undefined) filled[key] = clone(value);
    else if (isPlainObject(filled[key]) && isPlainObject(value)) {
      filled[key] = fillMissing(filled[key] as Json, value);
    }
  }
  return filled;
}

/** `echoed` with the fields of `given` it does not have, at every depth (lists item by item). Pure. */
function keepUnknown(echoed: unknown, given: unknown): unknown {
  if (isPlainObject(echoed) && isPlainObject(given)) {
    const kept: Json = { ...echoed };
    for (const [key, value] of Object.entries(given)) {
      if (value === undefined) continue;
      kept[key] = key in echoed ? keepUnknown(echoed[key], value) : clone(value);
    }
    return kept;
  }
  if (Array.isArray(echoed) && Array.isArray(given) && echoed.length === given.length) {
    return echoed.map((item, index) => keepUnknown(item, given[index]));
  }
  return echoed;
}

/**
 * The spec a realistic emulator stores: the echoed known fields, the unknown fields the body gave
 * (desiredState aside: the emulator keeps it apart), and the defaults of those it left out. Pure.
 */
export function realisticSpec(echoed: EchoedSpec, given: Json): EchoedSpec {
  const withUnknown = keepUnknown(echoed, { ...given, desiredState: undefined }) as EchoedSpec;
  return fillMissing(withUnknown, unmodelledDefaults(withUnknown));
}

/** The spec as the emulator stores and echoes it; realistic mode keeps unknown fields and resets those left out. Pure. */
export function storedSpec(spec: ClusterSpec, onCreate: boolean, realistic: boolean): EchoedSpec {
  const echoed = echoSpec(spec, onCreate);
  return realistic ? realisticSpec(echoed, spec as Json) : echoed;
}

const NODE_GROUPS = ['master', 'query', ...DATA_TIERS.map((tier) => `data.${tier}`)];

function groupAt(spec: Json, group: string): Json | undefined {
  const found = group
    .split('.')
    .reduce<unknown>((node, key) => (isPlainObject(node) ? node[key] : undefined), spec);
  return isPlainObject(found) ? found : undefined;
}

/** Status fields the real API reports and we do not model (servers, events, load balancer, update state). Pure. */
export function realisticStatus(view: { metadata: { uid: string }; spec: Json; status: Json }): Json {
  const { state, resourceVersion } = view.status;
  const settled = state === 'RUNNING' || state === 'STOPPED' || state === 'FAILED';
  const servers = NODE_GROUPS.flatMap((group) => {
    const found = groupAt(view.spec, group);
    if (!found) return [];
    return [{ nodeType: group, instanceType: found.instanceType, count: found.replicas, state }];
  });
  return {
    servers,
    events: [
      {
        type: 'ConfigurationAccepted',
        resourceVersion,
        message: `resource version ${String(resourceVersion)}`,
      },
    ],
    loadBalancer: { hostname: `${view.metadata.uid}.lb.emulator.invalid`, ports: [8888, 9095] },
    updateState: { phase: settled ? 'IDLE' : 'IN_PROGRESS', resourceVersion },
  };
}
