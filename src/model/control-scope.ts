/** What an operator control (a trading state, a restricted list, a kill switch) applies to. */
import type { AccountGroupId, AccountId } from "../param/ids.js";

/** One account, one account group, or everything the sidecar serves. */
export type ControlScope =
  | { readonly kind: "account"; readonly accountId: AccountId }
  | { readonly kind: "group"; readonly group: AccountGroupId }
  | { readonly kind: "global" };

export const GLOBAL_SCOPE: ControlScope = Object.freeze({ kind: "global" });

/** A stable map key for a scope: `a:<id>`, `g:<id>`, `*`. */
export function scopeKey(scope: ControlScope): string {
  switch (scope.kind) {
    case "account":
      return `a:${scope.accountId}`;
    case "group":
      return `g:${scope.group}`;
    case "global":
      return "*";
  }
}

/** Who tripped a kill switch: an operator's admin command, or a policy (a limit breached). */
export type BlockedBy = "operator" | "policy";

/** Trading states, least to most restrictive: the strictest of an account's, its group's and the global one applies. */
export type TradingStateName = "ACTIVE" | "REDUCING" | "HALTED";
