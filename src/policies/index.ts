/** The built-in policies: order validation, rate limit, order size limit, P&L kill switch, spot funds. */
export * from "./order-validation/index.js";
export * from "./rate-limit/index.js";
export * from "./order-size-limit/index.js";
export * from "./pnl-bounds-kill-switch/index.js";
export * from "./spot-funds/index.js";
export * from "./price-collar/index.js";
export * from "./two-tier-throttle/index.js";
export * from "./repeated-execution-throttle/index.js";
export * from "./gross-exposure-limit/index.js";
export * from "./max-open-orders/index.js";
export * from "./soft-limits/index.js";
export * from "./trading-state/index.js";
export * from "./restricted-list/index.js";
export * from "./client-order-id/index.js";
