/** The dry run: what an order would get, with no state changed and no block recorded. */
import type { Order } from "../model/order.js";
import { PreTradeLock } from "../model/pre-trade-lock.js";
import type { AccountBlock, Reject } from "../model/reject.js";
import type { BlockSink } from "./pretrade/contexts.js";
import { Mutations } from "./pretrade/mutations.js";
import { firstAccountScope, latchedBlock, NO_REJECTS, stamp } from "./stage-outcomes.js";
import type { DryRunReport } from "./results.js";
import { runMain, runStart } from "./hook-runs.js";
import { bookPendingOverflow, footprintOf } from "./account-book/index.js";
import type { EngineInternals } from "./engine-internals.js";

/** The hooks run with the context's dry-run flag and their dry-run variants where a policy has them. */
export function dryRun(engine: EngineInternals, order: Order, withMain: boolean): DryRunReport {
  const accountId = order.operation?.accountId;
  const blocked = engine.gate(accountId);
  if (blocked) return blockedDryRun(blocked);
  let wouldBlock: AccountBlock | undefined;
  const sink: BlockSink = (_target, block, policy) => {
    wouldBlock ??= stamp(policy, block);
  };
  const ctx = engine.context(accountId, false, true, sink);
  const startRejects = runStart(ctx, order, engine.hooks.startDry);
  if (startRejects) return dryReport(startRejects, wouldBlock);
  if (!withMain) return dryReport(NO_REJECTS, wouldBlock);
  // Whatever a dry-run hook registers is dropped: neither committed nor rolled back.
  const main = runMain(ctx, order, new Mutations(), engine.hooks.mainDry, true);
  // Rejected, it still carries the lock prices and outcomes of the policies that passed, as
  // OpenPit's report does (execute_pre_trade_dry_run returns the main stage's all; found by
  // review: an empty lock and no adjustments).
  if (main.rejects) return { ...dryReport(main.rejects, wouldBlock), lock: main.lock(), accountAdjustments: main.outcomes };
  const lock = main.lock();
  // The book's own refusal (engine.ts, enterBook), which latches nothing: a dry run skipping
  // it passed an order the real pipeline refuses (found by review).
  const footprint = footprintOf(order, lock, main.sizingPrice);
  if (footprint !== undefined && engine.accountBook.refusesReserve(footprint)) {
    return { isPass: false, rejects: [bookPendingOverflow(footprint)], lock, accountAdjustments: main.outcomes, accountBlock: wouldBlock };
  }
  return { isPass: true, rejects: NO_REJECTS, lock, accountAdjustments: main.outcomes, accountBlock: wouldBlock };
}

/** The report of a dry run that stopped at a stage: its rejects, and the block it would have recorded. */
export function dryReport(rejects: readonly Reject[], wouldBlock: AccountBlock | undefined): DryRunReport {
  const latched = firstAccountScope(rejects);
  return {
    isPass: rejects.length === 0,
    rejects,
    lock: PreTradeLock.EMPTY,
    accountAdjustments: [],
    accountBlock: wouldBlock ?? (latched && latchedBlock(latched)),
  };
}

/**
 * The dry run of an order the gate refuses: rejected before any policy runs, so nothing
 * would be recorded and there is no would-be block to report (OpenPit returns `None` here).
 */
export function blockedDryRun(blocked: Reject): DryRunReport {
  return { isPass: false, rejects: [blocked], lock: PreTradeLock.EMPTY, accountAdjustments: [], accountBlock: undefined };
}
