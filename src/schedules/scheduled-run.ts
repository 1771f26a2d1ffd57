import type { OffHoursSettings } from '../shared/off-hours';
import type { FleetInput, FleetSummary, PowerAction } from '../shared/power';
import type { SlotKind } from './slots';
import type { WhenSlot } from './when';

/**
 * What a schedule starts (`scheduledFleetRun`) and what that run returns. Plain types: imported by
 * the workflow, the schedule commands and the tests alike.
 */

/** `ImplyRunbookKind` of the runs schedules start (their fleet runs are `fleet`, each cluster's `power`). */
export const SCHEDULED_RUN_KIND = 'scheduled-fleet';

/** A run that starts this much after its scheduled time says it was late (a worker or server outage). */
export const LATE_AFTER_MS = 5_000;

/** The argument each schedule's action passes to `scheduledFleetRun`. */
export interface ScheduledRunInput {
  /** The name given to `schedule create` (the Temporal schedules are `<name>-stop` and `<name>-start`). */
  scheduleName: string;
  scheduleId: string;
  action: PowerAction;
  timeZone: string;
  /** The action's `<when>` slots: a run claims one of them, so daylight saving cannot make it run twice. */
  slots: WhenSlot[];
  /** A run starting later than this after its scheduled time does nothing and says it was missed. */
  catchupWindowMs: number;
  fleet: FleetInput;
  /** Stop runs of a schedule with enforced off-hours: the guard's settings and when off-hours end. */
  offHours?: OffHoursSettings & { startSlots: WhenSlot[] };
}

/**
 * `ran`: the fleet run happened (its summary attached); `duplicate`: another run already claimed the
 * same local slot (the repeated hour of a fall-back night); `missed`: later than the catch-up window.
 */
export type ScheduledRunOutcome = 'ran' | 'duplicate' | 'missed';

export interface ScheduledRunResult {
  scheduleName: string;
  action: PowerAction;
  outcome: ScheduledRunOutcome;
  /** The time the schedule meant (UTC ISO), and when the run began its work. */
  scheduledAt: string;
  startedAt: string;
  /** How late the run began: a worker that was down, or a server that caught up after an outage. */
  lateByMs: number;
  late: boolean;
  /** The local slot claimed: kind, date and time in the schedule's zone. */
  slot: { kind: SlotKind; localDate: string; localTime: string; timeZone: string };
  /** The fleet run's workflow id: `fleet:<schedule id>:<local date>T<local time>`. */
  fleetRunbookId: string;
  reason?: string;
  summary?: FleetSummary;
  /** The off-hours guard started after the stop, until the next start (enforced off-hours). */
  offHoursGuardId?: string;
}
