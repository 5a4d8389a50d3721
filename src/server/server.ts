/** The gRPC server around the door: every service, health, reflection, recovery gating, graceful stop. */
import { Server, ServerCredentials } from "@grpc/grpc-js";
import { Health } from "../../gen/grpc/health/v1/health_pb.js";
import { ServerReflection } from "../../gen/grpc/reflection/v1/reflection_pb.js";
import { AdminService } from "../../gen/openpit/sidecar/v1/admin_pb.js";
import { AccountChannelService, type OpenResponse } from "../../gen/openpit/sidecar/v1/channel_pb.js";
import { AccountEventService } from "../../gen/openpit/sidecar/v1/events_pb.js";
import { ExecutionReportFeedService } from "../../gen/openpit/sidecar/v1/feed_pb.js";
import type { SidecarState } from "../state/sidecar-state.js";
import { encodeNotice } from "./codec/index.js";
import { serviceDefinition } from "../transport/service-definition.js";
import { CHANNEL_SERVER_WIRE } from "../transport/wire/index.js";
import { accountChannelService } from "./services/account-channel-service.js";
import { adminService } from "./services/admin-service.js";
import { eventsService } from "./services/events-service.js";
import { feedService } from "./services/feed-service.js";
import { HealthState, healthService } from "./services/health-service.js";
import { LiveStreams } from "./services/live-streams.js";
import { reflectionService } from "./services/reflection-service.js";
import type { ServiceContext, ServingPhase } from "./services/service-context.js";
import { ListenError } from "./listen-error.js";

export interface ServerOptions {
  readonly maxQueuedMessages: number;
  /** How long shutdown keeps health NOT_SERVING with the streams still open (see `shutdown`). */
  readonly shutdownDrainMs: number;
  /** How long shutdown then waits for clients to half-close before it cuts connections. */
  readonly shutdownGraceMs: number;
}

/** Resolves after `ms` of wall time; tests inject their own to end the drain when they choose. */
export type DrainTimer = (ms: number) => Promise<void>;

const wallDrainTimer: DrainTimer = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

const SIDECAR_SERVICES = [AccountChannelService, ExecutionReportFeedService, AccountEventService, AdminService];

export class SidecarServer {
  readonly health = new HealthState(SIDECAR_SERVICES.map((s) => s.typeName));
  private readonly server: Server;
  private readonly streams = new LiveStreams();
  private readonly channelWriters = new Map<bigint, (message: OpenResponse) => void>();
  private sweeper: ReturnType<typeof setInterval> | undefined;
  private stopping: Promise<void> | undefined;
  private failed = false;
  private currentPhase: ServingPhase;

  constructor(
    readonly state: SidecarState,
    private readonly options: ServerOptions,
    phase: ServingPhase = "serving",
    private readonly drainTimer: DrainTimer = wallDrainTimer,
  ) {
    this.currentPhase = phase;
    this.health.setServing(phase === "serving");
    this.server = new Server({
      // Orders are small; a generous cap still refuses a runaway message early.
      "grpc.max_receive_message_length": 16 * 1024 * 1024,
    });
    const ctx: ServiceContext = { state, streams: this.streams, phase: () => this.currentPhase, channelWriters: this.channelWriters };
    state.onNotice = (channelId, notice) => this.channelWriters.get(channelId)?.(encodeNotice(notice));
    this.server.addService(serviceDefinition(AccountChannelService, { open: CHANNEL_SERVER_WIRE }), accountChannelService(ctx, options));
    this.server.addService(serviceDefinition(ExecutionReportFeedService), feedService(ctx));
    this.server.addService(serviceDefinition(AccountEventService), eventsService(ctx));
    this.server.addService(serviceDefinition(AdminService), adminService(ctx));
    this.server.addService(serviceDefinition(Health), healthService(this.health, this.streams));
    this.server.addService(serviceDefinition(ServerReflection), reflectionService([...SIDECAR_SERVICES, Health]));
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

  /** Binds `host:port` (port 0 = any free port) and returns the bound port; a failed bind is a ListenError. */
  async listen(address: string): Promise<number> {
    const port = await new Promise<number>((resolve, reject) => {
      this.server.bindAsync(address, ServerCredentials.createInsecure(), (err, p) => (err ? reject(ListenError.fromBind(address, err)) : resolve(p)));
    });
    const ttl = this.state.limits.reservationTtlMs;
    if (ttl > 0) {
      // The timer only decides how often to look; the sweep is a command stamped like any other.
      // Reservations still expire during the drain: the gateways are still connected.
      this.sweeper = setInterval(() => {
        if (this.currentPhase === "serving" || this.currentPhase === "draining") this.state.sweepExpired();
      }, Math.max(10, Math.min(1000, ttl / 4)));
      this.sweeper.unref();
    }
    return port;
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
   */
  shutdown(): Promise<void> {
    this.stopping ??= (async () => {
      await this.unlessFailed();
      this.health.setServing(false);
      // Nothing was served while recovering: nobody needs time to move away.
      if (this.currentPhase === "serving") {
        this.currentPhase = "draining";
        await this.drainTimer(this.options.shutdownDrainMs);
        await this.unlessFailed();
      }
      this.currentPhase = "stopping";
      if (this.sweeper) clearInterval(this.sweeper);
      this.streams.drainAll();
      for (const id of [...this.state.channels.keys()]) this.state.closeChannel(id, "shutdown");
      await this.state.journal.flush();
      await this.unlessFailed();
      // A last snapshot: the next start (perhaps of a newer version) replays nothing.
      this.state.snapshots?.stop();
      await this.state.snapshots?.take();
      await this.unlessFailed();
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
      await this.state.journal.close();
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
    this.health.setServing(false);
    this.currentPhase = "failed";
    if (this.sweeper) clearInterval(this.sweeper);
    // A snapshot now could capture the damage; the journal holds only what was acknowledged.
    this.state.snapshots?.stop();
  }
}
