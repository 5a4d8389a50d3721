/** The scope of an operator control in settings JSON: exactly one of accountId, groupId, global. */
import { scopeKey, type ControlScope } from "../model/control-scope.js";
import { fail, readAccountGroupId, readAccountId, readBoolean, type Json } from "./settings-json.js";

/** The keys `readScope` takes from an entry; the caller lists its own beside them for `onlyKeys`. */
export const SCOPE_KEYS = ["accountId", "groupId", "global"] as const;

/** `{ "accountId": 7 }`, `{ "groupId": 3 }` or `{ "global": true }` within an entry object. */
export function readScope(obj: Record<string, Json>, path: string): ControlScope {
  const present = SCOPE_KEYS.filter((k) => obj[k] !== undefined);
  if (present.length !== 1) fail(path, "must name exactly one of accountId, groupId, global");
  if (obj.accountId !== undefined) return { kind: "account", accountId: readAccountId(obj.accountId, `${path}.accountId`) };
  if (obj.groupId !== undefined) return { kind: "group", group: readAccountGroupId(obj.groupId, `${path}.groupId`) };
  if (!readBoolean(obj.global, `${path}.global`)) fail(`${path}.global`, "must be true when present");
  return { kind: "global" };
}

/** A scope as its JSON keys (the inverse of `readScope`). */
export function scopeJson(scope: ControlScope): Record<string, Json> {
  switch (scope.kind) {
    case "account":
      return { accountId: scope.accountId.toString() };
    case "group":
      return { groupId: scope.group };
    case "global":
      return { global: true };
  }
}

/** Refuses a second entry for the same scope (at `path`), so a list never says two things. */
export function uniqueScopes<T extends { readonly scope: ControlScope }>(entries: readonly T[], path: string, extraKey?: (e: T) => string): void {
  const seen = new Set<string>();
  entries.forEach((e, i) => {
    const key = scopeKey(e.scope) + (extraKey ? `|${extraKey(e)}` : "");
    if (seen.has(key)) fail(`${path}[${i}]`, "repeats an earlier entry's scope");
    seen.add(key);
  });
}
