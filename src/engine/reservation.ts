import type { PreTradeLock } from "../model/pre-trade-lock.js";
import type { AccountAdjustmentOutcome } from "../model/outcomes.js";
import type { AccountBlock } from "../model/reject.js";
import { LifecycleError, PolicyCallbackError } from "./errors.js";
import type { Mutation } from "./mutations.js";

type ReservationState = "open" | "committed" | "rolledBack";

/**
 * The accepted outcome of a main stage: single use. `commit()` runs the registered
 * commits in registration order, `rollback()` the rollbacks in reverse. An owner that
 * abandons it (`using`, or an explicit `[Symbol.dispose]()`) rolls it back.
 */
export class PreTradeReservation implements Disposable {
  #state: ReservationState = "open";

  constructor(
    private mutations: readonly Mutation[],
    private readonly reservedLock: PreTradeLock,
    private readonly outcomes: readonly AccountAdjustmentOutcome[],
    /** Drop-copy only: the first block its policies raised. */
    readonly accountBlock: AccountBlock | undefined = undefined,
  ) {}

  get isOpen(): boolean {
    return this.#state === "open";
  }

  get state(): ReservationState {
    return this.#state;
  }

  /** Prices by policy group; store it with the order and attach it to its reports. */
  get lock(): PreTradeLock {
    this.assertOpen("read the lock of");
    return this.reservedLock;
  }

  get accountAdjustments(): readonly AccountAdjustmentOutcome[] {
    this.assertOpen("read the outcomes of");
    return this.outcomes;
  }

  commit(): void {
    const list = this.finalize("committed");
    for (let i = 0; i < list.length; i++) runStep(list[i]!, "commit");
  }

  rollback(): void {
    const list = this.finalize("rolledBack");
    rollbackEvery(list);
  }

  [Symbol.dispose](): void {
    if (this.#state === "open") this.rollback();
  }

  private finalize(next: ReservationState): readonly Mutation[] {
    if (this.#state !== "open") throw new LifecycleError(`pre-trade reservation already ${this.#state}`);
    this.#state = next;
    const list = this.mutations;
    this.mutations = [];
    return list;
  }

  private assertOpen(what: string): void {
    if (this.#state !== "open") throw new LifecycleError(`cannot ${what} a reservation already ${this.#state}`);
  }
}

function runStep(m: Mutation, step: "commit" | "rollback"): void {
  try {
    m[step]();
  } catch (e) {
    throw new PolicyCallbackError("mutation", step, e);
  }
}

/**
 * Runs every rollback in reverse even if one throws, so one faulty closure cannot strand
 * the others' state; the first failure is rethrown afterwards.
 */
export function rollbackEvery(list: readonly Mutation[]): void {
  let failure: unknown;
  for (let i = list.length - 1; i >= 0; i--) {
    try {
      list[i]!.rollback();
    } catch (e) {
      failure ??= e;
    }
  }
  if (failure !== undefined) throw new PolicyCallbackError("mutation", "rollback", failure);
}
