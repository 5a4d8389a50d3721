/** The strict two-way instrument ⇄ id map behind both the market-data service and the reference book. */
import type { InstrumentId } from "../param/ids.js";
import type { Instrument } from "../param/instrument.js";

export type RegistrationConflict = "DuplicateInstrument" | "DuplicateId";

export type RegistrationResult =
  | { readonly ok: true; readonly id: InstrumentId }
  | { readonly ok: false; readonly conflict: RegistrationConflict };

/**
 * Strict two-way instrument ⇄ id map shared by the market-data service and the reference
 * book. It reports conflicts as values so each owner throws its own error type.
 */
export class InstrumentRegistry {
  private readonly idByKey = new Map<string, InstrumentId>();
  private readonly instrumentById = new Map<bigint, Instrument>();
  /** Next candidate for an auto id; ids taken by explicit registrations are skipped, not reused. */
  private nextAutoId = 0n;

  resolve(instrument: Instrument): InstrumentId | undefined {
    return this.idByKey.get(instrumentKey(instrument));
  }

  has(id: InstrumentId): boolean {
    return this.instrumentById.has(id);
  }

  instrumentOf(id: InstrumentId): Instrument | undefined {
    return this.instrumentById.get(id);
  }

  /** Registers under `id`, or under the next unused auto id when `id` is omitted. The instrument is checked first. */
  add(instrument: Instrument, id?: InstrumentId): RegistrationResult {
    const key = instrumentKey(instrument);
    if (this.idByKey.has(key)) return { ok: false, conflict: "DuplicateInstrument" };
    if (id !== undefined && this.instrumentById.has(id)) return { ok: false, conflict: "DuplicateId" };
    const assigned = id ?? this.takeAutoId();
    // Copy so a caller mutating its object cannot desynchronise the two maps.
    this.instrumentById.set(assigned, { underlyingAsset: instrument.underlyingAsset, settlementAsset: instrument.settlementAsset });
    this.idByKey.set(key, assigned);
    return { ok: true, id: assigned };
  }

  /** Every registration in order, and the next auto-id candidate: the registry as plain data. */
  snapshot(): { readonly nextAutoId: bigint; readonly entries: [InstrumentId, Instrument][] } {
    const entries: [InstrumentId, Instrument][] = [];
    for (const [id, instrument] of this.instrumentById) entries.push([id as InstrumentId, { ...instrument }]);
    return { nextAutoId: this.nextAutoId, entries };
  }

  /** Replaces every registration (same order, same ids) and the auto-id cursor. */
  restore(nextAutoId: bigint, entries: Iterable<readonly [InstrumentId, Instrument]>): void {
    this.idByKey.clear();
    this.instrumentById.clear();
    for (const [id, instrument] of entries) {
      this.instrumentById.set(id, { underlyingAsset: instrument.underlyingAsset, settlementAsset: instrument.settlementAsset });
      this.idByKey.set(instrumentKey(instrument), id);
    }
    this.nextAutoId = nextAutoId;
  }

  private takeAutoId(): InstrumentId {
    while (this.instrumentById.has(this.nextAutoId)) this.nextAutoId += 1n;
    const id = this.nextAutoId as InstrumentId;
    this.nextAutoId += 1n;
    return id;
  }
}

/** Unambiguous map key: JSON escaping keeps any asset text (even one containing "/") distinct. */
function instrumentKey(instrument: Instrument): string {
  return JSON.stringify([instrument.underlyingAsset, instrument.settlementAsset]);
}
