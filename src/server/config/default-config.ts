/**
 * The embedded configuration `npm start` serves when no file is given: every built-in,
 * with limits loose enough for a demo and tight enough to show each control working.
 * Accounts start with no funds: seed them with an account adjustment (see README).
 */
export const DEFAULT_CONFIG = {
  listen: "127.0.0.1:50051",
  syncMode: "accountSync",
  limits: { reservationTtlMs: 0 },
  marketData: {
    defaultTtlMs: 0,
    instruments: [
      { id: 1, underlyingAsset: "AAPL", settlementAsset: "USD" },
      { id: 2, underlyingAsset: "MSFT", settlementAsset: "USD" },
      { id: 3, underlyingAsset: "BTC", settlementAsset: "USD" },
      { id: 4, underlyingAsset: "EUR", settlementAsset: "USD" },
    ],
  },
  accounts: { strict: false, defaultCurrency: "USD", list: [] },
  policies: [
    { type: "OrderValidationPolicy" },
    { type: "RateLimitPolicy", settings: { broker: { maxOrders: 100000, windowMs: 1000 } } },
    {
      type: "OrderSizeLimitPolicy",
      settings: { broker: { maxQuantity: "1000000", maxNotional: "10000000" } },
    },
    {
      type: "PnlBoundsKillSwitchPolicy",
      settings: { brokerBarriers: [{ settlementAsset: "USD", lowerBound: "-100000" }] },
    },
    { type: "SpotFundsPolicy", settings: { limitMode: "Enforce", pricingSource: "Mark" } },
  ],
  // The journal and snapshots live in ./openpit-data (git-ignored); answers wait for fdatasync.
  durability: { mode: "sync", dataDir: "openpit-data" },
} as const;
