import type { ClusterState, DesiredState } from '../cloud-manager/schemas/cluster';
import type { EchoedSpec } from './defaults';

/** What the emulator's store and its SQLite persistence hold: plain records, no behaviour. */

/** A transition in flight: the end time is wall-clock, so a restarted emulator can finish it. */
export interface Transition {
  busyState: ClusterState;
  endState: ClusterState;
  /** Epoch milliseconds when the transition ends. */
  endsAt: number;
}

/** One cluster as the emulator holds it. Records are replaced, never changed in place. */
export interface ClusterRecord {
  uid: string;
  name: string;
  spec: EchoedSpec;
  desiredState: DesiredState;
  state: ClusterState;
  resourceVersion: number;
  /** Creation order, so the list answers in a stable order. */
  sequence: number;
  createdAt: string;
  updatedAt: string;
  /** Whether the last accepted change asked for `force=true` (recorded, never acted on). */
  lastChangeForced: boolean;
  transition?: Transition;
}

/** A past configuration, exactly as history/{n} answers it. */
export interface VersionSnapshot {
  metadata: { name: string; uid: string };
  spec: EchoedSpec;
}
