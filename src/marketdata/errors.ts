/** The errors market data and the reference book throw, and their shared duplicate-registration message. */
import { OpenpitError } from "../param/param-error.js";
import type { InstrumentId } from "../param/ids.js";
import type { Instrument } from "../param/instrument.js";
import type { Quote } from "./market-data-source.js";

export type MarketDataErrorKind =
  | "UnknownInstrument"
  | "UnknownInstrumentId"
  | "DuplicateInstrument"
  | "DuplicateId"
  | "NoTarget"
  | "QuoteUnavailable"
  | "QuoteExpired";

/** What an error is about; only the fields that apply are set. */
export interface MarketDataErrorDetails {
  readonly instrumentId?: InstrumentId;
  readonly instrument?: Instrument;
  /** For `QuoteExpired`: the stale quote of the selected bucket, so callers can still inspect it. */
  readonly quote?: Quote;
}

/**
 * Misuse of the market-data service or a failed strict lookup (`getOrErr`). Messages name
 * instruments and ids, never accounts.
 */
export class MarketDataError extends OpenpitError {
  override name = "MarketDataError";
  readonly instrumentId: InstrumentId | undefined;
  readonly instrument: Instrument | undefined;
  readonly quote: Quote | undefined;

  constructor(
    readonly kind: MarketDataErrorKind,
    message: string,
    details: MarketDataErrorDetails = {},
  ) {
    super(`${kind}: ${message}`);
    this.instrumentId = details.instrumentId;
    this.instrument = details.instrument;
    this.quote = details.quote;
  }
}

export type ReferenceBookErrorKind = "DuplicateId" | "DuplicateInstrument" | "UnknownReferenceBookInstrumentId";

export class ReferenceBookError extends OpenpitError {
  override name = "ReferenceBookError";
  readonly instrumentId: InstrumentId | undefined;
  readonly instrument: Instrument | undefined;

  constructor(
    readonly kind: ReferenceBookErrorKind,
    message: string,
    details: { readonly instrumentId?: InstrumentId; readonly instrument?: Instrument } = {},
  ) {
    super(`${kind}: ${message}`);
    this.instrumentId = details.instrumentId;
    this.instrument = details.instrument;
  }
}

/** Shared wording for strict-registration conflicts (market data and reference book). */
export function registrationConflictMessage(
  conflict: "DuplicateInstrument" | "DuplicateId",
  instrument: Instrument,
  id: InstrumentId | undefined,
): string {
  return conflict === "DuplicateInstrument"
    ? `instrument ${instrument.underlyingAsset}/${instrument.settlementAsset} is already registered`
    : `instrument id ${String(id)} is already registered`;
}
