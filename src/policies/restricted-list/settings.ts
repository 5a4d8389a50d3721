/** RestrictedListPolicy's settings: deny entries per account, group or global, and their JSON form. */
import type { ControlScope } from "../../model/control-scope.js";
import type { Asset } from "../../param/instrument.js";
import { onlyKeys, optional, readAsset, readBoolean, readObject, readObjectList, readString, type Json } from "../settings-json.js";
import { readScope, scopeJson, SCOPE_KEYS, uniqueScopes } from "../scope-json.js";

/**
 * One restricted instrument (or every instrument of an underlying asset, when
 * `settlementAsset` is absent) for a scope. `sellOnly`: buys are refused, sells pass.
 */
export interface RestrictedEntry {
  readonly scope: ControlScope;
  readonly underlyingAsset: Asset;
  readonly settlementAsset?: Asset;
  readonly sellOnly: boolean;
  /** Why (compliance reference); shown in settings, never in reject texts. */
  readonly reason: string;
}

export interface RestrictedListSettings {
  entries: RestrictedEntry[];
}

export function copyRestrictedListSettings(s: RestrictedListSettings): RestrictedListSettings {
  return { entries: s.entries.map((e) => ({ ...e })) };
}

// ---- JSON form -------------------------------------------------------------------------
//
// { "entries": [
//     { "global": true, "underlyingAsset": "XYZ", "reason": "M&A blackout" },              // any XYZ/*
//     { "groupId": 3, "underlyingAsset": "AAPL", "settlementAsset": "USD", "sellOnly": true },
//     { "accountId": 7, "underlyingAsset": "TSLA" } ] }
//
// An (scope, instrument) pair may appear once; `entries` absent = nothing restricted.

export function parseRestrictedListSettingsJson(json: Json, path = "settings"): RestrictedListSettings {
  const obj = readObject(json, path);
  onlyKeys(obj, path, ["entries"]);
  const entries = readObjectList(obj.entries, `${path}.entries`, (e, p): RestrictedEntry => {
    onlyKeys(e, p, [...SCOPE_KEYS, "underlyingAsset", "settlementAsset", "sellOnly", "reason"]);
    const settlementAsset = optional(e.settlementAsset, `${p}.settlementAsset`, readAsset);
    return {
      scope: readScope(e, p),
      underlyingAsset: readAsset(e.underlyingAsset, `${p}.underlyingAsset`),
      ...(settlementAsset === undefined ? {} : { settlementAsset }),
      sellOnly: optional(e.sellOnly, `${p}.sellOnly`, readBoolean) ?? false,
      reason: optional(e.reason, `${p}.reason`, readString) ?? "",
    };
  });
  // Unambiguous: joined with "/" and "*" for every settlement asset, the one instrument X|* was
  // taken for every instrument on X (found by review).
  uniqueScopes(entries, `${path}.entries`, (e) => JSON.stringify([e.underlyingAsset, e.settlementAsset ?? null]));
  return { entries };
}

export function restrictedListSettingsJson(settings: unknown): Json {
  return {
    entries: (settings as RestrictedListSettings).entries.map((e) => ({
      ...scopeJson(e.scope),
      underlyingAsset: e.underlyingAsset,
      ...(e.settlementAsset === undefined ? {} : { settlementAsset: e.settlementAsset }),
      sellOnly: e.sellOnly,
      reason: e.reason,
    })),
  };
}
