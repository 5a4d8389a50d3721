import { create, type MessageInitShape } from "@bufbuild/protobuf";
import { ManualClock } from "../../src/engine/index.js";
import { buildSidecar } from "../../src/app/build-sidecar.js";
import { parseSidecarConfig } from "../../src/server/config/sidecar-config.js";
import type { DrainTimer, SidecarServer } from "../../src/server/server.js";
import { AccountChannel, ReportFeed, callUnary, connect, type SidecarClients } from "../../src/client/index.js";
import * as pb from "../../gen/openpit/sidecar/v1/types_pb.js";
import * as ad from "../../gen/openpit/sidecar/v1/admin_pb.js";

export const ACCOUNT = 99224416n;
export const OTHER_ACCOUNT = 77n;

/** A realistic engine: every built-in, AAPL/USD registered as instrument 1. */
export function testConfig(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    listen: "127.0.0.1:0",
    marketData: { defaultTtlMs: 0, instruments: [{ id: 1, underlyingAsset: "AAPL", settlementAsset: "USD" }] },
    accounts: { defaultCurrency: "USD" },
    policies: [
      { type: "OrderValidationPolicy" },
      { type: "RateLimitPolicy", settings: { broker: { maxOrders: 1000000, windowMs: 1000 } } },
      { type: "OrderSizeLimitPolicy", settings: { broker: { maxQuantity: "1000", maxNotional: "1000000" } } },
      { type: "PnlBoundsKillSwitchPolicy", settings: { brokerBarriers: [{ settlementAsset: "USD", lowerBound: "-1000" }] } },
      { type: "SpotFundsPolicy", settings: {} },
    ],
    // Durability has suites of its own; these start from an empty state every time.
    durability: { mode: "ephemeral" },
    // startSidecar binds the HTTP listener too: a free port, as for gRPC.
    metrics: { listen: "127.0.0.1:0" },
    ...overrides,
    // No drain at shutdown (test/server/shutdown.test.ts sets its own).
    limits: { shutdownDrainMs: 0, ...(overrides.limits as Record<string, unknown> | undefined) },
  };
}

export interface Harness {
  readonly server: SidecarServer;
  readonly address: string;
  readonly clients: SidecarClients;
  readonly clock: ManualClock;
  channel(onNotice?: ConstructorParameters<typeof AccountChannel>[1]): AccountChannel;
  feed(): ReportFeed;
  admin<Res>(method: string, request: unknown): Promise<Res>;
  /** Resolves with the id of the next channel the server closes (end, cancel, error). */
  nextChannelClose(): Promise<bigint>;
  close(): Promise<void>;
}

/** Starts the real server on 127.0.0.1 with port 0 and connects generated clients. */
export async function startHarness(config: Record<string, unknown> = testConfig(), drainTimer?: DrainTimer): Promise<Harness> {
  const clock = new ManualClock(1_000);
  const server = buildSidecar(parseSidecarConfig(config), clock, drainTimer);
  const port = await server.listen("127.0.0.1:0");
  const address = `127.0.0.1:${port}`;
  const clients = connect(address);
  // A cancelled stream is cleaned up when the server hears of it; tests await that moment
  // instead of sleeping for it.
  const closeWaiters: ((channelId: bigint) => void)[] = [];
  const state = server.state;
  const closeChannel = state.closeChannel.bind(state);
  state.closeChannel = (channelId, reason) => {
    const wasOpen = state.channels.has(channelId);
    closeChannel(channelId, reason);
    if (wasOpen) closeWaiters.splice(0).forEach((w) => w(channelId));
  };
  return {
    server,
    address,
    clients,
    clock,
    ...clientKit(clients, () => server.shutdown()),
    nextChannelClose: () => new Promise((resolve) => closeWaiters.push(resolve)),
  };
}

export type ClientKit = Pick<Harness, "channel" | "feed" | "admin" | "close">;

/** Channels, feeds and admin calls on `clients`; `close` half-closes what it opened, runs `shutdown`, then closes the clients. */
export function clientKit(clients: SidecarClients, shutdown: () => Promise<void>): ClientKit {
  const opened: { end(): Promise<void> }[] = [];
  return {
    channel(onNotice) {
      const c = new AccountChannel(clients.channel, onNotice);
      opened.push(c);
      return c;
    },
    feed() {
      const f = new ReportFeed(clients.feed);
      opened.push(f);
      return f;
    },
    admin: (method, init) => {
      const input = (ad.AdminService.method as Record<string, { input: Parameters<typeof create>[0] }>)[method]!.input;
      return callUnary(clients.admin, method, create(input, init as never));
    },
    async close() {
      // Clients half-close, so shutdown does not wait out its grace period for them.
      for (const s of opened) void s.end().catch(() => {});
      await shutdown();
      clients.close();
    },
  };
}

export type OrderInit = MessageInitShape<typeof pb.OrderSchema>;

/** An AAPL/USD buy of `qty` at `price` for ACCOUNT; any other Order field may be overridden. */
export function order(init: Omit<OrderInit, "$typeName"> & { qty?: string } = {}): pb.Order {
  const { qty = "10", ...rest } = init;
  return create(pb.OrderSchema, {
    instrument: { underlyingAsset: "AAPL", settlementAsset: "USD" },
    accountId: ACCOUNT,
    side: pb.Side.BUY,
    tradeAmount: { case: "quantity", value: qty },
    price: "100",
    ...rest,
  } as OrderInit);
}

/** Seeds `asset` with an absolute balance through an adjustment command. */
export function seed(asset: string, amount: string, accountId = ACCOUNT) {
  return {
    case: "applyAccountAdjustment" as const,
    value: {
      accountId,
      adjustments: [{ operation: { case: "balance" as const, value: { asset } }, balanceAmount: { amount: { case: "absolute" as const, value: amount } } }],
    },
  };
}

export async function holdingsOf(h: Harness, accountId = ACCOUNT): Promise<Record<string, { available: string; held: string; incoming: string }>> {
  const state = await h.admin<ad.GetAccountStateResponse>("getAccountState", { accountId });
  return Object.fromEntries(state.holdings.map((x) => [x.asset, { available: x.available, held: x.held, incoming: x.incoming }]));
}
