/** An accepted main stage held until the caller commits or rolls it back, and its plain-data form. */
import type { PreTradeLock } from "../model/pre-trade-lock.js";
import type { AccountAdjustmentOutcome } from "../model/outcomes.js";
import type { AccountBlock } from "../model/reject.js";
import type { AccountId } from "../param/ids.js";
import { LifecycleError, PolicyCallbackError, SnapshotError } from "./errors.js";
import type { OwnedMutations, StepOwner } from "./pretrade/mutations.js";
import { commitOwned, NO_MUTATIONS } from "./pretrade/mutations.js";
import { BOOK_OWNER } from "./account-book/book-mutation.js";
import type { OrderFootprint } from "./account-book/order-footprint.js";

type ReservationState = "open" | "committed" | "rolledBack";

/**
 * An open reservation as plain data (`reservation.toData()`), for a snapshot taken while
 * gateways hold reservations; `engine.restoreReservation(data)` turns it back into one.
 */
export interface ReservationData {
  /** In registration order: each mutation's owning policy and its record. */
  readonly mutations: readonly { readonly policy: string; readonly record: unknown }[];
  readonly lock: PreTradeLock;
  readonly accountAdjustments: readonly AccountAdjustmentOutcome[];
  /** Drop-copy only: the first block its policies raised. */
  readonly accountBlock?: AccountBlock;
  /** The account whose kill switch a failing finalizer arms (absent in older snapshots: global). */
  readonly accountId?: AccountId;
}

/**
 * The accepted outcome of a main stage: single use. `commit()` runs the registered
 * commits in registration order, `rollback()` the rollbacks in reverse. An owner that
 * abandons it (`using`, or an explicit `[Symbol.dispose]()`) rolls it back.
 */
export class PreTradeReservation implements Disposable {
  #state: ReservationState = "open";

  /** @internal Built by the engine (`executePreTrade`, `restoreReservation`). */
  constructor(
    private mutations: OwnedMutations,
    /** Where steps report blocks; named with each step's owner before it runs. */
    private readonly control: StepOwner | undefined,
    private readonly reservedLock: PreTradeLock,
    private readonly outcomes: readonly AccountAdjustmentOutcome[],
    /** Drop-copy only: the first block its policies raised. */
    readonly accountBlock: AccountBlock | undefined = undefined,
    /**
     * A drop-copy operation (OpenPit's DropCopyOperation): a rollback once finalised is a
     * no-op, a second commit "already consumed". Not kept by a restored reservation: over
     * the wire a finalised handle is gone, so only in-process callers see the difference.
     */
    private readonly dropCopy: boolean = false,
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

  /**
   * A failing commit callback arms the kill switch (§E), the remaining commits still run,
   * and the first failure is then thrown as `PolicyCallbackError`.
   */
  commit(): void {
    const failure = commitOwned(this.finalize("committed"), this.control);
    if (failure !== undefined) throw new PolicyCallbackError(failure.policy, "commit", failure.error);
  }

  /**
   * Rolls the reservation back, unless a report named its order (by client order id) while it
   * was open: the order is at the venue then, whatever the caller believes (it disconnected
   * before its commit, say), so it is committed instead and its reports take out what it holds
   * (a final one already has, or will). Rolled back, what it held was released twice, by the
   * reports and by the rollback: buying power the account did not have (found by review). A
   * departure from OpenPit, which has no such mark (docs/controls.md, "Reports before a commit").
   */
  rollback(): void {
    if (this.dropCopy && this.#state !== "open") return;
    if (this.#state === "open" && reportedAtVenue(this.mutations)) return this.commit();
    rollbackEvery(this.finalize("rolledBack"), this.control);
  }

  [Symbol.dispose](): void {
    if (this.#state === "open") this.rollback();
  }

  /**
   * The open reservation as plain data. Throws `SnapshotError` (`MissingMutationRecord`,
   * naming the policy) if a mutation was registered without a record, and
   * `LifecycleError` once the reservation is finalised.
   */
  toData(): ReservationData {
    this.assertOpen("snapshot");
    const { list, owners } = this.mutations;
    const mutations = list.map((m, i) => {
      const policy = owners[i] ?? "";
      if (m.record === undefined) {
        throw new SnapshotError(
          "MissingMutationRecord",
          `policy '${policy}' registered a main-stage mutation without a record; its open reservation cannot be snapshotted`,
          policy,
        );
      }
      return { policy, record: m.record };
    });
    const accountId = this.control?.accountId;
    const data = { mutations, lock: this.reservedLock, accountAdjustments: this.outcomes, ...(accountId === undefined ? {} : { accountId }) };
    return this.accountBlock === undefined ? data : { ...data, accountBlock: this.accountBlock };
  }

  private finalize(next: ReservationState): OwnedMutations {
    if (this.#state !== "open") {
      throw new LifecycleError(this.dropCopy ? "drop-copy operation already consumed" : `pre-trade reservation already consumed (${ENDED[this.#state]})`);
    }
    this.#state = next;
    const owned = this.mutations;
    this.mutations = NO_MUTATIONS;
    return owned;
  }

  private assertOpen(what: string): void {
    if (this.#state !== "open") throw new LifecycleError(`cannot ${what} a reservation already ${ENDED[this.#state]}`);
  }
}

/** How a finalised reservation ended, in words (OpenPit's "already consumed" says which). */
const ENDED: Readonly<Record<ReservationState, string>> = { open: "open", committed: "committed", rolledBack: "rolled back" };

/** The account book's footprint of the order is marked: a report named it while the reservation was open. */
function reportedAtVenue({ list, owners }: OwnedMutations): boolean {
  for (let i = 0; i < owners.length; i++) {
    if (owners[i] === BOOK_OWNER) return (list[i]!.record as OrderFootprint | undefined)?.reported === true;
  }
  return false;
}

/**
 * Runs every rollback in reverse even if one throws, so one faulty closure cannot strand
 * the others' state; each failure arms the kill switch (§E) and the first is rethrown
 * afterwards. Each step's owner is named in `control` first, so a block it raises is
 * stamped with that policy.
 */
export function rollbackEvery(owned: OwnedMutations, control: StepOwner | undefined): void {
  const failure = rollbackQuietly(owned, control);
  if (failure !== undefined) throw new PolicyCallbackError(failure.policy, "rollback", failure.error);
}

/** `rollbackEvery` that returns the first failure instead of throwing it (drop-copy turns it into a reject). */
export function rollbackQuietly(owned: OwnedMutations, control: StepOwner | undefined): { policy: string; error: unknown } | undefined {
  const { list, owners } = owned;
  let failure: { policy: string; error: unknown } | undefined;
  for (let i = list.length - 1; i >= 0; i--) {
    if (control !== undefined) control.currentPolicy = owners[i]!;
    try {
      list[i]!.rollback();
    } catch (error) {
      control?.finalizerFailed?.("rollback", error);
      failure ??= { policy: owners[i]!, error };
    }
  }
  return failure;
}
