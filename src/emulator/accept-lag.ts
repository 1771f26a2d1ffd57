import type { ClusterView } from './cluster-views';

/**
 * Two ways the real API may differ from the emulator's instant bookkeeping, as faults:
 * - Accepted is not applied: after a 202 the cluster keeps showing what it was (state, and with
 *   `bumpsVersion: false` also its version and spec) for `lagMs` before the transition shows.
 * - An unknown state: a transition shows a state name outside the nine we know.
 * Views only: the store keeps the truth, so a second change meanwhile still answers 409.
 */

export interface PresentationFaults {
  acceptLagMs: number;
  acceptLagBumpsVersion: boolean;
  unknownTransitionState?: string | null;
}

interface Held {
  until: number;
  /** What GET shows until then; undefined for a deleted cluster, which answers 404 only afterwards. */
  view: ClusterView;
}

export class ClusterPresentation {
  private readonly held = new Map<string, Held>();

  constructor(private readonly faults: () => PresentationFaults) {}

  /** Extra time a transition started now takes: it only begins once the lag is over. */
  get lagMs(): number {
    return this.faults().acceptLagMs;
  }

  /**
   * Remembers what the cluster looked like before an accepted change, so GET shows it for the lag.
   * `after` is the cluster as changed (its new version and spec, shown when the fault bumps them).
   */
  hold(before: ClusterView, after: ClusterView): void {
    const { acceptLagMs, acceptLagBumpsVersion } = this.faults();
    if (acceptLagMs <= 0) return;
    const view: ClusterView = acceptLagBumpsVersion
      ? {
          metadata: after.metadata,
          spec: after.spec,
          status: { ...before.status, resourceVersion: after.status.resourceVersion },
        }
      : before;
    this.held.set(before.metadata.uid, { until: Date.now() + acceptLagMs, view: structuredClone(view) });
  }

  /** The view GET and the list answer: the held one during a lag, an unknown state if injected. */
  present(actual: ClusterView, inTransition: boolean): ClusterView {
    const held = this.current(actual.metadata.uid);
    if (held) return structuredClone(held.view);
    const unknown = this.faults().unknownTransitionState;
    if (!inTransition || !unknown) return actual;
    return { ...actual, status: { ...actual.status, state: unknown as ClusterView['status']['state'] } };
  }

  /** The held view of a cluster while the lag lasts (a deleted one too: 404 only afterwards). */
  heldView(uid: string): ClusterView | undefined {
    const held = this.current(uid);
    return held && structuredClone(held.view);
  }

  private current(uid: string): Held | undefined {
    const held = this.held.get(uid);
    if (!held) return undefined;
    if (held.until > Date.now()) return held;
    this.held.delete(uid);
    return undefined;
  }
}
