/** OpenPit's `apply_drop_copy` (§C): an order that already exists at the venue runs every policy, blocks ignored. */
import type { AccountId } from "../param/ids.js";
import type { Order } from "../model/order.js";
import { isEvaluationFailure, type AccountBlock, type Reject } from "../model/reject.js";
import type { BlockSink, CallContext } from "./pretrade/contexts.js";
import { Mutations } from "./pretrade/mutations.js";
import { firstAccountScope, latchedBlock, NO_REJECTS, stamp } from "./stage-outcomes.js";
import { PreTradeReservation, rollbackQuietly } from "./reservation.js";
import type { DropCopyResult } from "./results.js";
import { finalizerFailureDetails, MUTATION_CALLBACK_FAILED } from "./finalizer-kill-switch.js";
import { runMain, runStart } from "./hook-runs.js";
import type { EngineInternals } from "./engine-internals.js";
import { ENGINE_NAME } from "./engine-name.js";

/** Before any policy runs: the account routes the drop-copy pipeline and its account control. */
const DROP_COPY_MISSING_ACCOUNT: Reject = {
  policy: ENGINE_NAME,
  code: "MissingRequiredField",
  reason: "drop-copy requires a readable account ID",
  details: "the account ID routes the drop-copy pipeline and its account control",
  scope: "order",
};

/**
 * For an order that already exists at the venue (OpenPit's `apply_drop_copy`, §C): blocks
 * are ignored, every policy runs, and rejects are discarded but their effects (and any
 * account-scope block) kept, unless a reject is an evaluation failure (`isEvaluationFailure`):
 * then the effects could not be computed, everything registered is rolled back, no block
 * is recorded, and the fatal rejects are returned. A failing compensation appends an
 * `Engine` `SystemUnavailable` reject and arms the kill switch. Rate-limit attempts stay
 * consumed either way (start-stage effects are immediate).
 */
export function applyDropCopy(engine: EngineInternals, order: Order): DropCopyResult {
  const accountId = order.operation?.accountId;
  if (accountId === undefined) return { ok: false, rejects: [DROP_COPY_MISSING_ACCOUNT] };
  // Account-control operations are deferred: applied only if the drop-copy succeeds.
  const deferred: [AccountId, AccountBlock][] = [];
  let first: AccountBlock | undefined;
  // Once the call has applied its deferred blocks, the operation it returns keeps this
  // context: a block its commit or rollback raises later (SpotFunds' rollback overflow) is
  // recorded at once, as a reservation's is and as the restored operation's would be.
  let settled = false;
  const sink: BlockSink = (target, block, policy) => {
    if (settled) return engine.recordBlock(target, block, policy);
    const stamped = stamp(policy, block);
    if (target === accountId) first ??= { ...stamped, code: "AccountBlocked" };
    deferred.push([target, stamped]);
  };
  const recordFirst = (rejects: readonly Reject[] | undefined): void => {
    const r = rejects && firstAccountScope(rejects);
    if (r) {
      first ??= latchedBlock(r);
      deferred.push([accountId, latchedBlock(r)]);
    }
  };
  const ctx = engine.context(accountId, true, false, sink);
  // Each policy's account-scope reject is recorded as soon as it returns, in both stages, so
  // blocks keep the order in which policies raised them (first cause wins): recorded after
  // the whole start stage, an earlier policy's reject lost to a later one's direct block
  // (found by review; OpenPit records it per policy). Nothing is recorded on a fatal exit.
  const startRejects = runStart(ctx, order, engine.hooks.start, recordFirst);
  const startFatal = startRejects?.filter((r) => isEvaluationFailure(r.code));
  if (startFatal && startFatal.length > 0) return { ok: false, rejects: startFatal };
  const mutations = new Mutations();
  const main = runMain(ctx, order, mutations, engine.hooks.main, false, recordFirst);
  const fatal = main.rejects?.filter((r) => isEvaluationFailure(r.code));
  if (fatal && fatal.length > 0) return failed(mutations, ctx, fatal);
  const lock = main.lock();
  // Before the deferred blocks: a drop copy the book cannot take (its pending total past the
  // decimal range) fails as a whole, like an evaluation failure, and records nothing.
  const bookRefusal = engine.enterBook(order, mutations, lock, main.sizingPrice);
  if (bookRefusal !== undefined) return failed(mutations, ctx, [bookRefusal]);
  for (const [target, block] of deferred) engine.record(target, block);
  settled = true;
  const isAccountBlocked = engine.blocks.find(accountId, engine.registry.groupOf(accountId)) !== undefined;
  const operation = new PreTradeReservation(mutations.handOver(), ctx, lock, main.outcomes, first, true);
  return { ok: true, operation, isAccountBlocked, rejects: NO_REJECTS };
}

/** The drop copy failed: everything registered rolled back, no block recorded, `rejects` returned (plus a failed compensation's). */
function failed(mutations: Mutations, ctx: CallContext, rejects: Reject[]): DropCopyResult {
  const failure = rollbackQuietly(mutations.handOver(), ctx);
  if (failure !== undefined) {
    rejects.push({
      policy: ENGINE_NAME,
      code: "SystemUnavailable",
      reason: MUTATION_CALLBACK_FAILED,
      details: finalizerFailureDetails(failure.policy, "rollback", failure.error),
      scope: "order",
    });
  }
  return { ok: false, rejects };
}
