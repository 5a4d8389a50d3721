/**
 * The one door: every state change of the sidecar enters here as a timestamped command,
 * is run against the engine, market data and channels, and is journaled. Live calls and
 * recovery's replay take the same path, so a replay reproduces every decision bit for bit.
 */
import type { AccountId } from "../param/index.js";
import { ManualClock, type Clock, type Engine, type EngineEvent, type EngineSnapshot } from "../engine/index.js";
import type { AccountBlock, BlockedBy, ControlScope, ExecutionReport, PostTradeResult } from "../model/index.js";
import type { MarketDataService } from "../marketdata/index.js";
import { journaledAdminCommand, retirementFailure, runAdminCommand, type AdminResult } from "./admin-commands.js";
import { ChannelState, type ChannelData, type ChannelHost, type ChannelLimits } from "./channel-state.js";
import { accountsNamed, effectView, requestJson } from "./audit-effects.js";
import { AuditLog, type AuditDenial, type AuditLogData, type AuditRecord, type AuditRetention } from "./audit-log.js";
import { LOCAL_PRINCIPAL_NAME, type AdminCommand, type ChannelCommand, type Command, type CommandBody, type ExecutionSettings } from "./commands.js";
import { CommandError, internalError } from "./command-error.js";
import { EventHub, type RollbackReason, type SequencedEvent, type SidecarEvent } from "./event-hub.js";
import { blockedScope, cancelWorkingOrders } from "./kill-switch-notices.js";
import { JournalFailedError, type Journal } from "./journal/journal.js";
import { PinRegistry } from "./pin-registry.js";
import { HandleTally } from "./handle-table.js";
import { guarded } from "./guarded.js";
import { decodeCommand, encodeCommand } from "./command-codec.js";
import type { ChannelNotice, ChannelResult, ReportResult } from "./results.js";
import { channelClosingCause } from "./channel-closing.js";
import type { ClosedChannel, DoorObserver } from "./door-observer.js";

export interface SidecarStateOptions {
  readonly engine: Engine;
  readonly marketData: MarketDataService;
  /** The clock the engine and market data were built with; the door sets it to each command's time. */
  readonly commandClock: ManualClock;
  /** Where live commands get their timestamps (wall-clock based in production). */
  readonly timeSource: Clock;
  readonly limits: ChannelLimits;
  readonly journal: Journal;
  /** When set, only these accounts may be used; others get an UNKNOWN_NAME error. */
  readonly knownAccounts?: ReadonlySet<AccountId>;
  /** How many audit records of each class are kept (default DEFAULT_AUDIT_RETENTION). */
  readonly auditRetention?: AuditRetention;
  /** How many recent events are kept for monitors that resume after a number (default DEFAULT_EVENTS_KEPT). */
  readonly eventsKeptForResume?: number;
}

/** Everything the door holds, as plain data: a snapshot covers the journal up to `sequence`. */
export interface StateSnapshot {
  readonly format: 1;
  readonly sequence: bigint;
  /** The last command's timestamp: time never steps back across a restart. */
  readonly ts: number;
  readonly nextChannelId: bigint;
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
}

/** Reservations of one account that recovery rolled back (reason recovery), in a snapshot. */
export interface UnannouncedRollback {
  readonly accountId: AccountId;
  readonly reservationIds: readonly bigint[];
  /** Its event's number; absent in snapshots written before numbers were kept. */
  readonly sequence?: bigint;
}

type RecoveryRollbackEvent = Extract<SidecarEvent, { kind: "reservationsRolledBack" }>;

/**
 * Why a channel ended: its connection was lost (keepalive, transport error, cancelled), its
 * client ended the stream, shutdown, or recovery. "disconnect" is how journals written
 * before the distinction name the first two (announced as lost).
 */
export type CloseReason = "lost" | "ended" | "disconnect" | "shutdown" | "recovery";

const ROLLBACK_REASON: Record<Exclude<CloseReason, "recovery">, RollbackReason> = {
  lost: "connectionLost",
  disconnect: "connectionLost",
  ended: "clientEnded",
  shutdown: "shutdown",
};

export type NoticeListener = (channelId: bigint, notice: ChannelNotice) => void;

/**
 * All mutable state behind the gRPC services. Node runs each command to completion, so
 * every command is atomic with respect to every channel, the feed and the operator.
 */
export class SidecarState implements ChannelHost {
  readonly engine: Engine;
  readonly marketData: MarketDataService;
  /** The configured limits, with the two that shape execution as the journal last set them. */
  limits: ChannelLimits;
  readonly pins = new PinRegistry<ChannelState>();
  readonly handleTally = new HandleTally();
  readonly events: EventHub;
  /** Every admin command the door ran and every denied call (see audit-log.ts). */
  readonly audit: AuditLog;
  pinning: boolean;
  /** Channels' unsolicited notices (fenced, expired), delivered once durable. */
  onNotice: NoticeListener | undefined;
  /** The snapshot schedule of a durable state (recovery sets it; shutdown takes a last one). */
  snapshots: { take(): Promise<unknown>; stop(): void; fence(): void } | undefined;
  /** Told of live commands, appends, closes and fences (the server's metrics and logs); none = nothing timed. */
  observer: DoorObserver | undefined;
  /** Called after every command that entered the door, with its result or error (the snapshot schedule listens). */
  onCommand: ((outcome: unknown) => void) | undefined;
  private currentJournal: Journal;
  private readonly clock: ManualClock;
  private readonly timeSource: Clock;
  private knownAccounts: ReadonlySet<AccountId> | undefined;
  private readonly live = new Map<bigint, ChannelState>();
  private nextChannelId = 1n;
  /** The last command's time (before any command: the time the state was built at). */
  private lastTs: number;
  /** True while recovery replays the journal: nothing is journaled or announced again. */
  private replaying = false;
  /** Added to the time source after a restart on a clock that is behind the journal. */
  private timeOffset = 0;
  /** What the running command tells channels and monitors, sent once it is done. */
  private readonly outbox: (() => void)[] = [];
  /**
   * Recovery's rollbacks journaled since the last `served` record, replayed or live alike, so
   * a snapshot taken before `served` is durable carries them (a live and a recovered state
   * hold the same list). The `served` record empties it.
   */
  private readonly unannounced: SequencedEvent[] = [];
  /** `follow`: the replay's events go to this instance's monitors. */
  private relaying = false;
  /** Unannounced rollbacks this instance relayed while following: a takeover does not tell its monitors again. */
  private readonly relayedUnannounced = new Set<bigint>();
  /** The actor of the admin command or denial being run: events it causes carry it. */
  private actingAs: string | undefined;
  /** True while an operator's block command runs: the blocks it causes are the operator's, not a policy's. */
  private operatorBlocking = false;

  constructor(options: SidecarStateOptions) {
    this.engine = options.engine;
    this.marketData = options.marketData;
    this.limits = options.limits;
    this.clock = options.commandClock;
    this.lastTs = options.commandClock.nowMs();
    this.timeSource = options.timeSource;
    this.currentJournal = options.journal;
    this.knownAccounts = options.knownAccounts;
    this.pinning = options.engine.syncMode !== "fullSync";
    this.audit = new AuditLog(options.auditRetention);
    this.events = new EventHub(options.eventsKeptForResume);
    options.engine.onEvent((event) => this.onEngineEvent(event));
  }

  get journal(): Journal {
    return this.currentJournal;
  }

  /** Recovery hands over the journal it opened for appending, once the replay is done. */
  attachJournal(journal: Journal): void {
    this.currentJournal = journal;
    this.observer?.journalAttached(journal);
  }

  snapshot(): StateSnapshot {
    return {
      format: 1,
      sequence: this.currentJournal.lastSequence,
      ts: this.lastTs,
      nextChannelId: this.nextChannelId,
      settings: this.executionSettings(),
      engine: this.engine.snapshotState(),
      marketData: this.marketData.snapshotState(),
      channels: [...this.live.values()].map((c) => c.toData()),
      audit: this.audit.toData(),
      ...(this.unannounced.length > 0 ? { unannounced: this.unannounced.map(unannouncedData) } : {}),
      eventSequence: this.events.lastSequence,
      keptEvents: this.events.keptEvents(),
    };
  }

  /** On a freshly built state, before any command: puts a snapshot's state back. */
  restore(s: StateSnapshot): void {
    if (s.format !== 1) throw new Error(`unknown state snapshot format ${String(s.format)}`);
    this.engine.restoreState(s.engine);
    this.marketData.restoreState(s.marketData as never);
    this.lastTs = s.ts;
    this.clock.set(s.ts);
    this.nextChannelId = s.nextChannelId;
    this.useSettings(s.settings);
    for (const data of s.channels) this.live.set(data.channelId, ChannelState.fromData(data, this));
    if (s.audit) this.audit.restore(s.audit);
    if (s.eventSequence !== undefined) this.events.restore(s.eventSequence, s.keptEvents);
    for (const { accountId, reservationIds, sequence } of s.unannounced ?? []) {
      const event: RecoveryRollbackEvent = { kind: "reservationsRolledBack", accountId, reservationIds: [...reservationIds], reason: "recovery" };
      // A snapshot from before numbers were kept: numbered now.
      this.unannounced.push(sequence === undefined ? this.events.number(event) : { sequence, event });
    }
  }

  /** The settings channel commands run under now. */
  executionSettings(): ExecutionSettings {
    return {
      maxOpenHandlesPerChannel: this.limits.maxOpenHandlesPerChannel,
      maxOpenHandles: this.limits.maxOpenHandles,
      maxPinnedAccountsPerOwner: this.limits.maxPinnedAccountsPerOwner,
      reservationTtlMs: this.limits.reservationTtlMs,
      knownAccounts: this.knownAccounts && [...this.knownAccounts],
      pinning: this.pinning,
    };
  }

  private useSettings(s: ExecutionSettings): void {
    // Caps a journal's settings do not name did not exist when it was written: none then.
    this.limits = {
      ...this.limits,
      maxOpenHandlesPerChannel: s.maxOpenHandlesPerChannel,
      maxOpenHandles: s.maxOpenHandles,
      maxPinnedAccountsPerOwner: s.maxPinnedAccountsPerOwner,
      reservationTtlMs: s.reservationTtlMs,
    };
    this.knownAccounts = s.knownAccounts && new Set(s.knownAccounts);
    this.pinning = s.pinning;
  }

  get channels(): ReadonlyMap<bigint, ChannelState> {
    return this.live;
  }

  /** The timestamp of the command being run (ChannelHost). */
  nowMs(): number {
    return this.clock.nowMs();
  }

  /** The accounts a strict configuration allows (`accounts.strict`); empty otherwise. */
  configuredAccounts(): ReadonlySet<AccountId> {
    return this.knownAccounts ?? new Set();
  }

  isKnownAccount(accountId: AccountId): boolean {
    return this.knownAccounts === undefined || this.knownAccounts.has(accountId);
  }

  /** Open requests + reservations over every live channel. */
  openHandleCount(): number {
    return this.handleTally.open;
  }

  /** Accounts pinned to `owner`'s live channels, together. */
  pinnedAccountCount(owner: string): number {
    let n = 0;
    for (const channel of this.live.values()) if (channel.owner === owner) n += channel.pinnedAccounts;
    return n;
  }

  /**
   * Runs `callback` once everything this turn changed is durable (the journal's mode decides when).
   * Once the journal has failed nothing becomes durable again, so `callback` never runs: it is
   * dropped, as the journal dropped the callbacks waiting when it failed (nothing after the
   * failure is answered). Not thrown: the callers are the services ordering an answer or a
   * stream's end behind the earlier ones, from grpc-js's event listeners, and grpc-js delivers
   * a message from a promise chain of its own, so the throw became an unhandled rejection (fail
   * closed, exit 70). The failure was already told once, to the journal's onFatal: the process
   * stops, or a failover instance is fenced and exits once its shards have a new owner
   * (start-failover.ts), refusing meanwhile. Appends still throw: a command changes nothing then.
   */
  afterDurable(callback: () => void): void {
    this.afterDurableOrFailed(callback, () => undefined);
  }

  /**
   * As afterDurable, but when the journal has already failed `failed` is told at once: a read
   * arriving then gets an error instead of silence. Callbacks already waiting when it fails are
   * dropped, as afterDurable's are.
   */
  afterDurableOrFailed(callback: () => void, failed: (error: JournalFailedError) => void): void {
    try {
      this.currentJournal.afterDurable(callback);
    } catch (e) {
      if (!(e instanceof JournalFailedError)) throw e;
      failed(e);
    }
  }

  // ---- the door ------------------------------------------------------------------------

  /** Opens a channel acting for `owner` (a principal's name; "local" without authentication). */
  openChannel(owner: string = LOCAL_PRINCIPAL_NAME): ChannelState {
    return this.enter({ kind: "openChannel", owner }) as ChannelState;
  }

  /** Ends a channel: its reservations are rolled back and its accounts unpinned (disconnect = drop). */
  closeChannel(channel: bigint, reason: CloseReason): void {
    if (!this.live.has(channel)) return;
    this.enter({ kind: "closeChannel", channel, reason });
  }

  /** Runs one message's commands in order; `bases[i]` is command i's path in the message, for errors. */
  runChannel(channel: bigint, commands: readonly ChannelCommand[], bases?: readonly string[]): ChannelResult[] {
    // Built with its timestamp (no `{ ...body, ts }` copy): every order message comes here.
    return this.enterCommand({ kind: "channel", channel, commands, ts: this.nextTs() }, bases) as ChannelResult[];
  }

  /** Applies the feed's reports in order; `bases[i]` names report i's path for errors. */
  applyReports(reports: readonly ExecutionReport[], bases?: readonly string[]): ReportResult[] {
    return this.enterCommand({ kind: "feed", reports, ts: this.nextTs() }, bases) as ReportResult[];
  }

  /** Rolls back every reservation whose TTL has passed; journals nothing when none has. */
  sweepExpired(): void {
    const now = this.nextTs();
    for (const channel of this.live.values()) {
      if (channel.hasExpired(now)) {
        this.enter({ kind: "expireReservations" });
        return;
      }
    }
  }

  /** An operator's change, recorded in the audit trail as `actor`'s (applied or failed). */
  admin(command: AdminCommand, actor: string = LOCAL_PRINCIPAL_NAME): AdminResult {
    return this.enter({ kind: "admin", command: journaledAdminCommand(this.engine, command), actor }) as AdminResult;
  }

  /** A call the security layer refused: journaled as an audit record and announced; nothing else changes. */
  recordDenial(denial: AuditDenial): AuditRecord {
    return this.enter({ kind: "denial", ...denial }) as AuditRecord;
  }

  /** An operator's action on the process (StepDown): journaled as an audit record and announced; nothing else changes. */
  recordOperation(actor: string, action: string, detail: string): AuditRecord {
    return this.enter({ kind: "operation", actor, action, detail }) as AuditRecord;
  }

  /** The configuration changed how commands run (at a restart): journaled where it took effect. */
  applySettings(settings: ExecutionSettings): void {
    this.enter({ kind: "settings", settings });
  }

  /** Recovery is over: from here on, recovery's rollbacks have been announced. */
  markServing(): void {
    this.enter({ kind: "served" });
  }

  /**
   * A standby applying the shared journal as it is written (journal-replica.ts): a replay
   * whose events reach this instance's monitors (EventHub.relay), so a monitor may follow
   * the deployment from a standby, and keeps its stream across the takeover.
   */
  follow(payload: Uint8Array): unknown {
    this.relaying = true;
    try {
      return this.replay(payload);
    } finally {
      this.relaying = false;
    }
  }

  /** Recovery: runs a journaled command again, exactly as it ran live; returns its result (or error). */
  replay(payload: Uint8Array): unknown {
    const command = decodeCommand(payload);
    this.replaying = true;
    try {
      this.lastTs = command.ts;
      this.clock.set(command.ts);
      try {
        return this.execute(command, undefined);
      } catch (e) {
        // A command that failed live (an operator's bad request) fails again here: no effect.
        return e;
      } finally {
        this.outbox.length = 0;
      }
    } finally {
      this.replaying = false;
    }
  }

  /**
   * After a replay: time resumes from the last command's even if this machine's clock is
   * behind it (so windows and TTLs keep moving), and rollbacks a previous recovery made but
   * never got to announce (it crashed before serving) are announced now. They stay listed
   * until this start's `served` record: a snapshot taken before it carries them.
   */
  resumeAfterReplay(): void {
    this.timeOffset = Math.max(0, this.lastTs - this.timeSource.nowMs());
    for (const sequenced of this.unannounced) this.events.deliver(sequenced, true, this.relayedUnannounced.has(sequenced.sequence));
    this.relayedUnannounced.clear();
  }

  /**
   * Channels do not outlive the process: after a replay, every channel the crash left open
   * is closed as a journaled command (its reservations rolled back), and announced.
   */
  closeRecoveredChannels(): number {
    let count = 0;
    for (const id of [...this.live.keys()]) {
      this.closeChannel(id, "recovery");
      count++;
    }
    return count;
  }

  /**
   * Write-ahead: the record is appended before the command runs, so a journal that can no
   * longer write refuses the command before anything changes. The answer waits for the
   * record to be durable (afterDurable), so an acknowledged command is never lost. A command
   * that fails is journaled all the same: a replay fails it the same way.
   */
  private enter(body: CommandBody, bases?: readonly string[]): unknown {
    return this.enterCommand({ ...body, ts: this.nextTs() } as Command, bases);
  }

  /** `enter` for a command built with its timestamp (`nextTs()`, taken just before). */
  private enterCommand(command: Command, bases?: readonly string[]): unknown {
    const ts = command.ts;
    if (this.currentJournal.mode !== "ephemeral") {
      const observer = this.observer;
      if (observer === undefined || !observer.timeAppend()) this.currentJournal.append(encodeCommand(command), command);
      else {
        const started = observer.now();
        this.currentJournal.append(encodeCommand(command), command);
        observer.journalAppend(observer.now() - started);
      }
    }
    this.lastTs = ts;
    this.clock.set(ts);
    let result: unknown;
    let failure: unknown;
    let failed = false;
    try {
      result = this.execute(command, bases);
    } catch (e) {
      failed = true;
      failure = e;
    }
    // Notices and events leave only now, after the command ran to completion.
    if (this.outbox.length > 0) {
      for (const send of this.outbox.splice(0)) this.currentJournal.afterDurable(() => guarded("delivering a notice or event", send));
    }
    this.onCommand?.(failed ? failure : result);
    if (failed) throw failure;
    return result;
  }

  /** The time a live command would get now (nothing changes). */
  liveTimeMs(): number {
    return this.nextTs();
  }

  /** A live command's time: the time source (shifted after a restart on a clock behind the journal), never stepping back. */
  private nextTs(): number {
    return Math.max(this.lastTs, this.timeSource.nowMs() + this.timeOffset);
  }

  private execute(c: Command, bases: readonly string[] | undefined): unknown {
    switch (c.kind) {
      case "openChannel": {
        const channel = new ChannelState(this.nextChannelId++, this, c.owner ?? LOCAL_PRINCIPAL_NAME);
        this.live.set(channel.channelId, channel);
        return channel;
      }
      case "closeChannel": {
        const channel = this.live.get(c.channel);
        if (!channel) return undefined;
        const dropped = this.dropLive(channel, c.reason);
        if (c.reason === "recovery") {
          for (const [accountId, reservationIds] of dropped.byAccount) {
            const event: RecoveryRollbackEvent = { kind: "reservationsRolledBack", accountId, reservationIds, reason: "recovery" };
            // Retained: recovery's rollbacks happen before any monitor can subscribe. Listed
            // until a `served` record, live or replayed: a replay announces them unless a later
            // `served` says they already were, and a snapshot taken before it carries them.
            const sequenced = this.events.number(event);
            this.unannounced.push(sequenced);
            if (!this.replaying) this.outbox.push(() => this.events.deliver(sequenced, true));
            else if (this.replayedEvent(sequenced)) this.relayedUnannounced.add(sequenced.sequence);
          }
        } else {
          this.announceRollbacks(c.channel, dropped.byAccount, ROLLBACK_REASON[c.reason]);
        }
        return undefined;
      }
      case "channel": {
        const channel = this.live.get(c.channel);
        if (!channel) throw new CommandError("INTERNAL", "", `channel ${c.channel} is not open`);
        const out = new Array<ChannelResult>(c.commands.length);
        const observer = this.replaying ? undefined : this.observer;
        // Timed: one clock reading per command plus one (a command ends where the next starts).
        const timed = observer !== undefined && observer.timeCommands();
        let started = timed ? observer.now() : 0;
        for (let i = 0; i < c.commands.length; i++) {
          const command = c.commands[i]!;
          const result = (out[i] = channel.run(command, bases?.[i] ?? `commands[${i}]`));
          if (observer !== undefined) {
            if (timed) {
              const ended = observer.now();
              observer.channelCommand(command.kind, result, ended - started);
              started = ended;
            } else observer.channelCommand(command.kind, result, -1);
          }
        }
        const closing = channelClosingCause(c.commands, out);
        if (closing !== undefined) {
          // Closed as on a disconnect (reservations rolled back, accounts unpinned), told first.
          const dropped = this.dropLive(channel, "policy");
          this.notify(channel, { kind: "closing", ...closing, rolledBack: dropped.rolledBack });
          this.announceRollbacks(c.channel, dropped.byAccount, "closedByPolicy");
        }
        return out;
      }
      case "feed": {
        const observer = this.replaying ? undefined : this.observer;
        const timed = observer !== undefined && observer.timeCommands();
        // Filled by index (a `map` made a closure per message).
        const out = new Array<ReportResult>(c.reports.length);
        for (let i = 0; i < c.reports.length; i++) {
          const started = timed ? observer.now() : 0;
          let result: ReportResult;
          try {
            result = { kind: "postTrade", result: this.applyExecutionReport(c.reports[i]!) };
          } catch (e) {
            result = { kind: "error", error: internalError(bases?.[i] ?? `reports[${i}]`, e) };
          }
          observer?.feedReport(result, timed ? observer.now() - started : -1);
          out[i] = result;
        }
        return out;
      }
      case "expireReservations":
        for (const channel of this.live.values()) channel.expire(c.ts);
        return undefined;
      case "admin":
        return this.runAdmin(c.command, c.actor ?? LOCAL_PRINCIPAL_NAME, c.ts);
      case "denial": {
        const record = this.audit.appendDenial(c, c.ts);
        this.announce({ kind: "auditRecorded", record }, c.actor);
        return record;
      }
      case "operation": {
        const record = this.audit.appendOperation(c, c.ts);
        this.announce({ kind: "auditRecorded", record }, c.actor);
        return record;
      }
      case "settings":
        this.useSettings(c.settings);
        return undefined;
      case "served":
        this.unannounced.length = 0;
        this.relayedUnannounced.clear();
        return undefined;
    }
  }

  /** Takes a live channel out: what it left open is dropped (reservations rolled back, accounts unpinned), the observer told. */
  private dropLive(channel: ChannelState, reason: ClosedChannel["reason"]): ReturnType<ChannelState["close"]> {
    this.live.delete(channel.channelId);
    const unpinned = channel.pinnedAccounts;
    const dropped = channel.close();
    if (!this.replaying) {
      this.observer?.channelClosed({
        channelId: channel.channelId,
        owner: channel.owner,
        reason,
        rolledBack: dropped.rolledBack.length,
        abandoned: dropped.abandoned.length,
        unpinned,
      });
    }
    return dropped;
  }

  /**
   * Cancel on disconnect: monitors (a gateway's peer) learn what a closed channel left open
   * and why it closed, so they can cancel those orders at the venue.
   */
  private announceRollbacks(channelId: bigint, byAccount: ReadonlyMap<AccountId, readonly bigint[]>, reason: RollbackReason): void {
    for (const [accountId, reservationIds] of byAccount) {
      this.announce({ kind: "reservationsRolledBack", accountId, reservationIds, reason, channelId });
    }
  }

  /**
   * Runs an operator's command between two readings of what it touches, and records both
   * in the audit trail whether it took effect or was refused (then rethrown).
   */
  private runAdmin(command: AdminCommand, actor: string, ts: number): AdminResult {
    const before = effectView(this.engine, this.marketData, command);
    let result: AdminResult | undefined;
    let failure: unknown;
    this.actingAs = actor;
    this.operatorBlocking = command.kind === "blockAccount" || command.kind === "blockGroup";
    // Group blocks are live: an account joining a blocked group is blocked from now on, a kill
    // switch like any other block (its working orders must be cancelled; found by review).
    const admin = this.engine.accounts();
    const unblocked = command.kind === "registerGroup" && command.cancelsJoiners ? command.accountIds.filter((a) => admin.blockOf(a) === undefined) : [];
    try {
      result = runAdminCommand(this.engine, this.marketData, command);
      for (const accountId of unblocked) {
        const block = admin.blockOf(accountId);
        // An own block a policy recorded on the way (re-evaluated barrier) has told the channels already.
        if (block !== undefined && admin.ownBlockOf(accountId) === undefined) this.sendCancelNotices({ kind: "account", accountId }, block, "operator");
      }
      if (command.kind === "setTradingState") {
        const { scope, state, reason } = command;
        this.announce({ kind: "tradingStateChanged", scope, state, previous: result.previousTradingState!, reason });
      }
      // An operator's halt that asks for it is a kill switch too (e.g. everything at once).
      if (result.cancelWorkingOrders) this.sendCancelNotices(result.cancelWorkingOrders.scope, result.cancelWorkingOrders.block, "operator");
    } catch (e) {
      failure = e;
    } finally {
      this.actingAs = undefined;
      this.operatorBlocking = false;
    }
    // A refused retirement changed nothing: recorded as failed, with every refusal.
    const refused = result === undefined ? undefined : retirementFailure(result);
    const record = this.audit.append({
      time: ts,
      actor,
      action: command.kind,
      request: requestJson(command),
      effect: { before, after: effectView(this.engine, this.marketData, command) },
      outcome: result === undefined || refused !== undefined ? "failed" : "applied",
      reason: result === undefined ? (failure instanceof Error ? failure.message : String(failure)) : (refused ?? ""),
      detail: "",
      accountIds: accountsNamed(command),
    });
    this.announce({ kind: "auditRecorded", record }, actor);
    if (result === undefined) throw failure;
    return result;
  }

  // ---- ChannelHost -----------------------------------------------------------------------

  applyExecutionReport(report: ExecutionReport): PostTradeResult {
    const result = this.engine.applyExecutionReport(report);
    // Halts are emitted by SpotFunds only on the transition, so each one is news.
    for (const p of result.accountPnls) {
      if (p.result.kind === "halted") {
        this.announce({ kind: "pnlHalted", accountId: p.accountId, policyGroupId: p.policyGroupId, reason: p.result.reason });
      }
    }
    return result;
  }

  notify(channel: ChannelState, notice: ChannelNotice, rolledBack?: ReadonlyMap<AccountId, readonly bigint[]>): void {
    // Monitors hear of rollbacks the channel did not ask for (found by review: a takeover's
    // and an expiry's were told to the channel only); numbered in a replay too.
    if (rolledBack && (notice.kind === "fenced" || notice.kind === "expired")) this.announceRollbacks(channel.channelId, rolledBack, notice.kind);
    if (this.replaying) return;
    if (notice.kind === "fenced") {
      const { channelId, owner } = channel;
      this.observer?.channelFenced({ channelId, owner, accountIds: notice.accountIds, rolledBack: notice.rolledBack.length, abandoned: notice.abandoned.length });
    } else if (notice.kind === "expired") {
      this.observer?.reservationsExpired({ channelId: channel.channelId, owner: channel.owner, rolledBack: notice.reservationIds.length });
    }
    const listener = this.onNotice;
    if (listener) this.outbox.push(() => listener(channel.channelId, notice));
  }

  /**
   * Every engine event goes to monitors; a block (kill switch) also tells the channels
   * holding its accounts to cancel their working orders, in the same turn.
   */
  private onEngineEvent(event: EngineEvent): void {
    this.announce(event);
    const blocked = blockedScope(event);
    if (blocked) this.sendCancelNotices(blocked.scope, blocked.block, this.operatorBlocking ? "operator" : "policy");
  }

  /** Runs in a replay too, so that its event is numbered as it was live; `notify` sends nothing then. */
  private sendCancelNotices(scope: ControlScope, block: AccountBlock, blockedBy: BlockedBy): void {
    const admin = this.engine.accounts();
    const { notices, event } = cancelWorkingOrders(scope, block, blockedBy, this.live.values(), (a) => admin.groupOf(a));
    for (const [channel, notice] of notices) this.notify(channel, notice);
    this.announce(event);
  }

  /**
   * An event a replay numbered: durable (its record is), so kept for monitors that resume; a
   * standby following the journal also tells its monitors (EventHub.relay). True if it did.
   */
  private replayedEvent(sequenced: SequencedEvent): boolean {
    if (this.relaying) this.events.relay(sequenced);
    else this.events.replayed(sequenced);
    return this.relaying;
  }

  /** Monitors hear of a change once it is durable; a replay numbers its events but announces nothing again. */
  private announce(event: SidecarEvent, actor = this.actingAs): void {
    const sequenced = this.events.number(event, actor);
    if (this.replaying) {
      this.replayedEvent(sequenced);
      return;
    }
    this.outbox.push(() => this.events.deliver(sequenced));
  }
}

/** A recovery rollback not yet announced, as a snapshot keeps it. */
function unannouncedData({ sequence, event }: SequencedEvent): UnannouncedRollback {
  const { accountId, reservationIds } = event as RecoveryRollbackEvent;
  return { accountId, reservationIds: [...reservationIds], sequence };
}
