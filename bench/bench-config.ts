/**
 * The engine the load harness drives: the realistic mix of OpenPit's own load test
 * (OrderValidation, RateLimit, OrderSizeLimit, PnL kill switch, SpotFunds), and the
 * constants the workload and the oracle share. Prices are fixed per instrument so the
 * oracle can do exact arithmetic in integer cents without a decimal library.
 */

export interface BenchInstrument {
  readonly id: number;
  readonly underlying: string;
  /** The limit price every order of this instrument carries (and the fill price). */
  readonly price: string;
  readonly priceCents: number;
}

export const SETTLEMENT = "USD";

export const INSTRUMENTS: readonly BenchInstrument[] = [
  { id: 1, underlying: "AAPL", price: "185.25", priceCents: 18_525 },
  { id: 2, underlying: "MSFT", price: "410.10", priceCents: 41_010 },
];

/** OrderSizeLimit broker barrier: a notional over the cap is one of the designed rejects. */
export const MAX_ORDER_QUANTITY = 100_000;
export const MAX_ORDER_NOTIONAL_CENTS = 1_000_000 * 100;

/**
 * Account id ranges per section, so pinning never crosses sections: the closed-loop and
 * throughput channels use "deep" accounts (funds that never run out); the open loop uses
 * ordinary accounts whose funds the oracle follows.
 */
export const DEEP_ACCOUNT_BASE = 10_000n;
export const DEEP_ACCOUNTS_PER_CHANNEL = 64;
export const DEEP_FUNDS_USD = "1000000000000";
export const WORLD_ACCOUNT_BASE = 1_000_000n;

/** The bench sidecar's channel queue bound (see `benchSidecarConfig`). */
export const BENCH_MAX_QUEUED_MESSAGES = 4_096;

/** How the bench's sidecars keep state: in memory (every section but the durability one), or journaled. */
export type BenchDurability =
  | { readonly mode: "ephemeral" }
  | { readonly mode: "sync" | "async"; readonly dataDir: string }
  /** The replicated journal on a JetStream cluster (the bench starts a 3-node one: bench/durability.ts). */
  | { readonly mode: "replicated"; readonly servers: readonly string[]; readonly stream: string };

/**
 * The bench configuration. The durability section is explicit: a configuration without one
 * means sync mode in ./openpit-data, which would journal the in-memory runs into the repository.
 * Durable sidecars never snapshot during a run (the bench measures the journal, and a run
 * is far below the production default of one snapshot per million records anyway).
 */
export function benchSidecarConfig(durability: BenchDurability = { mode: "ephemeral" }): Record<string, unknown> {
  return {
    listen: "127.0.0.1:0",
    metrics: { listen: "127.0.0.1:0" },
    durability:
      durability.mode === "ephemeral"
        ? { mode: "ephemeral" }
        : durability.mode === "replicated"
          ? { mode: "replicated", snapshotEveryRecords: 0, snapshotEverySeconds: 0 }
          : { ...durability, snapshotEveryRecords: 0, snapshotEverySeconds: 0 },
    ...(durability.mode === "replicated"
      ? { replication: { servers: [...durability.servers], stream: durability.stream, subjectPrefix: durability.stream.toLowerCase(), replicas: 3 } }
      : {}),
    syncMode: "accountSync",
    // The channel queue is bounded (4 096 answers held by grpc-js before the channel stops
    // running, 4 096 messages waiting after that, then RESOURCE_EXHAUSTED): a generator
    // that stops reading shows up as refusals, which the oracle counts as mismatches,
    // instead of answers piling up unseen in grpc-js (the RSS growth of the collapsed
    // soaks with 1 000 000). The raw generator reads every answer as it arrives, so only a
    // stall of it can fill this; 4 096 is about 0.3 s of the 80 % rate, far more than a
    // catch-up burst after a GC pause, four times the production default of 1 024.
    limits: { maxQueuedMessages: BENCH_MAX_QUEUED_MESSAGES, reservationTtlMs: 0, shutdownDrainMs: 0, shutdownGraceMs: 2_000 },
    marketData: {
      defaultTtlMs: 0,
      instruments: INSTRUMENTS.map((i) => ({ id: i.id, underlyingAsset: i.underlying, settlementAsset: SETTLEMENT })),
    },
    accounts: { strict: false, defaultCurrency: SETTLEMENT, list: [] },
    policies: [
      { type: "OrderValidationPolicy" },
      // A broker-wide flood guard far above any rate the bench offers: it is counted on
      // every order (its cost is measured) but never rejects, so the oracle stays exact.
      { type: "RateLimitPolicy", settings: { broker: { maxOrders: 100_000_000, windowMs: 1_000 } } },
      {
        type: "OrderSizeLimitPolicy",
        settings: { broker: { maxQuantity: String(MAX_ORDER_QUANTITY), maxNotional: String(MAX_ORDER_NOTIONAL_CENTS / 100) } },
      },
      // Fills carry pnl 0 / fee 0, so accumulators stay at 0 and the barrier never trips.
      { type: "PnlBoundsKillSwitchPolicy", settings: { brokerBarriers: [{ settlementAsset: SETTLEMENT, lowerBound: "-1000000" }] } },
      { type: "SpotFundsPolicy", settings: { limitMode: "Enforce", pricingSource: "Mark" } },
    ],
  };
}
