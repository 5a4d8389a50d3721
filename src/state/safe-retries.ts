/**
 * Safe retries (ClientOrderIdPolicy): an order marked as a retry whose client order id is
 * still known is answered with the first order's decision, without running the engine, so
 * nothing is reserved twice. Accepted orders' answers are kept with their ids for that, and
 * with the order's fingerprint: a "retry" carrying another order is rejected (found by
 * review, session 34: it got the first order's acceptance, every check skipped).
 */
import type { AccountId } from "../param/ids.js";
import type { Engine } from "../engine/index.js";
import { rejectFromPolicy, type Order } from "../model/index.js";
import { ClientOrderIdPolicy } from "../policies/client-order-id/index.js";
import type { ChannelResult } from "./results.js";
import { CommandError } from "./command-error.js";
import type { ChannelCommand } from "./commands.js";
import { fieldOf } from "./command-fields.js";

/** The engine's ClientOrderIdPolicy (its policy list never changes), cached per engine. */
const policies = new WeakMap<Engine, ClientOrderIdPolicy | null>();

function policyOf(engine: Engine): ClientOrderIdPolicy | undefined {
  let found = policies.get(engine);
  if (found === undefined) {
    found = engine.policies.find((p): p is ClientOrderIdPolicy => p instanceof ClientOrderIdPolicy) ?? null;
    policies.set(engine, found);
  }
  return found ?? undefined;
}

/**
 * What a retry is answered with, or undefined: run the order as new (the id is not known).
 * The same order as the one first sent with the id gets that order's decision again (marked
 * `retried`); another order gets a DUPLICATE_CLIENT_ORDER_ID reject naming the first field
 * that differs, as the command's own reject (start, execute; a drop copy's `dropCopyFailed`:
 * nothing applied), and the engine is not run: nothing is reserved (found by review, session
 * 34). Fail closed: without a ClientOrderIdPolicy a retry cannot be recognised, and running
 * it as a new order could reserve twice, so it is refused (FAILED_PRECONDITION on `retry`).
 */
export function retryAnswer(engine: Engine, order: Order, accountId: AccountId, nowMs: number, base: string, kind: ChannelCommand["kind"]): ChannelResult | undefined {
  if (order.retry !== true || order.clientOrderId === undefined) return undefined;
  const policy = policyOf(engine);
  if (policy === undefined) {
    const f = `${fieldOf(base, kind)}.order.retry`;
    throw new CommandError("FAILED_PRECONDITION", f, `${f}: no ClientOrderIdPolicy is configured, so a retry cannot be recognised; send it as a new order`);
  }
  const answer = policy.firstAnswer(accountId, order.clientOrderId, order, nowMs);
  if (answer === undefined) return undefined;
  if (answer.rejects !== undefined) {
    const rejects = answer.rejects.map((r) => rejectFromPolicy(policy.name, r));
    return kind === "start" ? { kind: "startRejected", rejects } : kind === "dropCopy" ? { kind: "dropCopyFailed", rejects } : { kind: "executeRejected", rejects };
  }
  // Marked, so that the metrics do not count a second decision (found by review: each
  // retry counted as another accepted order); the answer on the wire is the first's.
  return { ...(answer.decision as ChannelResult), retried: true } as ChannelResult;
}

/** Keeps an accepted order's answer, and the order's fingerprint, with its id (a no-op for orders without one or a rejected order). */
export function rememberDecision(engine: Engine, order: Order, accountId: AccountId, result: ChannelResult): ChannelResult {
  if (order.clientOrderId !== undefined && (result.kind === "executeAccepted" || result.kind === "dropCopy")) {
    policyOf(engine)?.rememberDecision(accountId, order.clientOrderId, order, result);
  }
  return result;
}
