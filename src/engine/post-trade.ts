/** After the fact: execution reports and non-trade account adjustments through the policies that take them. */
import type { AccountId } from "../param/ids.js";
import type { ExecutionReport } from "../model/execution-report.js";
import type { AccountAdjustment } from "../model/account-adjustment.js";
import type { AccountAdjustmentOutcome, AccountPnlOutcome, PostTradeResult } from "../model/outcomes.js";
import { rejectFromPolicy, type AccountBlock, type Reject } from "../model/reject.js";
import { GLOBAL_BLOCK } from "./account-blocks.js";
import { PolicyCallbackError } from "./errors.js";
import { commitOwned, Mutations } from "./pretrade/mutations.js";
import { groupOf, stamp } from "./stage-outcomes.js";
import { rollbackQuietly } from "./reservation.js";
import type { AccountAdjustmentBatchResult } from "./results.js";
import { BOOK_OWNER, bookPositionOverflow } from "./account-book/index.js";
import type { EngineInternals } from "./engine-internals.js";
import type { CallContext } from "./pretrade/contexts.js";
import { reportFingerprint } from "./report-fingerprint.js";

/**
 * Feeds an execution report to every policy. Not atomic: each policy changes its own
 * state; nothing is undone when another reports a block. The first block is recorded
 * for the report's account, or as the global block when the report has no account.
 * A report whose execution id was applied for its account already, with the same content,
 * changes nothing and says so (execution-ids.ts); the id is remembered before any policy
 * runs, so one that throws part-way is not applied again either (what ran stands).
 */
export function applyExecutionReport(engine: EngineInternals, report: ExecutionReport): PostTradeResult {
  const accountId = report.operation?.accountId;
  const executionId = report.executionId;
  if (executionId !== undefined && engine.executionIds.isRepeat(accountId, executionId, reportFingerprint(report), engine.clock.nowMs())) {
    return { accountBlocks: [], accountPnls: [], accountAdjustments: [], duplicateExecutionId: true };
  }
  const ctx = engine.context(accountId, false, false, engine.recordBlock);
  // Blocks are recorded after every hook ran, so each hook sees the account as the report found it.
  ctx.blockedLookup = engine.isBlocked;
  const accountBlocks: AccountBlock[] = [];
  // Both created with their first entries: an array grown from `[]` reserves 17 slots,
  // and a fill usually moves two assets and one account line.
  let accountPnls: AccountPnlOutcome[] | undefined;
  let accountAdjustments: AccountAdjustmentOutcome[] | undefined;
  let failure: { readonly policy: string; readonly error: unknown } | undefined;
  // The book first: post-trade hooks see the position with this report in it. A fill its
  // position cannot take blocks the account, first: the book no longer knows what it holds.
  try {
    const overflowed = engine.accountBook.applyReport(report);
    if (overflowed !== undefined) accountBlocks.push(bookPositionOverflow(overflowed));
  } catch (e) {
    failure = { policy: BOOK_OWNER, error: e };
  }
  for (const policy of engine.hooks.postTrade) {
    ctx.currentPolicy = policy.name;
    let out;
    try {
      out = policy.applyExecutionReport!(ctx, report);
    } catch (e) {
      // Keep going: the other policies must still see the report or their state drifts.
      failure ??= { policy: policy.name, error: e };
      continue;
    }
    if (!out) continue;
    const group = groupOf(policy);
    if (out.accountBlocks) for (const b of out.accountBlocks) accountBlocks.push(stamp(policy.name, b));
    if (out.accountPnls) {
      for (const p of out.accountPnls) {
        const pnl = { ...p, policyGroupId: group };
        if (accountPnls === undefined) accountPnls = [pnl];
        else accountPnls.push(pnl);
      }
    }
    if (out.accountAdjustments) {
      const entries = out.accountAdjustments;
      if (accountAdjustments === undefined) {
        // Sized and filled by index (a `map` made a closure per report).
        accountAdjustments = new Array<AccountAdjustmentOutcome>(entries.length);
        for (let i = 0; i < entries.length; i++) accountAdjustments[i] = { policyGroupId: group, entry: entries[i]! };
      } else for (const entry of entries) accountAdjustments.push({ policyGroupId: group, entry });
    }
  }
  const first = accountBlocks[0];
  if (first) {
    if (accountId === undefined) {
      // First cause wins, as in the pre-trade latch: a latch already set blocks nothing new,
      // so nothing is announced (each announcement cancels every channel's working orders).
      if (engine.blocks.global === undefined) {
        engine.blocks.blockGlobal(GLOBAL_BLOCK);
        engine.emit({ kind: "globalBlocked", block: GLOBAL_BLOCK });
      }
    } else {
      engine.record(accountId, first);
    }
  }
  const result = { accountBlocks, accountPnls: accountPnls ?? [], accountAdjustments: accountAdjustments ?? [] };
  // The error carries the result: the other policies' changes stand, and the caller must
  // still propagate them (found by review, session 34: they were lost with the throw).
  if (failure) throw new PolicyCallbackError(failure.policy, "applyExecutionReport", failure.error, result);
  return result;
}

/**
 * Applies a batch of non-trade adjustments all-or-nothing: the first reject stops the
 * batch and rolls back everything registered so far, in reverse. A throw (a hook's, a
 * failing rollback or commit) comes as `PolicyCallbackError` carrying the batch's outcome
 * as `result` (found by review, session 34: the error carried none).
 */
export function applyAccountAdjustment(engine: EngineInternals, accountId: AccountId, adjustments: readonly AccountAdjustment[]): AccountAdjustmentBatchResult {
  if (adjustments.length === 0) return { ok: true, outcomes: [], accountBlocks: [] };
  const ctx = engine.context(accountId, false, false, engine.recordBlock);
  const mutations = new Mutations();
  const outcomes: AccountAdjustmentOutcome[] = [];
  const accountBlocks: AccountBlock[] = [];
  for (let index = 0; index < adjustments.length; index++) {
    const adjustment = adjustments[index]!;
    for (const policy of engine.hooks.adjustment) {
      ctx.currentPolicy = policy.name;
      mutations.owner = policy.name;
      let out;
      try {
        out = policy.applyAccountAdjustment!(ctx, accountId, adjustment, mutations);
      } catch (e) {
        const result = { ok: false, failedIndex: index, rejects: [callbackFailureReject(policy.name, e)] } as const;
        throw rolledBack(mutations, ctx, result) ?? new PolicyCallbackError(policy.name, "applyAccountAdjustment", e, result);
      }
      if (!out) continue;
      if (out.rejects && out.rejects.length > 0) {
        const result = { ok: false, failedIndex: index, rejects: out.rejects.map((r) => rejectFromPolicy(policy.name, r)) } as const;
        const failed = rolledBack(mutations, ctx, result);
        if (failed) throw failed;
        return result;
      }
      const group = groupOf(policy);
      if (out.outcomes) for (const entry of out.outcomes) outcomes.push({ policyGroupId: group, entry });
      if (out.accountBlocks) for (const b of out.accountBlocks) accountBlocks.push(stamp(policy.name, b));
    }
  }
  // A failing commit has armed the kill switch already: its block is recorded before the
  // policy-reported ones, so it wins as the stored cause (§E); it is still reported.
  const failure = commitOwned(mutations.handOver(), ctx);
  for (const block of accountBlocks) engine.record(accountId, block);
  const result = { ok: true, outcomes, accountBlocks } as const;
  if (failure !== undefined) throw new PolicyCallbackError(failure.policy, "commit", failure.error, result);
  return result;
}

/**
 * Rolls the batch back. A failing rollback (it armed the kill switch) is the error to
 * throw, carrying `result`; it wins over a hook's throw, as it did before.
 */
function rolledBack(mutations: Mutations, ctx: CallContext, result: AccountAdjustmentBatchResult): PolicyCallbackError | undefined {
  const failure = rollbackQuietly(mutations.handOver(), ctx);
  return failure && new PolicyCallbackError(failure.policy, "rollback", failure.error, result);
}

/**
 * The batch result's reject for a hook that threw, as OpenPit's JS binding reports one (order
 * scope, `SystemUnavailable`); not latched, as no adjustment reject is.
 */
function callbackFailureReject(policy: string, error: unknown): Reject {
  const details = `applyAccountAdjustment of policy ${policy} threw: ${error instanceof Error ? error.message : String(error)}`;
  return { policy, code: "SystemUnavailable", reason: "policy callback failed", details, scope: "order" };
}
