import type { Order } from "../model/order.js";
import { LifecycleError } from "./errors.js";
import type { CallContext } from "./contexts.js";
import type { ExecuteResult } from "./results.js";

/** The part of the engine a deferred request needs; it may outlive the engine. */
export interface MainStageRunner {
  readonly isClosed: boolean;
  runMainStage(order: Order, ctx: CallContext): ExecuteResult;
}

const ENGINE_GONE: ExecuteResult = {
  ok: false,
  rejects: [
    {
      policy: "Engine",
      code: "SystemUnavailable",
      reason: "engine is no longer available",
      details: "request handle outlived engine instance",
      scope: "order",
    },
  ],
};

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
    return this.engine.runMainStage(this.order, this.ctx);
  }

  /** Abandons the request without running the main stage. */
  [Symbol.dispose](): void {
    this.#consumed = true;
  }
}
