/**
 * OpenPit's `Engine::retire_account` (66b001d, openpit-newer.md §B): forget an account's
 * zero, unused runtime state. Every policy is asked in registration order (all of them, even
 * after a refusal); any refusal rolls back what the accepting ones queued; all accepting
 * commits their removals, and the engine then forgets the account's currency, group
 * membership and own block.
 */
import type { AccountGroupId, AccountId } from "../param/ids.js";
import type { Mutations } from "./pretrade/mutations.js";

/** Why a policy refuses to forget an account (OpenPit's `AccountRetirementRefusal`). */
export type AccountRetirementRefusal = "ConfigurationReferencesAccount" | "NonZeroState" | "OperationInProgress" | "EvaluationFailed";

/** The Display texts; none contains the account id. */
export const ACCOUNT_RETIREMENT_REFUSAL_TEXTS: Readonly<Record<AccountRetirementRefusal, string>> = {
  ConfigurationReferencesAccount: "policy configuration references the account",
  NonZeroState: "policy holds non-zero account state",
  OperationInProgress: "policy has an account operation in progress",
  EvaluationFailed: "policy could not evaluate account retirement",
};

export type AccountRetirementErrorKind = "Refused" | "FinalizerFailed";

export const ACCOUNT_RETIREMENT_ERROR_TEXTS: Readonly<Record<AccountRetirementErrorKind, string>> = {
  Refused: "account retirement refused by one or more policies",
  FinalizerFailed: "account retirement finalizer failed",
};

export interface AccountRetirementPolicyRefusal {
  readonly policy: string;
  readonly refusal: AccountRetirementRefusal;
}

/**
 * `ok`: retired (or never known: a no-op). `Refused`: nothing was removed; `refusals` is
 * never empty and in registration order. `FinalizerFailed`: a commit callback failed, the
 * kill switch is armed, policy state may be partly removed while the account's currency,
 * group and block remain; the id must not be reused.
 */
export type AccountRetirementResult =
  | { readonly ok: true }
  | { readonly ok: false; readonly error: "Refused"; readonly message: string; readonly refusals: readonly AccountRetirementPolicyRefusal[] }
  | { readonly ok: false; readonly error: "FinalizerFailed"; readonly message: string };

/**
 * The policy hook (`PreTradePolicy.retireAccount`): refuse, or accept and queue the removal
 * of the account's state in `mutations` (commit removes, rollback undoes nothing written).
 * A policy without the hook accepts and keeps nothing (OpenPit: custom state is covered
 * only when the policy implements it). A hook that throws is `EvaluationFailed`.
 */
export type RetireAccountHook = (accountId: AccountId, mutations: Mutations, ctx: RetirementContext) => AccountRetirementRefusal | undefined | void;

/**
 * What a retirement hook may read besides its own state: the retire command's time (the
 * door sets the engine clock to it, so replay sees the same time: a window or a retention
 * that has elapsed is judged identically) and the account's group (for tiered settings).
 */
export interface RetirementContext {
  readonly nowMs: number;
  accountGroup(): AccountGroupId | undefined;
}

export const RETIRED: AccountRetirementResult = Object.freeze({ ok: true });

export function refused(refusals: readonly AccountRetirementPolicyRefusal[]): AccountRetirementResult {
  return { ok: false, error: "Refused", message: ACCOUNT_RETIREMENT_ERROR_TEXTS.Refused, refusals };
}

export const FINALIZER_FAILED: AccountRetirementResult = Object.freeze({
  ok: false,
  error: "FinalizerFailed",
  message: ACCOUNT_RETIREMENT_ERROR_TEXTS.FinalizerFailed,
});
