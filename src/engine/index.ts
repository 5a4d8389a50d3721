/** The engine's public surface: engine and builder, policy interface, handles, results, errors and events. */
export * from "./engine.js";
export * from "./engine-builder.js";
export * from "./errors.js";
export * from "./clock.js";
export * from "./pretrade/mutations.js";
export * from "./pretrade/policy.js";
export * from "./reservation.js";
export * from "./pre-trade-request.js";
export * from "./results.js";
export * from "./pretrade/configurator.js";
export * from "./accounts-admin.js";
export * from "./events.js";
export * from "./sync-mode.js";
export * from "./account-retirement.js";
export * from "./finalizer-kill-switch.js";
export { GLOBAL_BLOCK } from "./account-blocks.js";
export type { EngineSnapshot } from "./engine-snapshot.js";
export { AccountBook, BOOK_OWNER, footprintOf, type AccountBookData, type AccountBookView, type BookInstrument, type OrderFootprint } from "./account-book/index.js";
