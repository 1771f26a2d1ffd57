import type { ClusterSpec, DataTier, DesiredState, NamedValue } from '../cloud-manager/schemas/cluster';
import { DATA_TIERS } from '../cloud-manager/schemas/cluster';

/**
 * Builds the spec the emulator echoes back, with the defaults Imply fills in and the key order of
 * the tutorial's outputs (the tutorial is compared byte for byte, so order matters).
 * `desiredState` is kept apart (the record's own field): answers add it to the spec as the API
 * reference's sample does, or leave it out as the tutorial's outputs do (cluster-views.ts, `inMode`).
 */

/** The echoed spec: a plain JSON object in the tutorial's key order, without `desiredState`. */
export type EchoedSpec = Record<string, unknown>;

export const DEFAULT_DESIRED_STATE: DesiredState = 'STARTED';

function list<T>(value: T[] | undefined): T[] {
  return value ? [...value] : [];
}

function copyProperties(value: NamedValue[] | undefined): NamedValue[] {
  return list(value).map((property) => ({ name: property.name, value: property.value }));
}

function echoTier(tier: DataTier): Record<string, unknown> {
  return {
    replicas: tier.replicas,
    instanceType: tier.instanceType,
    historicalRuntimeProperties: copyProperties(tier.historicalRuntimeProperties),
    middleManagerRuntimeProperties: copyProperties(tier.middleManagerRuntimeProperties),
  };
}

function echoData(data: ClusterSpec['data']): Record<string, unknown> {
  const echoed: Record<string, unknown> = {
    historicalRuntimeProperties: copyProperties(data.historicalRuntimeProperties),
    middleManagerRuntimeProperties: copyProperties(data.middleManagerRuntimeProperties),
  };
  for (const name of DATA_TIERS) {
    const tier = data[name];
    if (tier) echoed[name] = echoTier(tier);
  }
  return echoed;
}

function echoDeepStorage(
  deepStorage: ClusterSpec['deepStorage'],
  onCreate: boolean,
): Record<string, unknown> {
  // Imply turns deep storage encryption on when a cluster is created without saying; a later PUT
  // without `encrypt` echoes none (the tutorial's PUT output), so the default applies on create only.
  const encrypt = deepStorage.encrypt ?? (onCreate ? true : undefined);
  return encrypt === undefined ? { path: deepStorage.path } : { path: deepStorage.path, encrypt };
}

/** Returns the spec as the API echoes it, defaults filled; `onCreate` adds the create-only defaults. Pure. */
export function echoSpec(spec: ClusterSpec, onCreate: boolean): EchoedSpec {
  const echoed: EchoedSpec = { version: spec.version, awsInstanceRole: spec.awsInstanceRole };
  if (spec.awsKeyPair !== undefined) echoed.awsKeyPair = spec.awsKeyPair;
  echoed.awsTags = copyProperties(spec.awsTags);
  if (spec.encryptVolumes !== undefined) echoed.encryptVolumes = spec.encryptVolumes;
  echoed.commonRuntimeProperties = copyProperties(spec.commonRuntimeProperties);
  echoed.master = {
    replicas: spec.master.replicas,
    instanceType: spec.master.instanceType,
    coordinatorRuntimeProperties: copyProperties(spec.master.coordinatorRuntimeProperties),
    overlordRuntimeProperties: copyProperties(spec.master.overlordRuntimeProperties),
  };
  echoed.query = {
    replicas: spec.query.replicas,
    instanceType: spec.query.instanceType,
    brokerRuntimeProperties: copyProperties(spec.query.brokerRuntimeProperties),
    routerRuntimeProperties: copyProperties(spec.query.routerRuntimeProperties),
  };
  echoed.data = echoData(spec.data);
  if (spec.metadataStore) {
    const store = spec.metadataStore;
    echoed.metadataStore = {
      instanceType: store.instanceType,
      diskSize: store.diskSize,
      backupRetention: store.backupRetention,
      monitoring: store.monitoring,
      encrypt: store.encrypt,
    };
  }
  echoed.pivot = { accessMode: spec.pivot?.accessMode ?? 'PROXIED' };
  echoed.deepStorage = echoDeepStorage(spec.deepStorage, onCreate);
  echoed.druidExtensions = list(spec.druidExtensions);
  echoed.featureFlags = list(spec.featureFlags);
  echoed.customFiles = list(spec.customFiles);
  return echoed;
}
