/** The market-data layer's public surface: quote-source contract, service, reference book, errors. */
export * from "./market-data-source.js";
export * from "./market-data-service.js";
export * from "./reference-book.js";
export * from "./errors.js";
export type { InstrumentSnapshot, MarketDataSnapshot } from "./market-data-snapshot.js";
