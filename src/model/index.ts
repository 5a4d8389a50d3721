/** The domain data model: orders, reports, adjustments, outcomes, rejects, the pre-trade lock. */
export * from "./reject.js";
export * from "./order.js";
export * from "./execution-report.js";
export * from "./account-adjustment.js";
export * from "./pnl-state.js";
export * from "./outcomes.js";
export * from "./pre-trade-lock.js";
export * from "./control-scope.js";
