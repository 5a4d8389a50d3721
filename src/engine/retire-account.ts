/** Runs an account's retirement (account-retirement.ts has its types and texts): every policy asked, then the engine's own state. */
import type { AccountId } from "../param/ids.js";
import { commitOwned, Mutations } from "./pretrade/mutations.js";
import { rollbackQuietly } from "./reservation.js";
import {
  ACCOUNT_RETIREMENT_REFUSAL_TEXTS,
  FINALIZER_FAILED,
  refused,
  RETIRED,
  type AccountRetirementPolicyRefusal,
  type AccountRetirementRefusal,
  type AccountRetirementResult,
} from "./account-retirement.js";
import { BOOK_OWNER } from "./account-book/index.js";
import type { EngineInternals } from "./engine-internals.js";

/**
 * Forgets an account's zero, unused runtime state (OpenPit's `retire_account`, §B). Every
 * policy with a `retireAccount` hook is asked in registration order, even after a refusal.
 * Any refusal: what the others queued is rolled back, nothing is removed. All accept: their
 * removals are committed, then the account's own currency, group membership and own block
 * (whatever caused it) are cleared; group and global blocks, group currencies, market data
 * and policy settings stay. An unknown or already-retired account is a no-op success.
 * Caller contract: finalise every request and reservation of the account first. `outside`: the
 * caller's own refusals (a request open on a channel), listed last: every policy is still asked,
 * so the answer names everything the operator must clear, not the first thing found.
 */
export function retireAccount(engine: EngineInternals, accountId: AccountId, outside: readonly AccountRetirementPolicyRefusal[] = []): AccountRetirementResult {
  const ctx = engine.context(accountId, false, false, engine.recordBlock);
  const mutations = new Mutations();
  const refusals: AccountRetirementPolicyRefusal[] = [];
  for (const policy of engine.policies) {
    if (policy.retireAccount === undefined) continue;
    ctx.currentPolicy = policy.name;
    mutations.owner = policy.name;
    let refusal: unknown;
    try {
      refusal = policy.retireAccount(accountId, mutations, ctx);
    } catch {
      refusal = "EvaluationFailed";
    }
    if (refusal !== undefined && refusal !== null) refusals.push({ policy: policy.name, refusal: knownRefusal(refusal) });
  }
  // The engine's own account book takes part like a policy that keeps state.
  if (!engine.accountBook.isRetirable(accountId)) refusals.push({ policy: BOOK_OWNER, refusal: "NonZeroState" });
  // The caller's own, unless the book said the same already (an open reservation, say).
  for (const r of outside) if (!refusals.some((o) => o.policy === r.policy && o.refusal === r.refusal)) refusals.push(r);
  if (refusals.length > 0) {
    // A failing rollback has armed the kill switch already; the refusal is still the answer.
    rollbackQuietly(mutations.handOver(), ctx);
    return refused(refusals);
  }
  if (commitOwned(mutations.handOver(), ctx) !== undefined) return FINALIZER_FAILED;
  engine.accountBook.forget(accountId);
  engine.registry.currencyByAccount.delete(accountId);
  engine.registry.groupByAccount.delete(accountId);
  engine.accounts().unblock(accountId);
  return RETIRED;
}

/**
 * A hook's answer as one of the four refusals. Anything else (a misspelt name, `true`, the
 * Promise of an `async` hook) is an invalid decision: EvaluationFailed (§B.2), never passed
 * on as a refusal with no text (found by review).
 */
function knownRefusal(answer: unknown): AccountRetirementRefusal {
  return typeof answer === "string" && Object.hasOwn(ACCOUNT_RETIREMENT_REFUSAL_TEXTS, answer) ? (answer as AccountRetirementRefusal) : "EvaluationFailed";
}
