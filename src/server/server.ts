/** The gRPC server around the door: every service, health, reflection, recovery gating, graceful stop. */
import { Server, type UntypedServiceImplementation } from "@grpc/grpc-js";
import type { DescService } from "@bufbuild/protobuf";
import { Health } from "../../gen/grpc/health/v1/health_pb.js";
import { ServerReflection } from "../../gen/grpc/reflection/v1/reflection_pb.js";
import { AdminService } from "../../gen/openpit/sidecar/v1/admin_pb.js";
import { AccountChannelService } from "../../gen/openpit/sidecar/v1/channel_pb.js";
import type { ChannelNotice } from "../state/results.js";
import { AccountEventService } from "../../gen/openpit/sidecar/v1/events_pb.js";
import { ExecutionReportFeedService } from "../../gen/openpit/sidecar/v1/feed_pb.js";
import type { SidecarState } from "../state/sidecar-state.js";
import { DEFAULT_NETWORK, grpcServerOptions, type NetworkConfig } from "./config/network-config.js";
import { DEFAULT_LIMITS } from "./config/sidecar-config.js";
import { guarded } from "../state/guarded.js";
import { serviceDefinition } from "../transport/service-definition.js";
import { CHANNEL_DECODING_WIRE, FEED_DECODING_WIRE } from "./codec/wire-decoders.js";
import { accountChannelService } from "./services/account-channel-service.js";
import { adminService } from "./services/admin-service.js";
import { eventsService } from "./services/events-service.js";
import { feedService } from "./services/feed-service.js";
import { HealthState, healthService } from "./services/health-service.js";
import { LiveStreams } from "./services/live-streams.js";
import { recordDenial } from "./services/audit-denial.js";
import { DenialThrottle } from "./services/denial-throttle.js";
import { reflectionService } from "./services/reflection-service.js";
import type { Denial, ServiceContext, ServingPhase } from "./services/service-context.js";
import { DEFAULT_SECURITY, type SecurityConfig } from "./security/security-config.js";
import { SecuritySetup } from "./security/security-setup.js";
import { guardService } from "./security/service-guard.js";
import { boundedStatuses } from "./services/bounded-status.js";
import { ListenError } from "./listen-error.js";
import { HttpListener } from "./http/http-listener.js";
import { metricsRoute } from "./metrics/metrics-route.js";
import { CONSOLE_PREFIX, consoleRoute } from "./console/console-route.js";
import { SidecarMetrics } from "./metrics/sidecar-metrics.js";
import { doorLog } from "./log/door-log.js";
import { logEvent } from "./log/event-log.js";
import { errorFields, silentLogger, type SidecarLogger } from "./log/sidecar-log.js";
import { VERSION } from "../version.js";
import { REPLAY_RULES } from "../state/journal-writer.js";
import { followsOnly } from "./services/ownership-gate.js";
import type { OwnershipGate } from "../replication/ownership-gate.js";
import type { ReplicationControl } from "../replication/replication-control.js";

export interface ServerOptions {
  readonly maxQueuedMessages: number;
  /** Records waiting for durability past which channels and feeds stop reading (journal-backpressure.ts). */
  readonly maxRecordsAwaitingDurability?: number;
  /** Events held for a monitor that does not read before it is dropped. */
  readonly maxQueuedEventsPerSubscriber?: number;
  /** How long shutdown keeps health NOT_SERVING with the streams still open (see `shutdown`). */
  readonly shutdownDrainMs: number;
  /** How long shutdown then waits for clients to half-close before it cuts connections. */
  readonly shutdownGraceMs: number;
  /** Keepalive, idle connections, message size (defaults: DEFAULT_NETWORK). */
  readonly network?: NetworkConfig;
  /** Where the structured log goes (default: nowhere; the process passes its stderr logger). */
  readonly logger?: SidecarLogger;
  /** The latency histograms time one message in this many (metrics.latencySampleEvery; default 1). */
  readonly latencySampleEvery?: number;
  /** What GetServerStatus says the server is (the composition root fills it in). */
  readonly identity?: ServerIdentity;
}

/** The server's identity for GetServerStatus: its version and replay rules, its mode, a running uptime and the digest of the configuration in force. */
export interface ServerIdentity {
  readonly version: string;
  /** The journal's replay rules of this build (REPLAY_RULES): the version alone does not tell two builds apart. */
  readonly replayRules: number;
  /** Read at each call: ConfigurePolicy and a restart's journal change the settings in force. */
  configDigest(): string;
  /** The configuration's `durability.mode`. */
  readonly durabilityMode: string;
  uptimeMs(): number;
}

/** Resolves after `ms` of wall time; tests inject their own to end the drain when they choose. */
export type DrainTimer = (ms: number) => Promise<void>;

const wallDrainTimer: DrainTimer = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

const SIDECAR_SERVICES = [AccountChannelService, ExecutionReportFeedService, AccountEventService, AdminService];

/** Every service the listener serves (the security tests walk their methods). */
export const SERVED_SERVICES: readonly DescService[] = [...SIDECAR_SERVICES, Health, ServerReflection];

export class SidecarServer {
  readonly health = new HealthState(SIDECAR_SERVICES.map((s) => s.typeName));
  private readonly server: Server;
  private readonly streams = new LiveStreams();
  private readonly channelWriters = new Map<bigint, (notice: ChannelNotice) => void>();
  private readonly channelPeers = new Map<bigint, string>();
  /** The sockets served, as bound: the gRPC listener, and others announced with `addListener`. */
  private readonly boundListeners: { name: string; address: string }[] = [];
  /**
   * The guarded AdminService and AccountEventService implementations: the web console calls
   * them in-process (src/server/console/), so it shares their authentication, roles, audit
   * and code paths with gRPC callers.
   */
  readonly guardedServices: { readonly admin: UntypedServiceImplementation; readonly events: UntypedServiceImplementation };
  private sweeper: ReturnType<typeof setInterval> | undefined;
  private stopping: Promise<void> | undefined;
  private failed = false;
  private currentPhase: ServingPhase;
  private readonly security: SecuritySetup;
  /** What the start-up output says about security (warnings first), once listening. */
  securityNotes: readonly string[] = [];
  /**
   * The HTTP listener (`/metrics`, the console): routes are mounted before or after it
   * listens (`startSidecar` binds it); shutdown closes it last, so a scrape sees the drain.
   */
  readonly http = new HttpListener();
  /** This server's metrics, in a registry of its own (`metrics.registry`), served at /metrics. */
  readonly metrics: SidecarMetrics;
  readonly log: SidecarLogger;
  private readonly ctx: ServiceContext;
  /**
   * Told of every refused call or command, after the audit trail has recorded it: once per
   * audit record, so the refused commands of one message come as one (`count` says how many).
   */
  onDenied: ((denial: Denial) => void) | undefined;
  /** Unauthenticated refusals, recorded at a bounded rate (the rest counted, then summarised). */
  private readonly denials: DenialThrottle;

  constructor(
    readonly state: SidecarState,
    private readonly options: ServerOptions,
    phase: ServingPhase = "serving",
    security: SecurityConfig = DEFAULT_SECURITY,
    private readonly drainTimer: DrainTimer = wallDrainTimer,
  ) {
    const log = (this.log = options.logger ?? silentLogger());
    this.security = new SecuritySetup(security, {
      refused: (message) => log.warn({ event: "tokens_reload_refused" }, message),
      reloaded: (revoked) => log.info({ event: "tokens_reloaded", revokedStreams: revoked }, `bearer tokens reloaded: ${revoked} stream(s) of revoked tokens ended`),
      crl: {
        refused: (message) => log.warn({ event: "crl_reload_refused" }, message),
        reloaded: (revoked) => log.info({ event: "crl_reloaded", revokedStreams: revoked }, `client CRL reloaded: ${revoked} stream(s) of revoked certificates ended`),
      },
    });
    // A standby's state is the journal's, applied as the owner wrote it: nothing of its own enters it.
    const denials = (this.denials = new DenialThrottle(
      () => state.liveTimeMs(),
      (denial) => {
        if (!this.standby()) recordDenial(state, this.currentPhase, denial);
      },
    ));
    const metrics = (this.metrics = new SidecarMetrics(
      { state, phase: () => this.currentPhase, version: VERSION, replayRules: REPLAY_RULES, latencySampleEvery: options.latencySampleEvery, followsOnly: () => this.standby() },
      doorLog(log),
    ));
    state.observer = metrics.door;
    state.events.tap = (e) => {
      metrics.eventPublished(e);
      logEvent(log, e);
    };
    this.currentPhase = phase;
    this.health.setServing(phase === "serving");
    // Keepalive pings cut a frozen peer and a socket that never speaks HTTP/2 (network-config.ts).
    this.server = new Server(grpcServerOptions(options.network ?? DEFAULT_NETWORK));
    const ctx: ServiceContext = (this.ctx = {
      state,
      streams: this.streams,
      phase: () => this.currentPhase,
      channelWriters: this.channelWriters,
      channelPeers: this.channelPeers,
      identity: () => ({
        version: options.identity?.version ?? "",
        replayRules: options.identity?.replayRules ?? 0,
        uptimeMs: options.identity?.uptimeMs() ?? 0,
        configDigest: options.identity?.configDigest() ?? "",
        durabilityMode: options.identity?.durabilityMode ?? state.journal.mode,
        listeners: this.boundListeners,
      }),
      metrics,
      log,
      onDenied: (denial) => {
        metrics.denied(denial.reason, denial.count ?? 1);
        denials.admit(denial);
        this.onDenied?.(denial);
      },
    });
    state.onNotice = (channelId, notice) => this.channelWriters.get(channelId)?.(notice);
    // Every service behind the same guard: authentication, then the method's role (fail closed).
    const guard = { authenticator: this.security.authenticator, onDenied: ctx.onDenied, revocableStreams: this.security.revocableStreams };
    const add = (service: DescService, impl: UntypedServiceImplementation, overrides = {}) => {
      // Statuses bounded outside the guard, so its refusals are too; the console calls these same handlers.
      const guarded = boundedStatuses(service, guardService(service, impl, guard));
      this.server.addService(serviceDefinition(service, overrides), guarded);
      return guarded;
    };
    add(AccountChannelService, accountChannelService(ctx, options), { open: CHANNEL_DECODING_WIRE });
    add(ExecutionReportFeedService, feedService(ctx, options), { publish: FEED_DECODING_WIRE });
    const events = add(AccountEventService, eventsService(ctx, { maxQueuedEvents: options.maxQueuedEventsPerSubscriber ?? DEFAULT_LIMITS.maxQueuedEventsPerSubscriber }));
    const admin = add(AdminService, adminService(ctx, options));
    this.guardedServices = { admin, events };
    add(Health, healthService(this.health, this.streams));
    add(ServerReflection, reflectionService([...SIDECAR_SERVICES, Health], this.streams));
    this.http.onError = (e, req) => log.error({ event: "http_error", method: req.method, url: req.url, ...errorFields(e) }, `HTTP ${req.method} ${req.url} failed`);
    this.http.mount("/metrics", metricsRoute(metrics.registry));
    // The web console: the same guarded admin and event handlers as gRPC, over HTTP (src/server/console/).
    const webConsole = consoleRoute(this.guardedServices, ctx.onDenied);
    this.http.mount(CONSOLE_PREFIX, webConsole.handler);
    this.http.onClose(() => webConsole.closeStreams());
  }

  /**
   * Replicated mode (composition root, before serving): every gateway command and admin
   * change passes the ownership gate, and the admin service offers StepDown and status.
   */
  attachReplication(gate: OwnershipGate, control: ReplicationControl, ownershipGroup?: string): void {
    this.ctx.ownership = gate;
    this.ctx.replication = control;
    if (ownershipGroup !== undefined) this.ctx.ownershipGroup = ownershipGroup;
  }

  /** Replicated mode and this instance owns nothing now (a standby, or fenced). */
  private standby(): boolean {
    return followsOnly(this.ctx.ownership);
  }

  get phase(): ServingPhase {
    return this.currentPhase;
  }

  /** Recovery is done: health turns SERVING and commands are taken. */
  startServing(): void {
    if (this.currentPhase !== "recovering") return;
    this.currentPhase = "serving";
    this.health.setServing(true);
  }

  /**
   * Binds `host:port` (port 0 = any free port) and returns the bound port. Plaintext or the
   * single-user default on a non-loopback address is a ConfigError without `insecure`.
   * A `shutdown` begun meanwhile makes it close what it bound and reject, starting nothing.
   */
  async listen(address: string): Promise<number> {
    const { credentials, ready, notes } = this.security.listen(address, {
      refused: (message) => this.log.warn({ event: "tls_reload_refused", address }, message),
      renewed: () => this.log.info({ event: "tls_reloaded", address }, "TLS certificates renewed: new connections get them"),
    });
    this.securityNotes = notes;
    const port = await new Promise<number>((resolve, reject) => {
      this.server.bindAsync(address, credentials, (err, p) => (err ? reject(ListenError.fromBind(address, err)) : resolve(p)));
    });
    await ready();
    // A shutdown that began while this bound has stopped what it knew of, before any of it
    // was started: nothing starts now (the re-reading of the credentials files, the sweeper:
    // nobody would stop them), and the socket is closed (grpc-js does not cancel a bind in
    // progress at shutdown: it would listen on, the certificate files re-read, for good).
    if (this.stopping !== undefined) {
      // Nobody was served here: no grace. Resolves once closed, the certificate files' watch with it.
      await new Promise<void>((resolve) => {
        this.server.tryShutdown(() => resolve());
        this.server.forceShutdown();
      });
      throw new Error(`the server was shut down while it was binding ${address}`);
    }
    // Removing a hash from the tokens file revokes its token, adding a serial to the client CRL
    // its certificate, open streams included (docs/security.md).
    this.security.watch();
    this.addListener("grpc", `${address.slice(0, address.lastIndexOf(":"))}:${port}`);
    const ttl = this.state.limits.reservationTtlMs;
    if (ttl > 0) {
      // The timer only decides how often to look; the sweep is a command stamped like any other.
      // Reservations still expire during the drain: the gateways are still connected.
      this.sweeper = setInterval(() => {
        if (this.currentPhase !== "serving" && this.currentPhase !== "draining") return;
        // Only the owner sweeps: a standby applies the owner's sweeps from the journal.
        if (this.standby()) return;
        // A timer's throw would reach the process; the next tick tries again.
        guarded("the reservation TTL sweep", () => this.state.sweepExpired());
      }, Math.max(10, Math.min(1000, ttl / 4)));
      this.sweeper.unref();
    }
    return port;
  }

  /** Another socket this sidecar serves (the HTTP listener), as GetServerStatus lists it. */
  addListener(name: string, address: string): void {
    this.boundListeners.push({ name, address });
  }

  get listeners(): readonly { readonly name: string; readonly address: string }[] {
    return this.boundListeners;
  }

  /**
   * Re-reads `security.tokensFile`, `security.tls.clientCrlFile` and the TLS certificate
   * files now (SIGHUP; the intervals do it too): a file that parses replaces what is in force and ends the streams
   * of the credentials it revokes (UNAUTHENTICATED, a channel's reservations handled as for
   * a lost client); one that does not is logged and what is in force stays. Resolves once
   * that is done.
   */
  reloadCredentials(): Promise<void> {
    return this.security.reloadCredentials();
  }

  /**
   * Graceful stop, in two steps (docs/security.md, "Process and shutdown"):
   *
   * 1. Drain (`shutdownDrainMs`): health turns NOT_SERVING at once so load balancers and
   *    gateways move away, while every stream stays open. New risk is refused per command
   *    with SHUTTING_DOWN (binds, starts, executes); everything that finishes or records
   *    what already happened still runs (commits, rollbacks, discards, releases, execution
   *    reports, drop copies, adjustments, the feed, admin changes, the TTL sweep).
   * 2. Close: what was already received is answered under the drain's rules, each channel
   *    gets the ShuttingDown notice and is closed (its open reservations rolled back);
   *    anything arriving after that is answered SHUTTING_DOWN until the client half-closes.
   *    The journal is flushed, a last snapshot taken, and the server waits for clients to
   *    go (cutting them after `shutdownGraceMs`).
   *
   * A server that never served (a start that failed while "recovering") closes no channel
   * and takes no snapshot: its state is what recovery got to, and the channels in it (from
   * the snapshot or the journal) are the durable state's, rolled back by the next start that
   * recovers, journaled. Closing them here would report rollbacks (events, log lines) at
   * sequences no journal holds, and a snapshot could capture a half-recovered state.
   */
  shutdown(): Promise<void> {
    this.stopping ??= (async () => {
      await this.unlessFailed();
      const served = this.currentPhase !== "recovering";
      this.health.setServing(false);
      // Nothing was served while recovering: nobody needs time to move away.
      if (this.currentPhase === "serving") {
        this.currentPhase = "draining";
        await this.drainTimer(this.options.shutdownDrainMs);
        await this.unlessFailed();
      }
      // The refusals only counted are recorded while the phase still lets them be: their
      // summary's timer would fire once "stopping" drops it (found by review, session 34).
      if (served) this.denials.flush();
      this.currentPhase = "stopping";
      if (this.sweeper) clearInterval(this.sweeper);
      this.security.stopWatching();
      this.streams.drainAll();
      // A standby's channels are the owner's (replayed): they are not this instance's to close.
      if (served && !this.standby()) for (const id of [...this.state.channels.keys()]) guarded(`closing channel ${id}`, () => this.state.closeChannel(id, "shutdown"));
      await this.state.journal.flush();
      await this.unlessFailed();
      // The monitors last: the rollbacks of the channels closed above were published once
      // durable (the flush), so every monitor has them before its stream ends.
      this.streams.closeListeners();
      // A last snapshot: the next start (perhaps of a newer version) replays nothing.
      this.state.snapshots?.stop();
      if (served) await this.state.snapshots?.take();
      await this.unlessFailed();
      // One grace for every listener: the HTTP one gets what the gRPC clients left of it. A
      // fresh grace each let a stuck client of both stretch the stop to drain + 2 × grace, past a
      // supervisor's kill timeout sized from the docs (found by review).
      const graceEnds = performance.now() + this.options.shutdownGraceMs;
      await new Promise<void>((resolve) => {
        const force = setTimeout(() => {
          this.server.forceShutdown();
          resolve();
        }, this.options.shutdownGraceMs);
        force.unref();
        this.server.tryShutdown(() => {
          clearTimeout(force);
          resolve();
        });
      });
      // The process may have failed closed while clients were given time to go.
      await this.unlessFailed();
      await this.state.journal.close();
      await this.http.close(Math.max(0, graceEnds - performance.now()));
    })();
    return this.stopping;
  }

  /**
   * A graceful shutdown the process failed closed in the middle of goes no further (no
   * engine call, no snapshot) and never reports success: the fail-closed exit ends it.
   */
  private async unlessFailed(): Promise<void> {
    if (this.failed) await new Promise<never>(() => {});
  }

  /**
   * Fail closed (an uncaught error: the state may be inconsistent). Health turns
   * NOT_SERVING and nothing more is run: every command is refused SHUTTING_DOWN, and a
   * stream that goes does not close its channel through the engine. Nothing is
   * rolled back or snapshotted; the caller exits, and the next start recovers from the
   * journal, where every acknowledged command already is.
   */
  failClosed(): void {
    this.failed = true;
    this.state.failedClosed = true;
    this.health.setServing(false);
    this.currentPhase = "failed";
    if (this.sweeper) clearInterval(this.sweeper);
    // A snapshot now could capture the damage, one already scheduled too; the journal holds
    // only what was acknowledged.
    this.state.snapshots?.halt();
  }
}
