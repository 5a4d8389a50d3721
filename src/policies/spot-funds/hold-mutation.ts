/** SpotFunds' main-stage mutation: the holds of one accepted order, undone on rollback. */
import type { Mutation } from "../../engine/pretrade/mutations.js";
import type { AccountControl } from "../../engine/pretrade/policy.js";
import type { AccountId } from "../../param/ids.js";
import { ParamError } from "../../param/param-error.js";
import type { HoldingsStore } from "./holdings-store.js";
import type { PlannedStep } from "./reservation-legs.js";
import { rollbackOverflowBlock } from "./rejects.js";
import type { HoldRecord } from "./snapshot.js";

/**
 * The holds are written when the order is accepted: commit does nothing, rollback undoes
 * them. A class rather than a closure and a record object per order (every accepted order
 * makes one); the record (`HoldRecord`, what a snapshot of the open reservation keeps) is
 * made when it is read.
 */
export class HoldMutation implements Mutation {
  constructor(
    private readonly state: { readonly store: HoldingsStore },
    private readonly control: AccountControl,
    private readonly accountId: AccountId,
    private readonly planned: readonly PlannedStep[],
  ) {}

  get record(): HoldRecord {
    return { accountId: this.accountId, planned: this.planned };
  }

  commit(): void {}

  rollback(): void {
    undoHolds(this.state.store, this.control, this.accountId, this.planned);
  }
}

/**
 * Undoes the holds in reverse, by inverse deltas so that whatever else moved a slot
 * meanwhile (a fill) is kept, on an untouched slot too, as OpenPit's register_hold_rollback
 * does: the slot takes the scale decimal arithmetic gives (seed 1000, a hold of 0.50 rolled
 * back: available 1000.00, held 0.00), and a live and a restored reservation land alike. A
 * sum that overflows leaves the slot as it is and blocks the account (`rollbackOverflowBlock`).
 */
function undoHolds(store: HoldingsStore, control: AccountControl, accountId: AccountId, planned: readonly PlannedStep[]): void {
  for (let i = planned.length - 1; i >= 0; i--) {
    const { step } = planned[i]!;
    const now = store.get(accountId, step.asset);
    try {
      store.put(accountId, step.asset, {
        available: step.held.isZero() ? now.available : now.available.add(step.held),
        held: step.held.isZero() ? now.held : now.held.sub(step.held),
        incoming: step.incoming.isZero() ? now.incoming : now.incoming.sub(step.incoming),
        averageEntryPrice: now.averageEntryPrice,
        realizedPnl: now.realizedPnl,
      });
    } catch (e) {
      if (!(e instanceof ParamError)) throw e;
      control.block(accountId, rollbackOverflowBlock(step.asset, step.held, step.incoming, now));
    }
  }
}
