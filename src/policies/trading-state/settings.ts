/** TradingStatePolicy's settings: the non-ACTIVE states per account, group or globally, and their JSON form. */
import type { ControlScope, TradingStateName } from "../../model/control-scope.js";
import { fail, onlyKeys, optional, readObject, readObjectList, readString, type Json } from "../settings-json.js";
import { readScope, scopeJson, SCOPE_KEYS, uniqueScopes } from "../scope-json.js";

export interface TradingStateEntry {
  readonly scope: ControlScope;
  readonly state: TradingStateName;
  /** Why (monitors and the audit trail see it; reject texts never do). */
  readonly reason: string;
}

/** Scopes not listed are ACTIVE. One entry per scope. */
export interface TradingStateSettings {
  states: TradingStateEntry[];
}

const STATES: readonly TradingStateName[] = ["ACTIVE", "REDUCING", "HALTED"];

export function readTradingState(json: Json, path: string): TradingStateName {
  const text = readString(json, path);
  if (!STATES.includes(text as TradingStateName)) fail(path, `must be one of ${STATES.join(", ")}`);
  return text as TradingStateName;
}

export function copyTradingStateSettings(s: TradingStateSettings): TradingStateSettings {
  return { states: s.states.map((e) => ({ ...e })) };
}

// ---- JSON form -------------------------------------------------------------------------
//
// { "states": [ { "accountId": 7, "state": "HALTED", "reason": "margin call" },
//               { "groupId": 3, "state": "REDUCING" },
//               { "global": true, "state": "ACTIVE" } ] }
//
// `states` is optional (absent = everything ACTIVE); an ACTIVE entry is kept out of the
// list (it is the default). A scope named twice is refused.

export function parseTradingStateSettingsJson(json: Json, path = "settings"): TradingStateSettings {
  const obj = readObject(json, path);
  onlyKeys(obj, path, ["states"]);
  const states = readObjectList(obj.states, `${path}.states`, (e, p) => {
    onlyKeys(e, p, [...SCOPE_KEYS, "state", "reason"]);
    return { scope: readScope(e, p), state: readTradingState(e.state, `${p}.state`), reason: optional(e.reason, `${p}.reason`, readString) ?? "" };
  });
  uniqueScopes(states, `${path}.states`);
  return { states: states.filter((e) => e.state !== "ACTIVE") };
}

/**
 * Every state's reason in `json` (settings the parser accepted), ACTIVE entries included, with
 * its path under the settings: what ConfigurePolicy and the file bound (server/codec/reason.ts).
 * Not bounded by the parser above: a replay runs it, and a record journaled before the bound
 * must still apply (found by review, session 34).
 */
export function tradingStateReasons(json: Json): { path: string; reason: string }[] {
  const states = (json as { states?: unknown } | null | undefined)?.states;
  if (!Array.isArray(states)) return [];
  return states.flatMap((e: unknown, i) => {
    const reason = (e as { reason?: unknown } | null)?.reason;
    return typeof reason === "string" ? [{ path: `states[${i}].reason`, reason }] : [];
  });
}

export function tradingStateSettingsJson(settings: unknown): Json {
  return { states: (settings as TradingStateSettings).states.map((e) => ({ ...scopeJson(e.scope), state: e.state, reason: e.reason })) };
}
