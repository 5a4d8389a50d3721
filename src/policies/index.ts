/** The built-in policies: order validation, rate limit, order size limit, P&L kill switch, spot funds. */
export * from "./order-validation/index.js";
export * from "./rate-limit/index.js";
export * from "./order-size-limit/index.js";
export * from "./pnl-bounds-kill-switch/index.js";
export * from "./spot-funds/index.js";
export * from "./trading-state/index.js";
export * from "./restricted-list/index.js";
export * from "./client-order-id/index.js";
