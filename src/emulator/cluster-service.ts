import { randomUUID } from 'node:crypto';
import {
  clusterNotFound,
  inMode,
  snapshotOf,
  stateConflict,
  versionNotFound,
  viewOf,
  type ClusterView,
} from './cluster-views';
import { DEFAULT_DESIRED_STATE } from './defaults';
import { checkUid, validate, validatePatch } from './request-validation';
import { applyMergePatch } from './merge-patch';
import { planChange, planDelete, settledStateFor, type Plan } from './state-machine';
import type { ClusterRecord, ClusterStore, VersionSnapshot } from './store';
import { TransitionClock } from './transitions';
import { ClusterPresentation } from './accept-lag';
import { jsonEqual } from '../cloud-manager/diff';
import type { ClusterSpec } from '../cloud-manager/schemas/cluster';
import { DEFAULT_MODE, type EmulatorMode } from './mode';
import { storedSpec } from './realistic';

/** The Cloud Manager operations on the store: validation, the state machine, versions and history. */

/** What an operation answers; `committed` is false for dry runs. */
export interface Outcome {
  status: number;
  body: unknown;
  committed: boolean;
}

export interface ChangeOptions {
  dryRun: boolean;
  force?: boolean;
}

type Change = Pick<ClusterRecord, 'name' | 'spec' | 'desiredState'>;

export class ClusterService {
  readonly clock: TransitionClock;

  constructor(
    private readonly store: ClusterStore,
    private readonly transitionMs: number,
    shouldFail: (uid: string) => boolean,
    private readonly presentation = new ClusterPresentation(() => ({
      acceptLagMs: 0,
      acceptLagBumpsVersion: false,
    })),
    private readonly mode: () => EmulatorMode = () => DEFAULT_MODE,
  ) {
    this.clock = new TransitionClock(store, shouldFail);
    // After a restart: finish what ran out while stopped, schedule the rest.
    for (const record of store.all()) this.clock.schedule(record);
  }

  /** Every cluster, deleted ones included, with status. Read-only. */
  list(): ClusterView[] {
    return this.store.all().map((record) => this.view(this.clock.catchUp(record)));
  }

  /** One live cluster with status; 404 when unknown, deleting or deleted. Read-only. */
  get(uid: string): ClusterView {
    const held = this.presentation.heldView(uid);
    return held ? inMode(held, this.mode()) : this.view(this.live(uid));
  }

  /** Whether the id names a live (not deleting or deleted) cluster. Read-only. */
  exists(uid: string): boolean {
    const record = this.store.get(uid);
    return record !== undefined && this.isLive(this.clock.catchUp(record));
  }

  /** The configuration at `version`; 404 when the cluster never had it. Read-only. */
  history(uid: string, version: string): VersionSnapshot {
    this.live(uid);
    const snapshot = /^\d+$/.test(version) ? this.store.version(uid, Number(version)) : undefined;
    if (!snapshot) throw versionNotFound(uid, version);
    return inMode(snapshot, this.mode());
  }

  /** Creates a cluster (CREATING, version 0). Not idempotent: each call makes a new cluster. */
  create(body: unknown, options: ChangeOptions): Outcome {
    const request = this.validate(body);
    const now = new Date().toISOString();
    const record: ClusterRecord = {
      uid: randomUUID(),
      name: request.metadata.name,
      spec: this.echo(request.spec, true),
      desiredState: request.spec.desiredState ?? DEFAULT_DESIRED_STATE,
      state: 'CREATING',
      resourceVersion: 0,
      sequence: -1,
      createdAt: now,
      updatedAt: now,
      lastChangeForced: false,
    };
    if (options.dryRun) return { status: 200, body: this.answer(record), committed: false };
    const created = { ...record, sequence: this.store.takeSequence() };
    this.start(created, {
      kind: 'transition',
      busyState: 'CREATING',
      endState: settledStateFor(created.desiredState),
    });
    return { status: 201, body: this.answer(created), committed: true };
  }

  /** Replaces the configuration (UPDATING, version +1). A repeat makes another version. */
  replace(uid: string, body: unknown, options: ChangeOptions): Outcome {
    const record = this.live(uid);
    const request = this.validate(body);
    checkUid(request, uid);
    const desiredState = request.spec.desiredState ?? record.desiredState;
    const change = { name: request.metadata.name, spec: this.echo(request.spec, false), desiredState };
    const plan = planChange(uid, record, {
      operation: 'PUT',
      configChanged: true,
      desiredState,
      desiredStateGiven: request.spec.desiredState !== undefined,
    });
    return this.commit(record, change, plan, options);
  }

  /** Merges a JSON Merge Patch into the configuration. Asking for the current state again is a no-op. */
  patch(uid: string, body: unknown, options: ChangeOptions): Outcome {
    const record = this.live(uid);
    const patch = validatePatch(body);
    const base = {
      metadata: { name: record.name, uid },
      spec: { ...record.spec, desiredState: record.desiredState },
    };
    const request = this.validate(applyMergePatch(base, patch));
    checkUid(request, uid);
    const change = {
      name: request.metadata.name,
      spec: this.echo(request.spec, false),
      desiredState: request.spec.desiredState ?? DEFAULT_DESIRED_STATE,
    };
    const configChanged = change.name !== record.name || !jsonEqual(change.spec, record.spec);
    const plan = planChange(uid, record, {
      operation: 'PATCH',
      configChanged,
      desiredState: change.desiredState,
      desiredStateGiven: patch.spec !== undefined && 'desiredState' in patch.spec,
    });
    return this.commit(record, change, plan, options);
  }

  /** Starts deleting (DELETING, then DELETED: listed, 404 by id). Safe to retry while deleting. */
  remove(uid: string): Outcome {
    const found = this.store.get(uid);
    const record = found && this.clock.catchUp(found);
    if (!record || record.state === 'DELETED') throw clusterNotFound(uid);
    const plan = planDelete(uid, record.state);
    if (plan.kind === 'conflict') throw stateConflict(plan.message);
    if (plan.kind === 'transition') {
      const before = viewOf(record);
      this.start(record, plan, this.presentation.lagMs);
      this.presentation.hold(before, before);
    }
    return { status: 202, body: undefined, committed: true };
  }

  /** Ends the cluster's transition now (an admin shortcut for tests); 404 for an unknown id. Safe to repeat. */
  finishTransition(uid: string): { uid: string; state: string; resourceVersion: number } {
    const record = this.store.get(uid) && this.clock.finish(uid);
    if (!record) throw clusterNotFound(uid);
    return { uid, state: record.state, resourceVersion: record.resourceVersion };
  }

  /** Stops the timers; the store keeps in-flight transitions for the next start. */
  close(): void {
    this.clock.stopAll();
  }

  private commit(record: ClusterRecord, change: Change, plan: Plan, options: ChangeOptions): Outcome {
    if (plan.kind === 'conflict') throw stateConflict(plan.message);
    if (plan.kind === 'noop') return { status: 202, body: this.answer(record), committed: !options.dryRun };
    if (options.dryRun) return { status: 200, body: this.answer({ ...record, ...change }), committed: false };
    const changed: ClusterRecord = {
      ...record,
      ...change,
      resourceVersion: record.resourceVersion + 1,
      lastChangeForced: options.force === true,
    };
    const before = viewOf(record);
    this.start(changed, plan, this.presentation.lagMs);
    this.presentation.hold(before, viewOf(changed));
    return { status: 202, body: this.answer(changed), committed: true };
  }

  /** Saves the record in the plan's busy state, with a snapshot when the version is new. */
  private start(record: ClusterRecord, plan: Extract<Plan, { kind: 'transition' }>, lagMs = 0): void {
    const previous = this.store.get(record.uid);
    const isNewVersion = !previous || previous.resourceVersion !== record.resourceVersion;
    const started: ClusterRecord = {
      ...record,
      state: plan.busyState,
      updatedAt: new Date().toISOString(),
      transition: {
        busyState: plan.busyState,
        endState: plan.endState,
        // An accepted change that shows late (a fault) starts its transition once it shows.
        endsAt: Date.now() + lagMs + this.transitionMs,
      },
    };
    this.store.save(started, isNewVersion ? snapshotOf(started) : undefined);
    this.clock.schedule(started);
  }

  /** What GET and the list show of a record: the presentation faults applied, as the mode shows it. */
  private view(record: ClusterRecord): ClusterView {
    return inMode(this.presentation.present(viewOf(record), record.transition !== undefined), this.mode());
  }

  /** What POST, PUT and PATCH answer: the record's configuration, as the mode shows it. */
  private answer(record: ClusterRecord): VersionSnapshot {
    return inMode(snapshotOf(record), this.mode());
  }

  /** A body's check: realistic mode takes back fields we do not model, the default refuses them. */
  private validate(body: unknown) {
    return validate(body, this.mode().realistic ? 'keep' : 'refuse');
  }

  private echo(spec: ClusterSpec, onCreate: boolean) {
    return storedSpec(spec, onCreate, this.mode().realistic);
  }

  private isLive(record: ClusterRecord): boolean {
    return record.state !== 'DELETING' && record.state !== 'DELETED';
  }

  private live(uid: string): ClusterRecord {
    const found = this.store.get(uid);
    const record = found && this.clock.catchUp(found);
    if (!record || !this.isLive(record)) throw clusterNotFound(uid);
    return record;
  }
}
