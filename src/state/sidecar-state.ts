/**
 * The one door: every state change of the sidecar enters here as a timestamped command,
 * is run against the engine, market data and channels, and is journaled. Live calls and
 * recovery's replay take the same path, so a replay reproduces every decision bit for bit.
 */
import { THIS_WRITER, type JournalWriter } from "./journal-writer.js";
import type { AccountId } from "../param/index.js";
import { ManualClock, PolicyCallbackError, type Clock, type Engine } from "../engine/index.js";
import type { ExecutionReport, PostTradeResult } from "../model/index.js";
import type { MarketDataService } from "../marketdata/index.js";
import { journaledAdminCommand, type AdminResult } from "./admin-commands.js";
import { ChannelState, type ChannelLimits } from "./channel-state.js";
import { AuditLog, type AuditDenial, type AuditRecord, type AuditRetention } from "./audit-log.js";
import { LOCAL_PRINCIPAL_NAME, type AdminCommand, type ChannelCommand, type Command, type CommandBody, type ExecutionSettings } from "./commands.js";
import { EventHub, type SequencedEvent } from "./event-hub.js";
import { JournalClosedError, JournalFailedError, RecordTooLargeError, type Journal } from "./journal/journal.js";
import { CommandError } from "./command-error.js";
import { PinRegistry } from "./pin-registry.js";
import { HandleTally, LAST_CHANNEL_ID } from "./handle-table.js";
import { guarded } from "./guarded.js";
import { encodeCommand } from "./command-codec.js";
import type { ChannelNotice, ChannelResult, ReportResult } from "./results.js";
import type { DoorObserver } from "./door-observer.js";
import { captureState, restoreState, type StateSnapshot } from "./state-snapshot.js";
import { executeCommand, type CloseReason } from "./command-execution.js";
import { announce, notifyChannel, onEngineEvent } from "./door-announcements.js";
import { closeRecoveredChannels, followCommand, replayCommand, resumeAfterReplay } from "./door-replay.js";
import { executionSettingsOf, quoteTtlsOf } from "./door-settings.js";
import { settingsRecords, type PendingAccountList, type PendingQuoteTtls } from "./settings-parts.js";
import { listedQuoteTtls, type ListedQuoteTtls } from "./listed-quote-ttls.js";
import type { DoorInternals } from "./door-internals.js";
import type { AccountEntry } from "./account-entries.js";

export type { StateSnapshot, UnannouncedRollback } from "./state-snapshot.js";
export type { CloseReason } from "./command-execution.js";

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
  /** The configuration file's `accounts.list` (a restart applies the entries of accounts it admits anew: account-entries.ts). */
  readonly accountEntries?: readonly AccountEntry[];
  /** The build whose records this state writes (default THIS_WRITER; tests play an earlier build with another). */
  readonly writer?: JournalWriter;
}

export type NoticeListener = (channelId: bigint, notice: ChannelNotice) => void;

/**
 * All mutable state behind the gRPC services. Node runs each command to completion, so
 * every command is atomic with respect to every channel, the feed and the operator.
 */
export class SidecarState implements DoorInternals {
  readonly engine: Engine;
  readonly marketData: MarketDataService;
  /** The configuration file's `accounts.list` entries, as given (see SidecarStateOptions). */
  readonly accountEntries: readonly AccountEntry[];
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
  /**
   * Set when the server failed closed (an uncaught error: this state may be damaged). No
   * snapshot is written of it from then on (snapshot-schedule.ts), recovery's first one and
   * a replicated takeover's included, so the next start recovers from the journal alone.
   */
  failedClosed = false;
  /** The snapshot schedule of a durable state (recovery sets it; shutdown takes a last one). */
  snapshots: { take(): Promise<unknown>; stop(): void; fence(): void; halt(): void; readonly lastError: string | undefined } | undefined;
  /** Told of live commands, appends, closes and fences (the server's metrics and logs); none = nothing timed. */
  observer: DoorObserver | undefined;
  /** Called after every command that entered the door, with its result or error (the snapshot schedule listens). */
  onCommand: ((outcome: unknown) => void) | undefined;
  private currentJournal: Journal;
  /** @internal See DoorInternals. */
  readonly clock: ManualClock;
  /** @internal See DoorInternals. */
  readonly timeSource: Clock;
  /** @internal See DoorInternals. */
  knownAccounts: ReadonlySet<AccountId> | undefined;
  /** @internal See DoorInternals. */
  listedQuoteTtls: ListedQuoteTtls | undefined;
  /** @internal See DoorInternals. */
  pendingAccountList: PendingAccountList | undefined;
  /** @internal See DoorInternals. */
  pendingQuoteTtls: PendingQuoteTtls | undefined;
  /** @internal See DoorInternals. */
  readonly live = new Map<bigint, ChannelState>();
  /** @internal See DoorInternals. */
  nextChannelId = 1n;
  /** @internal The last command's time (before any command: the time the state was built at). */
  lastTs: number;
  /** @internal True while recovery replays the journal: nothing is journaled or announced again. */
  replaying = false;
  /** @internal Added to the time source after a restart on a clock that is behind the journal. */
  timeOffset = 0;
  /** @internal What the running command tells channels, sent once it is done and durable (as answers are). */
  readonly outbox: (() => void)[] = [];
  /**
   * @internal The events the running command numbered, sent to monitors once it is done and
   * on disk, in async mode too (afterSynced): sent at once there, an event whose record a crash
   * then lost left monitors holding a number the restarted sidecar gave to another event, and a
   * monitor resuming after it missed that one (found by review, session 37).
   */
  readonly eventOutbox: (() => void)[] = [];
  /**
   * @internal Recovery's rollbacks journaled since the last `served` record, replayed or live alike, so
   * a snapshot taken before `served` is durable carries them (a live and a recovered state
   * hold the same list). The `served` record empties it.
   */
  readonly unannounced: SequencedEvent[] = [];
  /** @internal `follow`: the replay's events go to this instance's monitors. */
  relaying = false;
  /** @internal Unannounced rollbacks this instance relayed while following: a takeover does not tell its monitors again. */
  readonly relayedUnannounced = new Set<bigint>();
  /** @internal The actor of the admin command or denial being run: events it causes carry it. */
  actingAs: string | undefined;
  /** @internal True while an operator's block command runs: the blocks it causes are the operator's, not a policy's. */
  operatorBlocking = false;
  /**
   * @internal The accounts whose group and currency a RegisterGroup, UnregisterGroup,
   * SetAccountCurrency or `applyAccountEntries` decided (retirement forgets them): a restart
   * does not apply the file's entries to them (decided-accounts.ts). Kept live and on replay
   * alike, and in snapshots.
   */
  decidedAccounts = new Set<AccountId>();
  readonly writer: JournalWriter;
  /**
   * @internal Who wrote the records run so far (door-internals.ts). A fresh state's records are
   * its own until a snapshot or a `writer` record says otherwise.
   */
  recordsWriter: JournalWriter | undefined;
  /**
   * Channels whose close the journal refused (the append threw: a rollover that could not make
   * its segment, disk full), with the close's reason. Nothing changed for them, so each is
   * closed again before the next command enters: a gone client's channel must not keep its
   * accounts pinned and its reservations open until a restart.
   */
  private readonly unclosed = new Map<bigint, CloseReason>();

  constructor(options: SidecarStateOptions) {
    this.engine = options.engine;
    this.marketData = options.marketData;
    this.accountEntries = options.accountEntries ?? [];
    this.writer = options.writer ?? THIS_WRITER;
    this.recordsWriter = this.writer;
    this.limits = options.limits;
    this.clock = options.commandClock;
    this.lastTs = options.commandClock.nowMs();
    this.timeSource = options.timeSource;
    this.currentJournal = options.journal;
    this.knownAccounts = options.knownAccounts;
    // A fresh state registered every instrument the file lists, with its TTL: those are the file's.
    this.listedQuoteTtls = listedQuoteTtls(quoteTtlsOf(options.marketData));
    this.pinning = options.engine.syncMode !== "fullSync";
    this.audit = new AuditLog(options.auditRetention);
    this.events = new EventHub(options.eventsKeptForResume);
    options.engine.onEvent((event) => onEngineEvent(this, event));
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
    return captureState(this);
  }

  /** On a freshly built state, before any command: puts a snapshot's state back. */
  restore(s: StateSnapshot): void {
    restoreState(this, s);
  }

  /** The settings channel commands run under now. */
  executionSettings(): ExecutionSettings {
    return executionSettingsOf(this);
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

  /**
   * As afterDurableOrFailed, but in async mode too only once the records so far are on disk:
   * for reads, which must never show what a crash could take back. An audit record read before
   * its sync could be lost in a crash and its number given to another record after the
   * restart, which a reader paging by sequence would then skip without a gap (found by review;
   * events wait the same way).
   */
  afterSyncedOrFailed(callback: () => void, failed: (error: JournalFailedError | JournalClosedError) => void): void {
    try {
      this.currentJournal.afterSynced(callback);
    } catch (e) {
      // Closed (the last moments of a shutdown): a read still arriving then is refused, not
      // thrown out of the service's handler (found by review).
      if (!(e instanceof JournalFailedError) && !(e instanceof JournalClosedError)) throw e;
      failed(e);
    }
  }

  // ---- the door ------------------------------------------------------------------------

  /** Opens a channel acting for `owner` (a principal's name; "local" without authentication). */
  openChannel(owner: string = LOCAL_PRINCIPAL_NAME): ChannelState {
    // Refused before the door (nothing recorded): past the last id, the channel's handle ids
    // would not fit in a uint64 and its first reservation could not be answered (found by
    // review: the answer's encoding threw and the process exited, at every restart again).
    if (this.nextChannelId > LAST_CHANNEL_ID) {
      throw new CommandError(
        "RESOURCE_EXHAUSTED",
        "",
        `this sidecar's state has issued every channel id (1 to ${LAST_CHANNEL_ID}): no channel can be opened; the channels already open keep working (docs/operating.md, "Channel ids")`,
      );
    }
    return this.enter({ kind: "openChannel", owner }) as ChannelState;
  }

  /** Ends a channel: its reservations are rolled back and its accounts unpinned (disconnect = drop). */
  closeChannel(channel: bigint, reason: CloseReason): void {
    if (!this.live.has(channel)) return;
    this.closeAt(channel, reason, this.nextTs());
  }

  private closeAt(channel: bigint, reason: CloseReason, ts: number): void {
    try {
      this.enterCommand({ kind: "closeChannel", channel, reason, ts });
    } catch (e) {
      // Still live: the record was refused before anything changed (write-ahead).
      if (this.live.has(channel)) this.unclosed.set(channel, reason);
      throw e;
    }
  }

  /**
   * The closes the journal refused, tried again at `ts` (the time of the command about to
   * enter: time never runs backwards in the journal); one refused again ends the round.
   */
  private retryCloses(ts: number): void {
    const pending = [...this.unclosed];
    this.unclosed.clear();
    for (let i = 0; i < pending.length; i++) {
      const [channel, reason] = pending[i]!;
      if (!this.live.has(channel)) continue;
      try {
        this.closeAt(channel, reason, ts);
      } catch {
        // closeAt remembered this one again; the rest wait with it for the next command.
        for (let k = i + 1; k < pending.length; k++) this.unclosed.set(pending[k]![0], pending[k]![1]);
        return;
      }
    }
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

  /**
   * The configuration changed how commands run (at a restart): journaled where it took effect,
   * in one `settings` record, or a strict list or listed instruments' TTLs too long for the
   * journal's record bound in parts before it (settings-parts.ts).
   */
  applySettings(settings: ExecutionSettings): void {
    const bound = this.currentJournal.mode === "ephemeral" ? Number.POSITIVE_INFINITY : this.currentJournal.maxRecordBytes;
    for (const body of settingsRecords(this.executionSettings(), settings, bound, this.nextTs())) this.enter(body);
  }

  /** This build writes the records from here on (journal-writer.ts): a start's first append after another build's snapshot. */
  markWriter(): void {
    this.enter({ kind: "writer", version: this.writer.version, rules: this.writer.rules });
  }

  /** Recovery is over: from here on, recovery's rollbacks have been announced. */
  markServing(): void {
    this.enter({ kind: "served" });
  }

  /** A standby applying the shared journal as it is written (see door-replay.ts). */
  follow(payload: Uint8Array): unknown {
    return followCommand(this, payload);
  }

  /** Recovery: runs a journaled command again, exactly as it ran live; returns its result (or error). */
  replay(payload: Uint8Array): unknown {
    return replayCommand(this, payload);
  }

  /** After a replay: time resumes from the last command's, and recovery's unannounced rollbacks are announced (see door-replay.ts). */
  resumeAfterReplay(): void {
    resumeAfterReplay(this);
  }

  /** Channels do not outlive the process: after a replay, every channel the crash left open is closed (see door-replay.ts). */
  closeRecoveredChannels(): number {
    return closeRecoveredChannels(this);
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
    if (this.unclosed.size !== 0) this.retryCloses(command.ts);
    const ts = command.ts;
    if (this.currentJournal.mode !== "ephemeral") {
      try {
        const observer = this.observer;
        if (observer === undefined || !observer.timeAppend()) this.currentJournal.append(encodeCommand(command), command);
        else {
          const started = observer.now();
          this.currentJournal.append(encodeCommand(command), command);
          observer.journalAppend(observer.now() - started);
        }
      } catch (e) {
        // Refused before anything changed: the client's to split or shorten (a batch of many
        // commands, a long text), so a per-command error, not a failure of the journal.
        if (e instanceof RecordTooLargeError) throw new CommandError("RESOURCE_EXHAUSTED", "", `command too large to journal: ${e.bytes} bytes encoded, at most ${e.limit}`);
        throw e;
      }
    }
    this.lastTs = ts;
    this.clock.set(ts);
    let result: unknown;
    let failure: unknown;
    let failed = false;
    try {
      result = executeCommand(this, command, bases);
    } catch (e) {
      failed = true;
      failure = e;
    }
    // Notices and events leave only now, after the command ran to completion.
    if (this.outbox.length > 0) {
      for (const send of this.outbox.splice(0)) this.currentJournal.afterDurable(() => guarded("delivering a notice", send));
    }
    if (this.eventOutbox.length > 0) {
      for (const send of this.eventOutbox.splice(0)) this.currentJournal.afterSynced(() => guarded("delivering an event", send));
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

  // ---- ChannelHost -----------------------------------------------------------------------

  applyExecutionReport(report: ExecutionReport): PostTradeResult {
    let result: PostTradeResult;
    try {
      result = this.engine.applyExecutionReport(report);
    } catch (e) {
      // Another policy's hook threw: the engine still applied the rest, and a halt among them
      // is announced once or never (found by review: it was lost with the throw).
      if (e instanceof PolicyCallbackError && e.result !== undefined && "accountPnls" in e.result) this.announceHalts(e.result);
      throw e;
    }
    this.announceHalts(result);
    return result;
  }

  /** Halts are emitted by SpotFunds only on the transition, so each one is news. */
  private announceHalts(result: PostTradeResult): void {
    for (const p of result.accountPnls) {
      if (p.result.kind === "halted") {
        announce(this, { kind: "pnlHalted", accountId: p.accountId, policyGroupId: p.policyGroupId, reason: p.result.reason });
      }
    }
  }

  notify(channel: ChannelState, notice: ChannelNotice, rolledBack?: ReadonlyMap<AccountId, readonly bigint[]>): void {
    notifyChannel(this, channel, notice, rolledBack);
  }
}
