/**
 * The mutation-finalizer contract (OpenPit 66b001d, openpit-newer.md §E): a commit or
 * rollback callback that fails is never ignored. It arms the engine's kill switch: the
 * account is blocked when a built-in policy (or the engine) owns the mutation, every
 * account when a custom policy does (its state can no longer be trusted for anyone).
 */
import type { AccountId } from "../param/ids.js";
import type { AccountBlock } from "../model/reject.js";
import { ENGINE_NAME } from "./engine-name.js";

export type FinalizerStep = "commit" | "rollback";

/** Where a failing finalizer is reported: the engine arms the kill switch. */
export type FinalizerFailureSink = (accountId: AccountId | undefined, policy: string, step: FinalizerStep, error: unknown) => void;

/** The reason of the block and of drop-copy's immediate engine reject. */
export const MUTATION_CALLBACK_FAILED = "mutation callback failed";

/** The case text: which step of which policy failed, and why (never the account id). */
export function finalizerFailureDetails(policy: string, step: FinalizerStep, error: unknown): string {
  return `${step} callback of policy ${policy} failed: ${error instanceof Error ? error.message : String(error)}`;
}

/**
 * The block the kill switch stores (the spec leaves the text open): code `SystemUnavailable`
 * like drop-copy's immediate reject, since the engine can no longer vouch for the state.
 */
export function finalizerFailureBlock(policy: string, step: FinalizerStep, error: unknown): AccountBlock {
  return { policy: ENGINE_NAME, code: "SystemUnavailable", reason: MUTATION_CALLBACK_FAILED, details: finalizerFailureDetails(policy, step, error) };
}
