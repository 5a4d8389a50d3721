/** The door's state as plain data: what a snapshot holds, how it is taken and put back. */
import type { AccountId } from "../param/index.js";
import type { EngineSnapshot } from "../engine/index.js";
import { ChannelState, type ChannelData } from "./channel-state.js";
import type { AuditLogData } from "./audit-log.js";
import type { ExecutionSettings } from "./commands.js";
import type { SequencedEvent, SidecarEvent } from "./event-hub.js";
import { executionSettingsOf, restoreSettings } from "./door-settings.js";
import type { DoorInternals } from "./door-internals.js";
import type { JournalWriter } from "./journal-writer.js";
import { restoredDecided } from "./decided-accounts.js";

/** Everything the door holds, as plain data: a snapshot covers the journal up to `sequence`. */
export interface StateSnapshot {
  readonly format: 1;
  readonly sequence: bigint;
  /** The last command's timestamp: time never steps back across a restart. */
  readonly ts: number;
  readonly nextChannelId: bigint;
  /** `quoteTtls`: the file's, kept for registrations (restored without touching the market data, which holds those in force); absent in snapshots written before they were kept. */
  readonly settings: ExecutionSettings;
  readonly engine: EngineSnapshot;
  readonly marketData: unknown;
  readonly channels: readonly ChannelData[];
  /** Absent in snapshots written before the audit trail existed. */
  readonly audit?: AuditLogData;
  /**
   * Recovery's rollbacks journaled since the last `served` record, in order: a start that
   * restores this snapshot announces them (resumeAfterReplay), as it would had it replayed
   * them. Absent when there are none, and in snapshots written before it existed.
   */
  readonly unannounced?: readonly UnannouncedRollback[];
  /** The last event number handed out (event-hub.ts); absent in snapshots written before it was kept. */
  readonly eventSequence?: bigint;
  /** The recent events kept for monitors that resume (event-hub.ts), oldest first; absent in snapshots written before they were kept. */
  readonly keptEvents?: readonly SequencedEvent[];
  /** The build that wrote the records this snapshot covers (journal-writer.ts); absent in snapshots of builds that did not record it. */
  readonly writer?: JournalWriter;
  /**
   * The accounts whose group and currency a command decided, ascending (decided-accounts.ts):
   * a start restored from this snapshot with nothing to replay (a graceful stop's last one)
   * must not apply the file's entries to them. Absent in snapshots written before it was kept.
   */
  readonly decidedAccounts?: readonly AccountId[];
}

/** Reservations of one account that recovery rolled back (reason recovery), in a snapshot. */
export interface UnannouncedRollback {
  readonly accountId: AccountId;
  readonly reservationIds: readonly bigint[];
  /** Its event's number; absent in snapshots written before numbers were kept. */
  readonly sequence?: bigint;
}

export type RecoveryRollbackEvent = Extract<SidecarEvent, { kind: "reservationsRolledBack" }>;

/** Everything the door holds, as plain data (SidecarState.snapshot). */
export function captureState(door: DoorInternals): StateSnapshot {
  return {
    format: 1,
    sequence: door.journal.lastSequence,
    ts: door.lastTs,
    nextChannelId: door.nextChannelId,
    settings: executionSettingsOf(door),
    engine: door.engine.snapshotState(),
    marketData: door.marketData.snapshotState(),
    channels: [...door.live.values()].map((c) => c.toData()),
    audit: door.audit.toData(),
    ...(door.unannounced.length > 0 ? { unannounced: door.unannounced.map(unannouncedData) } : {}),
    eventSequence: door.events.lastSequence,
    keptEvents: door.events.keptEvents(),
    ...(door.recordsWriter ? { writer: door.recordsWriter } : {}),
    decidedAccounts: [...door.decidedAccounts].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)),
  };
}

/** On a freshly built state, before any command: puts a snapshot's state back. */
export function restoreState(door: DoorInternals, s: StateSnapshot): void {
  if (s.format !== 1) throw new Error(`unknown state snapshot format ${String(s.format)}`);
  door.engine.restoreState(s.engine);
  door.marketData.restoreState(s.marketData as never);
  door.lastTs = s.ts;
  door.clock.set(s.ts);
  door.nextChannelId = s.nextChannelId;
  restoreSettings(door, s.settings);
  for (const data of s.channels) door.live.set(data.channelId, ChannelState.fromData(data, door));
  if (s.audit) door.audit.restore(s.audit);
  if (s.eventSequence !== undefined) door.events.restore(s.eventSequence, s.keptEvents);
  door.recordsWriter = s.writer === undefined ? undefined : { version: s.writer.version, rules: s.writer.rules };
  // After the engine: an older snapshot has no list, and the set is rebuilt from its registry.
  door.decidedAccounts = restoredDecided(door.engine, s.decidedAccounts);
  for (const { accountId, reservationIds, sequence } of s.unannounced ?? []) {
    const event: RecoveryRollbackEvent = { kind: "reservationsRolledBack", accountId, reservationIds: [...reservationIds], reason: "recovery" };
    // A snapshot from before numbers were kept: numbered now.
    door.unannounced.push(sequence === undefined ? door.events.number(event) : { sequence, event });
  }
}

/** A recovery rollback not yet announced, as a snapshot keeps it. */
function unannouncedData({ sequence, event }: SequencedEvent): UnannouncedRollback {
  const { accountId, reservationIds } = event as RecoveryRollbackEvent;
  return { accountId, reservationIds: [...reservationIds], sequence };
}
