/**
 * The sidecar's Prometheus metrics, in a registry of its own (two servers in one process
 * never mix): prom-client's default process metrics (CPU, memory, event-loop lag, GC), the
 * door's counters and latency histograms (door-counters.ts), and gauges read from the state
 * at each scrape, so nothing is counted twice. Names and labels: docs/observability.md.
 */
import { performance } from "node:perf_hooks";
import { Registry, collectDefaultMetrics } from "prom-client";
import { statSync } from "node:fs";
import { join } from "node:path";
import type { OpenRequest } from "../../../gen/openpit/sidecar/v1/channel_pb.js";
import type { SidecarState } from "../../state/sidecar-state.js";
import type { SequencedEvent } from "../../state/event-hub.js";
import type { RecoveryReport } from "../../state/recovery.js";
import { listSegments } from "../../state/journal/journal-files.js";
import type { JournalStatus } from "../../state/journal/journal.js";
import type { ServingPhase } from "../services/service-context.js";
import { collected, collectedHistogram, type Sample } from "./collected-metric.js";
import { DoorCounters, FEED_REPORT, OUTCOMES, type ChannelLifecycleListener } from "./door-counters.js";

/** The wire's command cases as the door's kinds (the label both latency histograms use). */
const WIRE_KINDS: Readonly<Record<string, string>> = {
  bindAccounts: "bind",
  releaseAccounts: "release",
  startPreTrade: "start",
  executeRequest: "executeRequest",
  discardRequest: "discardRequest",
  executePreTrade: "execute",
  startPreTradeDryRun: "startDryRun",
  executePreTradeDryRun: "executeDryRun",
  executePreTradeDropCopy: "dropCopy",
  commitReservation: "commit",
  rollbackReservation: "rollback",
  applyExecutionReport: "report",
  applyAccountAdjustment: "adjust",
};

const PHASES: readonly ServingPhase[] = ["recovering", "serving", "draining", "stopping", "failed"];

export interface MetricsSources {
  readonly state: SidecarState;
  phase(): ServingPhase;
  /** package.json's version (openpit_build_info). */
  readonly version: string;
  /**
   * The journal's replay rules of this build (openpit_build_info's `replay_rules`): two builds
   * of one version whose rules differ cannot replay each other's journal.
   */
  readonly replayRules: number;
  /** The latency histograms time one message in this many (metrics.latencySampleEvery). */
  readonly latencySampleEvery?: number;
  /**
   * Replicated mode: this instance owns nothing now (a standby, or fenced). Its state is the
   * active's, followed from the journal: its channels, pins and handles are not its own.
   */
  readonly followsOnly?: () => boolean;
}

export class SidecarMetrics {
  readonly registry = new Registry();
  readonly door: DoorCounters;
  private readonly eventsPublished = new Map<string, number>();
  private eventsDropped = 0;
  private subscribersDropped = 0;
  private readonly denials = new Map<string, number>();
  private recovery: RecoveryReport | undefined;
  /**
   * Wire case → the door's kind index, filled on first sight (a message without a command is
   * `none`). A Map, as DoorCounters' own index: a plain object read with a key per case was a
   * megamorphic keyed load on every answer.
   */
  private readonly wireKindIndex = new Map<string, number>();

  constructor(
    private readonly sources: MetricsSources,
    lifecycle?: ChannelLifecycleListener,
  ) {
    this.door = new DoorCounters(lifecycle, sources.latencySampleEvery ?? 1);
    collectDefaultMetrics({ register: this.registry });
    this.registerDoor();
    this.registerState();
    this.registerJournal();
  }

  /** The event hub's tap: one more event published. */
  eventPublished(e: SequencedEvent): void {
    this.eventsPublished.set(e.event.kind, (this.eventsPublished.get(e.event.kind) ?? 0) + 1);
  }

  /** `count` calls or commands refused by security (every one, recorded on the audit trail or not). */
  denied(reason: string, count = 1): void {
    this.denials.set(reason, (this.denials.get(reason) ?? 0) + count);
  }

  /** A monitor fell behind and was dropped with `events` undelivered. */
  subscriberDropped(events: number): void {
    this.subscribersDropped++;
    this.eventsDropped += events;
  }

  recovered(report: RecoveryReport): void {
    this.recovery = report;
  }

  /** The arrival time of a message the services time (performance.now()), or -1 for one they do not (sampling). */
  arrival(): number {
    return this.door.timeAnswer() ? performance.now() : -1;
  }

  /** A channel message's answer was written; it arrived at `arrivedAt` (from `arrival()`; -1: not timed). */
  channelAnswered(m: OpenRequest, arrivedAt: number): void {
    if (arrivedAt < 0) return;
    const seconds = (performance.now() - arrivedAt) / 1000;
    const commands = m.commands;
    for (let i = 0; i < commands.length; i++) this.door.answered(this.kindOfWire(commands[i]!.command.case), seconds);
  }

  /** A feed message's answer was written. */
  feedAnswered(reports: number, arrivedAt: number): void {
    if (arrivedAt < 0) return;
    const seconds = (performance.now() - arrivedAt) / 1000;
    const k = this.door.indexOf(FEED_REPORT);
    for (let i = 0; i < reports; i++) this.door.answered(k, seconds);
  }

  private kindOfWire(wireCase: string | undefined): number {
    const key = wireCase ?? "none";
    let k = this.wireKindIndex.get(key);
    if (k === undefined) this.wireKindIndex.set(key, (k = this.door.indexOf(WIRE_KINDS[key] ?? key)));
    return k;
  }

  private registerDoor(): void {
    const door = this.door;
    const r = this.registry;
    collected(r, "openpit_commands_total", "Commands the door ran, by kind and outcome (accepted/rejected: pre-trade decisions and dry runs, rejected: a drop copy not booked; ok; error: a command error; retried: a safe retry answered with its first decision; duplicate: a report whose execution id was applied already)", "counter", () => {
      const out: Sample[] = [];
      door.kinds.forEach((kind, k) =>
        OUTCOMES.forEach((outcome, o) => {
          const value = door.commands[k * OUTCOMES.length + o]!;
          if (value > 0) out.push({ labels: { kind, outcome }, value });
        }),
      );
      return out;
    });
    collected(r, "openpit_rejects_total", "Rejects of pre-trade decisions and of drop copies that could not be booked (dry runs left out), by reject code and policy; one decision may carry several", "counter", () =>
      nested(door.rejects, "policy", "code"),
    );
    collected(r, "openpit_command_errors_total", "Commands the door answered with a command error, by kind and error code", "counter", () => nested(door.errors, "kind", "code"));
    // A function: kinds first seen later (new commands) join at the next scrape.
    const kinds = () => door.kinds.map((kind) => ({ kind }));
    collectedHistogram(r, "openpit_command_engine_seconds", "Time a command spent in the door: pins, handles, the engine and its policies", door.engineTime, kinds);
    collectedHistogram(
      r,
      "openpit_command_sidecar_seconds",
      "Time from a message's arrival to its answer's write, per command (queueing, the door, the journal's fdatasync in sync mode, encoding)",
      door.sidecarTime,
      kinds,
    );
    collected(r, "openpit_channels_closed_total", "Channels ended, by reason (lost, ended, shutdown, recovery, policy)", "counter", () => flat(door.channelsClosed, "reason"));
    collected(r, "openpit_reservations_rolled_back_total", "Reservations rolled back without the client asking, by reason (lost, ended, shutdown, recovery, policy, fenced, expired)", "counter", () =>
      flat(door.rolledBack, "reason"),
    );
    collected(r, "openpit_requests_abandoned_total", "Open pre-trade requests dropped without the client asking, by reason", "counter", () => flat(door.abandoned, "reason"));
    collected(r, "openpit_fences_total", "Takeovers: a channel lost accounts to another channel's bind", "counter", () => [{ labels: {}, value: door.fences }]);
    collected(r, "openpit_events_published_total", "Account events published to monitors, by event kind", "counter", () => flat(this.eventsPublished, "kind"));
    collected(r, "openpit_denied_total", "Calls and commands refused by security, by reason (UNAUTHENTICATED, PERMISSION_DENIED), recorded on the audit trail or not", "counter", () => flat(this.denials, "reason"));
    collected(r, "openpit_events_dropped_total", "Events a monitor never got because it fell behind and was dropped", "counter", () => [{ labels: {}, value: this.eventsDropped }]);
    collected(r, "openpit_event_subscribers_dropped_total", "Monitors dropped for falling behind (limits.maxQueuedEventsPerSubscriber)", "counter", () => [
      { labels: {}, value: this.subscribersDropped },
    ]);
  }

  private registerState(): void {
    const { state } = this.sources;
    const r = this.registry;
    const gauge = (name: string, help: string, read: () => number) => collected(r, name, help, "gauge", () => [{ labels: {}, value: read() }]);
    // A standby's state mirrors the active's: summed over a deployment, its figures would count twice.
    const own = (read: () => number) => () => (this.sources.followsOnly?.() ? 0 : read());
    gauge("openpit_channels", "Account channels open (one per gRPC channel stream that has sent a command)", own(() => state.channels.size));
    gauge("openpit_pinned_accounts", "Accounts pinned to a channel", own(() => state.pins.size));
    gauge("openpit_open_reservations", "Reservations open on all channels", own(() => state.handleTally.reservations));
    gauge("openpit_open_requests", "Pre-trade requests open on all channels (started, not yet executed or discarded)", own(() => state.handleTally.open - state.handleTally.reservations));
    gauge("openpit_event_subscribers", "Monitors subscribed to account events", () => state.events.subscriberCount);
    gauge(
      "openpit_execution_ids_remembered",
      "Execution ids remembered to recognise a report sent again (some may be past limits.executionIdRetentionMs, not forgotten yet)",
      own(() => state.engine.executionIdStats().remembered),
    );
    // Rising means the count bound forgets ids inside their retention, and a repeat of those is
    // applied again. The engine's count: a start's replay of the journal counts again what it
    // forgets, and a standby's following would count the active's, so a standby says 0.
    collected(r, "openpit_execution_ids_forgotten_early_total", "Execution ids forgotten by limits.maxExecutionIds before their retention ran out (a report sent again after that is applied again)", "counter", () => [
      { labels: {}, value: own(() => state.engine.executionIdStats().forgottenEarly)() },
    ]);
    collected(r, "openpit_serving_phase", "1 for the phase the server is in (recovering, serving, draining, stopping, failed)", "gauge", () =>
      PHASES.map((phase) => ({ labels: { phase }, value: this.sources.phase() === phase ? 1 : 0 })),
    );
    collected(r, "openpit_build_info", "The sidecar's version and the journal's replay rules (value 1)", "gauge", () => [
      { labels: { version: this.sources.version, replay_rules: String(this.sources.replayRules) }, value: 1 },
    ]);
  }

  /** Durable modes only (sync, async, replicated): the series are absent in ephemeral mode. */
  private registerJournal(): void {
    const { state } = this.sources;
    const r = this.registry;
    // Read once per scrape (the collectors run in one turn). A file journal's `segments` lists
    // the data directory when read, as does the size below: a directory that cannot be listed
    // leaves out those two series only, and the rest of the scrape answers.
    let cached: JournalStatus | undefined;
    const status = (): JournalStatus | undefined => {
      if (cached === undefined) {
        cached = state.journal.status();
        queueMicrotask(() => (cached = undefined));
      }
      // Every durable mode (files or the replicated stream); only ephemeral has no journal series.
      return cached.mode === "ephemeral" ? undefined : cached;
    };
    const fromStatus = (name: string, help: string, type: "counter" | "gauge", read: (s: JournalStatus) => number) =>
      collected(r, name, help, type, () => {
        const s = status();
        return s ? [{ labels: {}, value: read(s) }] : [];
      });
    fromStatus("openpit_journal_last_sequence", "The last record appended to the journal", "gauge", (s) => Number(s.lastSequence));
    fromStatus("openpit_journal_durable_sequence", "The last record known to be on disk (fdatasync done)", "gauge", (s) => Number(s.durableSequence));
    collected(r, "openpit_journal_segments", "Journal segment files in the data directory", "gauge", () => {
      const s = status();
      const segments = s && listedOrUndefined(() => s.segments);
      return segments === undefined ? [] : [{ labels: {}, value: segments }];
    });
    fromStatus("openpit_journal_pending_batches", "Sealed batches written or waiting to be written", "gauge", (s) => s.pendingBatches);
    fromStatus("openpit_journal_last_snapshot_sequence", "The record the newest snapshot covers (0: none)", "gauge", (s) => Number(s.lastSnapshotSequence ?? 0n));
    fromStatus("openpit_journal_fsyncs_total", "fdatasync calls of the journal", "counter", (s) => s.fsyncCount);
    fromStatus("openpit_journal_failed", "1 once a write or fdatasync failed (the process stops)", "gauge", (s) => (s.failure === undefined ? 0 : 1));
    collected(r, "openpit_journal_size_bytes", "Bytes of the journal's segment files on disk (preallocated)", "gauge", () => {
      const dir = status()?.dataDir;
      const segments = dir === undefined ? undefined : listedOrUndefined(() => listSegments(dir));
      if (dir === undefined || segments === undefined) return [];
      let bytes = 0;
      for (const s of segments) {
        try {
          bytes += statSync(join(dir, s.file)).size;
        } catch {
          // Pruned between the listing and the stat.
        }
      }
      return [{ labels: {}, value: bytes }];
    });
    collectedHistogram(r, "openpit_journal_append_seconds", "Time to append one record to the journal's open batch (no syscall)", this.door.journalAppendTime, () => [{}]);
    collectedHistogram(r, "openpit_journal_fsync_seconds", "fdatasync latency of the journal's batches", this.door.fsyncTime, () => [{}]);
    const fromRecovery = (name: string, help: string, read: (report: RecoveryReport) => number) =>
      collected(r, name, help, "gauge", () => (this.recovery ? [{ labels: {}, value: read(this.recovery) }] : []));
    fromRecovery("openpit_recovery_replayed_records", "Journal records the last start replayed after its snapshot", (rep) => rep.replayed);
    fromRecovery("openpit_recovery_snapshot_sequence", "The record the snapshot the last start loaded covers (0: none)", (rep) => Number(rep.snapshotSequence ?? 0n));
    fromRecovery("openpit_recovery_duration_seconds", "How long the last start's recovery took (snapshot, replay, reopening the journal)", (rep) => rep.ms / 1000);
    fromRecovery("openpit_recovery_rolled_back_reservations", "Reservations the crash left open, rolled back at the last start", (rep) => rep.rolledBackReservations);
  }
}

/**
 * What `list` reads from the data directory, or undefined when it cannot be listed (gone,
 * replaced by a file, no permission): the series is left out of this scrape rather than
 * failing the whole exposition (found by review: one unreadable directory made /metrics
 * answer 500, the process metrics and openpit_journal_failed with it).
 */
function listedOrUndefined<T>(list: () => T): T | undefined {
  try {
    return list();
  } catch {
    return undefined;
  }
}

function flat(map: ReadonlyMap<string, number>, label: string): Sample[] {
  return [...map].map(([value, n]) => ({ labels: { [label]: value }, value: n }));
}

function nested(map: ReadonlyMap<string, ReadonlyMap<string, number>>, outer: string, inner: string): Sample[] {
  const out: Sample[] = [];
  for (const [a, m] of map) for (const [b, n] of m) out.push({ labels: { [outer]: a, [inner]: b }, value: n });
  return out;
}
