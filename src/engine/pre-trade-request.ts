/** A passed start stage waiting to run its main stage once, and its plain-data form for snapshots. */
import type { AccountGroupId } from "../param/ids.js";
import type { Order } from "../model/order.js";
import { LifecycleError } from "./errors.js";
import type { CallContext } from "./pretrade/contexts.js";
import type { ExecuteResult } from "./results.js";
import { ENGINE_NAME } from "./engine-name.js";

/** The part of the engine a deferred request needs; it may outlive the engine. */
export interface MainStageRunner {
  readonly isClosed: boolean;
  readonly clock: { nowMs(): number };
  runMainStage(order: Order, ctx: CallContext): ExecuteResult;
}

/** What executing a request answers once its engine is closed. */
export const ENGINE_GONE: ExecuteResult = {
  ok: false,
  rejects: [
    {
      policy: ENGINE_NAME,
      code: "SystemUnavailable",
      reason: "engine is no longer available",
      details: "request handle outlived engine instance",
      scope: "order",
    },
  ],
};

/**
 * An unexecuted request as plain data (`request.toData()`): the order and the context its
 * start stage ran in, so `engine.restoreRequest(data)` executes exactly as it would have.
 */
export interface RequestData {
  readonly order: Order;
  /** The instant of the start stage (the main stage runs at the instant it is executed). */
  readonly nowMs: number;
  readonly isDropCopy: boolean;
  readonly isDryRun: boolean;
  /** The context's cached group lookup: absent = not looked up yet, `null` = looked up, no group. */
  readonly accountGroup?: AccountGroupId | null;
}

/**
 * A start stage that passed: single use. Dropping it unexecuted abandons it (the start
 * stage's side effects stay, as in OpenPit).
 */
export class PreTradeRequest implements Disposable {
  #consumed = false;

  constructor(
    readonly order: Order,
    private readonly ctx: CallContext,
    private readonly engine: MainStageRunner,
  ) {}

  get isConsumed(): boolean {
    return this.#consumed;
  }

  execute(): ExecuteResult {
    if (this.#consumed) throw new LifecycleError("pre-trade request has already been executed");
    this.#consumed = true;
    if (this.engine.isClosed) return ENGINE_GONE;
    // The main stage runs at its own instant, not the start stage's: the two calls can be
    // far apart, and what the main stage records is an acceptance (a client order id is
    // known from then for its retention; a soft-limit reading is taken then).
    this.ctx.nowMs = this.engine.clock.nowMs();
    // And under the account's group at that instant (membership is live): a group looked up at
    // the start stage judged the main stage by a group the account had joined or left since
    // (found by review, session 35: a request started before its account joined a HALTED
    // group was accepted).
    this.ctx.cachedGroup = null;
    return this.engine.runMainStage(this.order, this.ctx);
  }

  /** The unexecuted request as plain data; `LifecycleError` once executed or abandoned. */
  toData(): RequestData {
    if (this.#consumed) throw new LifecycleError("cannot snapshot a pre-trade request already consumed");
    const ctx = this.ctx;
    const data = { order: this.order, nowMs: ctx.nowMs, isDropCopy: ctx.isDropCopy, isDryRun: ctx.isDryRun };
    const group = ctx.cachedGroup;
    return group === null ? data : { ...data, accountGroup: group ?? null };
  }

  /** Abandons the request without running the main stage. */
  [Symbol.dispose](): void {
    this.#consumed = true;
  }
}
