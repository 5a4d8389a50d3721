/**
 * Safe retries (ClientOrderIdPolicy): an order marked as a retry whose client order id is
 * still known is answered with the first order's decision, without running the engine, so
 * nothing is reserved twice. Accepted orders' answers are kept with their ids for that, and
 * with the order's fingerprint: a "retry" carrying another order is rejected (found by
 * review, session 34: it got the first order's acceptance, every check skipped); and with the
 * command that sent it: a "retry" sent by another command, or with another commit_on_accept, is
 * rejected too (found by review: a start got an execute's or a drop copy's answer, and an
 * execute asking a commit the first's open reservation, or the reverse).
 */
import type { AccountId } from "../param/ids.js";
import type { Engine } from "../engine/index.js";
import { rejectFromPolicy, type Order } from "../model/index.js";
import { ClientOrderIdPolicy, type RetryCommand } from "../policies/client-order-id/index.js";
import type { ChannelResult } from "./results.js";
import { CommandError } from "./command-error.js";
import type { ChannelCommand } from "./commands.js";
import { fieldOf } from "./command-fields.js";

/** The commands a safe retry can be (the ones that take an order and may reserve). */
type OrderCommand = "start" | "execute" | "dropCopy";

/** The command as the policy keeps it: its wire name. */
const RETRY_COMMAND: Record<OrderCommand, RetryCommand> = { start: "start_pre_trade", execute: "execute_pre_trade", dropCopy: "execute_pre_trade_drop_copy" };

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
 * The same order as the one first sent with the id, by the same command (`kind`, and
 * `commitOnAccept`: false for a start), gets that order's decision again (marked `retried`);
 * another command or order gets a DUPLICATE_CLIENT_ORDER_ID reject naming what differs (the
 * command, its commit_on_accept, or the first field of the order), as the command's own
 * reject (start, execute; a drop copy's `dropCopyFailed`: nothing applied), and the engine is
 * not run: nothing is reserved (found by review, session 34). A first decision that left a reservation open is answered with it only while it is open
 * (`reservationNow`, the channel's handles); once committed, as committed (`committed`,
 * reservation 0); past its TTL, rolled back then as the sweep would (the id freed), the retry
 * runs as a new order (undefined), or, a report having named its order, is answered committed.
 * Fail closed: without a ClientOrderIdPolicy a retry cannot be recognised, and running
 * it as a new order could reserve twice, so it is refused (FAILED_PRECONDITION on `retry`).
 */
export function retryAnswer(
  engine: Engine,
  order: Order,
  accountId: AccountId,
  nowMs: number,
  base: string,
  kind: OrderCommand,
  commitOnAccept: boolean,
  reservationNow: (reservationId: bigint) => "open" | "committed" | "rolledBack",
): ChannelResult | undefined {
  if (order.retry !== true || order.clientOrderId === undefined) return undefined;
  const policy = policyOf(engine);
  if (policy === undefined) {
    const f = `${fieldOf(base, kind)}.order.retry`;
    throw new CommandError("FAILED_PRECONDITION", f, `${f}: no ClientOrderIdPolicy is configured, so a retry cannot be recognised; send it as a new order`);
  }
  const answer = policy.firstAnswer(accountId, order.clientOrderId, order, nowMs, RETRY_COMMAND[kind], commitOnAccept);
  if (answer === undefined) return undefined;
  if (answer.rejects !== undefined) {
    const rejects = answer.rejects.map((r) => rejectFromPolicy(policy.name, r));
    return kind === "start" ? { kind: "startRejected", rejects } : kind === "dropCopy" ? { kind: "dropCopyFailed", rejects } : { kind: "executeRejected", rejects };
  }
  // Marked, so that the metrics do not count a second decision (found by review: each
  // retry counted as another accepted order); the answer on the wire is the first's, or the
  // committed form of it below.
  const decision = answer.decision as ChannelResult;
  if ((decision.kind === "executeAccepted" || decision.kind === "dropCopy") && !decision.committed && decision.reservationId !== 0n) {
    const now = reservationNow(decision.reservationId);
    // Past its TTL before the sweep came, rolled back now (the id freed): the retry runs as a
    // new order, as it would after the sweep (found by review: it was answered with the
    // reservation as open, and the gateway's commit of it was refused as expired).
    if (now === "rolledBack") return undefined;
    if (now === "committed") {
      // Its reservation is no longer open: committed (by the gateway, or by a "rollback" after a
      // report named its order; a real rollback would have freed the id). Answered as the commit left it, as an execute with commit_on_accept is, not with a handle
      // that was already used (found by review: a client booked it as open again, and a later
      // reservation with that id on another sidecar was refused as ambiguous). The stored decision
      // is unchanged: the answer is read off the handles at the retry's turn, which a replay reproduces.
      return { ...decision, reservationId: 0n, committed: true, retried: true };
    }
  }
  return { ...decision, retried: true } as ChannelResult;
}

/**
 * Keeps an accepted order's answer, the order's fingerprint and the command that sent it
 * (`kind`: `start` for a request's execute; `commitOnAccept`: false for it) with its id (a
 * no-op for orders without one or a rejected order).
 */
export function rememberDecision(engine: Engine, order: Order, accountId: AccountId, result: ChannelResult, kind: OrderCommand, commitOnAccept: boolean): ChannelResult {
  if (order.clientOrderId !== undefined && (result.kind === "executeAccepted" || result.kind === "dropCopy")) {
    policyOf(engine)?.rememberDecision(accountId, order.clientOrderId, order, result, RETRY_COMMAND[kind], commitOnAccept);
  }
  return result;
}
