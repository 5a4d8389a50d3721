import type { AccountId } from "../param/index.js";
import type { Clock, Engine } from "../engine/index.js";
import type { ExecutionReport, PostTradeResult } from "../model/index.js";
import type { MarketDataService } from "../marketdata/index.js";
import { ChannelSession, type ChannelHost, type ChannelLimits, type Notify } from "./channel/channel-session.js";
import { PinRegistry } from "./channel/pin-registry.js";
import { EventHub } from "./event-hub.js";

export interface SidecarOptions {
  readonly engine: Engine;
  readonly marketData: MarketDataService;
  readonly limits: ChannelLimits;
  readonly clock: Clock;
  /** When set, only these accounts may be used; others get an UNKNOWN_NAME error. */
  readonly knownAccounts?: ReadonlySet<AccountId>;
}

/**
 * The process-wide state behind every gRPC service: one engine, the pins, the live
 * channels and the event hub. Node runs each call to completion, so every engine call is
 * atomic with respect to all channels and the feed.
 */
export class Sidecar implements ChannelHost {
  readonly engine: Engine;
  readonly marketData: MarketDataService;
  readonly limits: ChannelLimits;
  readonly pins = new PinRegistry<ChannelSession>();
  readonly events = new EventHub();
  readonly pinning: boolean;
  private readonly clock: Clock;
  private readonly knownAccounts: ReadonlySet<AccountId> | undefined;
  private readonly sessions = new Set<ChannelSession>();
  private nextChannelId = 1n;
  private shuttingDown = false;

  constructor(options: SidecarOptions) {
    this.engine = options.engine;
    this.marketData = options.marketData;
    this.limits = options.limits;
    this.clock = options.clock;
    this.knownAccounts = options.knownAccounts;
    this.pinning = options.engine.syncMode !== "fullSync";
    options.engine.onEvent((event) => this.events.publish(event));
  }

  get isShuttingDown(): boolean {
    return this.shuttingDown;
  }

  get channels(): ReadonlySet<ChannelSession> {
    return this.sessions;
  }

  nowMs(): number {
    return this.clock.nowMs();
  }

  isKnownAccount(accountId: AccountId): boolean {
    return this.knownAccounts === undefined || this.knownAccounts.has(accountId);
  }

  openChannel(notify: Notify): ChannelSession {
    const session = new ChannelSession(this.nextChannelId++, this, notify);
    this.sessions.add(session);
    return session;
  }

  /** Ends a channel: its reservations are rolled back and its accounts unpinned. */
  closeChannel(session: ChannelSession): void {
    session.close();
    this.sessions.delete(session);
  }

  applyExecutionReport(report: ExecutionReport): PostTradeResult {
    const result = this.engine.applyExecutionReport(report);
    this.events.publishPostTrade(result);
    return result;
  }

  /** Rolls back every reservation whose TTL has passed (called by a timer, or by tests). */
  sweepExpired(): void {
    const now = this.clock.nowMs();
    for (const session of this.sessions) session.expire(now);
  }

  beginShutdown(): void {
    this.shuttingDown = true;
  }
}
