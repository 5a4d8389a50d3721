/** RestrictedListPolicy's reject texts: the instrument and where the entry is set, never the account. */
import type { PolicyReject } from "../../model/reject.js";
import type { Instrument } from "../../param/instrument.js";
import { whereSet } from "../policy-texts.js";
import type { RestrictedEntry } from "./settings.js";

function listed(entry: RestrictedEntry, instrument: Instrument): string {
  const what = entry.settlementAsset === undefined ? `underlying ${instrument.underlyingAsset}` : `${instrument.underlyingAsset}/${instrument.settlementAsset}`;
  return `${what} is on a restricted list set ${whereSet(entry.scope)}`;
}

export function restricted(entry: RestrictedEntry, instrument: Instrument): readonly PolicyReject[] {
  return [{ code: "InstrumentRestricted", reason: "instrument restricted", details: listed(entry, instrument), scope: "order" }];
}

export function sellOnly(entry: RestrictedEntry, instrument: Instrument): readonly PolicyReject[] {
  return [{ code: "InstrumentSellOnly", reason: "instrument is sell only", details: `${listed(entry, instrument)} as sell only: buys are refused`, scope: "order" }];
}
