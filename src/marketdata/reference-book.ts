/** Per-instrument reference data kept apart from quotes: instrument ids and T+n settlement schemes. */
import type { InstrumentId } from "../param/ids.js";
import type { Instrument } from "../param/instrument.js";
import { ReferenceBookError, registrationConflictMessage } from "./errors.js";
import { InstrumentRegistry } from "./instrument-registry.js";

export type SettlementUnit = "BusinessDays" | "CalendarDays";

/** T+n for one leg. `n` is a u64; settlement schemes read back from the book carry it as a bigint. */
export interface SettlementLag {
  readonly n: bigint | number;
  readonly unit: SettlementUnit;
}

export interface SettlementScheme {
  readonly delivery: SettlementLag;
  readonly payment: SettlementLag;
}

export const SettlementScheme = {
  /** Both legs T+n business days. */
  uniform(n: bigint | number): SettlementScheme {
    const lag = { n, unit: "BusinessDays" } as const;
    return { delivery: lag, payment: lag };
  },
};

const U64_MAX = (1n << 64n) - 1n;

/** One registration of the book; `scheme` absent = none configured. */
export interface ReferenceBookEntry {
  readonly id: InstrumentId;
  readonly underlyingAsset: string;
  readonly settlementAsset: string;
  readonly scheme?: SettlementScheme;
}

/** `referenceBook.snapshotState()`: registrations in order, their schemes, the next auto id. */
export interface ReferenceBookSnapshot {
  readonly format: 1;
  readonly nextAutoId: bigint;
  readonly instruments: readonly ReferenceBookEntry[];
}

/**
 * Per-instrument reference data (spec §1.18), independent of market data: ids may be
 * shared with a `MarketDataService` on purpose via `registerWithId`. Data only for now;
 * no policy reads settlement schemes yet (T+0 behaviour).
 */
export class ReferenceBook {
  private readonly registry = new InstrumentRegistry();
  /** Only registered ids have an entry; `undefined` = no scheme configured. */
  private readonly schemes = new Map<bigint, SettlementScheme | undefined>();

  /** Registers under the next unused auto id (from 0). */
  register(instrument: Instrument): InstrumentId {
    return this.add(instrument, undefined);
  }

  registerWithId(id: InstrumentId, instrument: Instrument): InstrumentId {
    return this.add(instrument, id);
  }

  resolve(instrument: Instrument): InstrumentId | undefined {
    return this.registry.resolve(instrument);
  }

  setSettlementScheme(id: InstrumentId, scheme: SettlementScheme): void {
    this.requireKnown(id);
    // Both legs are checked before the store, so a bad scheme keeps the previous one.
    const delivery = checkedLag(scheme?.delivery, "delivery");
    const payment = checkedLag(scheme?.payment, "payment");
    this.schemes.set(id, Object.freeze({ delivery, payment }));
  }

  clearSettlementScheme(id: InstrumentId): void {
    this.requireKnown(id);
    this.schemes.set(id, undefined);
  }

  /** `undefined` for a registered instrument without a scheme; throws for an unknown id. */
  settlementScheme(id: InstrumentId): SettlementScheme | undefined {
    this.requireKnown(id);
    return this.schemes.get(id);
  }

  /** Registrations in order with their schemes, and the next auto id: the book as plain data. */
  snapshotState(): ReferenceBookSnapshot {
    const { nextAutoId, entries } = this.registry.snapshot();
    const instruments = entries.map(([id, instrument]): ReferenceBookEntry => {
      const scheme = this.schemes.get(id);
      const entry = { id, underlyingAsset: instrument.underlyingAsset, settlementAsset: instrument.settlementAsset };
      return scheme === undefined ? entry : { ...entry, scheme };
    });
    return { format: 1, nextAutoId, instruments };
  }

  /** Replaces every registration and scheme with the snapshot's (schemes re-validated first). */
  restoreState(snapshot: ReferenceBookSnapshot): void {
    if (typeof snapshot !== "object" || snapshot === null || snapshot.format !== 1 || !Array.isArray(snapshot.instruments)) {
      throw new TypeError("not a reference-book snapshot of format 1");
    }
    InstrumentRegistry.checkRestorable(snapshot.nextAutoId, snapshot.instruments.map((i) => [i.id, i] as const));
    const schemes = snapshot.instruments.map((i) =>
      i.scheme === undefined ? undefined : Object.freeze({ delivery: checkedLag(i.scheme.delivery, "delivery"), payment: checkedLag(i.scheme.payment, "payment") }),
    );
    this.registry.restore(snapshot.nextAutoId, snapshot.instruments.map((i) => [i.id, i] as const));
    this.schemes.clear();
    snapshot.instruments.forEach((i, k) => this.schemes.set(i.id, schemes[k]));
  }

  private add(instrument: Instrument, id: InstrumentId | undefined): InstrumentId {
    const added = this.registry.add(instrument, id);
    if (!added.ok) {
      const message = registrationConflictMessage(added.conflict, instrument, id);
      throw new ReferenceBookError(added.conflict, message, { instrument, instrumentId: id });
    }
    this.schemes.set(added.id, undefined);
    return added.id;
  }

  private requireKnown(id: InstrumentId): void {
    if (!this.registry.has(id)) {
      throw new ReferenceBookError("UnknownReferenceBookInstrumentId", `unknown reference-book instrument id ${id}`, { instrumentId: id });
    }
  }
}

/** Normalises `n` to a u64 bigint and checks the unit, so stored schemes are uniform and valid. */
function checkedLag(lag: SettlementLag | undefined, leg: string): SettlementLag {
  if (lag === undefined || lag === null) throw new TypeError(`settlement scheme ${leg} lag is missing`);
  const { n, unit } = lag;
  const asBigint = typeof n === "bigint" ? n : typeof n === "number" && Number.isSafeInteger(n) ? BigInt(n) : undefined;
  if (asBigint === undefined || asBigint < 0n || asBigint > U64_MAX) {
    throw new TypeError(`settlement ${leg} lag n must be an unsigned 64-bit integer, got ${String(n)}`);
  }
  if (unit !== "BusinessDays" && unit !== "CalendarDays") {
    throw new TypeError(`settlement ${leg} lag unit must be "BusinessDays" or "CalendarDays", got ${String(unit)}`);
  }
  return Object.freeze({ n: asBigint, unit });
}
