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
  /**
   * underlying → settlement → id: two lookups by the asset texts themselves (unambiguous,
   * whatever they contain), with no key string built per call. `resolve` runs for every
   * reference-price lookup on the hot path; a JSON key per call showed in profiles.
   */
  private readonly idByAssets = new Map<string, Map<string, InstrumentId>>();
  private readonly instrumentById = new Map<bigint, Instrument>();
  /** Next candidate for an auto id; ids taken by explicit registrations are skipped, not reused. */
  private nextAutoId = 0n;

  resolve(instrument: Instrument): InstrumentId | undefined {
    return this.idByAssets.get(instrument.underlyingAsset)?.get(instrument.settlementAsset);
  }

  has(id: InstrumentId): boolean {
    return this.instrumentById.has(id);
  }

  instrumentOf(id: InstrumentId): Instrument | undefined {
    return this.instrumentById.get(id);
  }

  /** Registers under `id`, or under the next unused auto id when `id` is omitted. The instrument is checked first. */
  add(instrument: Instrument, id?: InstrumentId): RegistrationResult {
    if (this.resolve(instrument) !== undefined) return { ok: false, conflict: "DuplicateInstrument" };
    if (id !== undefined && this.instrumentById.has(id)) return { ok: false, conflict: "DuplicateId" };
    const assigned = id ?? this.takeAutoId();
    // Copy so a caller mutating its object cannot desynchronise the two maps.
    this.instrumentById.set(assigned, { underlyingAsset: instrument.underlyingAsset, settlementAsset: instrument.settlementAsset });
    this.setId(instrument, assigned);
    return { ok: true, id: assigned };
  }

  /** Every registration in order, and the next auto-id candidate: the registry as plain data. */
  snapshot(): { readonly nextAutoId: bigint; readonly entries: [InstrumentId, Instrument][] } {
    const entries: [InstrumentId, Instrument][] = [];
    for (const [id, instrument] of this.instrumentById) entries.push([id as InstrumentId, { ...instrument }]);
    return { nextAutoId: this.nextAutoId, entries };
  }

  /**
   * Throws a TypeError unless `entries` name each id and each instrument once and
   * `nextAutoId` is a u64: what `restore` needs, for its owner to check before it writes
   * anything (found by review: a snapshot naming one id twice left the two maps disagreeing,
   * A/USD and B/USD both resolving to an id whose instrument was B/USD).
   */
  static checkRestorable(nextAutoId: unknown, entries: Iterable<readonly [InstrumentId, Instrument]>): void {
    if (typeof nextAutoId !== "bigint" || nextAutoId < 0n || nextAutoId >= 1n << 64n) {
      throw new TypeError(`next auto instrument id ${String(nextAutoId)} is not u64`);
    }
    const check = new InstrumentRegistry();
    for (const [id, instrument] of entries) {
      const added = check.add(instrument, id);
      if (!added.ok) {
        throw new TypeError(
          added.conflict === "DuplicateId"
            ? `instrument id ${id} is registered twice`
            : `instrument ${instrument.underlyingAsset}/${instrument.settlementAsset} is registered twice`,
        );
      }
    }
  }

  /** Replaces every registration (same order, same ids) and the auto-id cursor; `checkRestorable` first. */
  restore(nextAutoId: bigint, entries: Iterable<readonly [InstrumentId, Instrument]>): void {
    this.idByAssets.clear();
    this.instrumentById.clear();
    for (const [id, instrument] of entries) {
      this.instrumentById.set(id, { underlyingAsset: instrument.underlyingAsset, settlementAsset: instrument.settlementAsset });
      this.setId(instrument, id);
    }
    this.nextAutoId = nextAutoId;
  }

  private setId(instrument: Instrument, id: InstrumentId): void {
    let bySettlement = this.idByAssets.get(instrument.underlyingAsset);
    if (bySettlement === undefined) this.idByAssets.set(instrument.underlyingAsset, (bySettlement = new Map()));
    bySettlement.set(instrument.settlementAsset, id);
  }

  private takeAutoId(): InstrumentId {
    while (this.instrumentById.has(this.nextAutoId)) this.nextAutoId += 1n;
    const id = this.nextAutoId as InstrumentId;
    this.nextAutoId += 1n;
    return id;
  }
}

