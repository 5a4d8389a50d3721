/**
 * What the tests of recovery's rollback announcements share (the file journal's and the
 * replicated one's): reservations left open on one account by a life that then dies, and
 * the event the next start announces for them.
 */
import { expect } from "vitest";
import type { AccountId } from "../../src/param/index.js";
import type { SidecarState } from "../../src/state/sidecar-state.js";
import { balanceAdjustment, buy } from "./spot-funds.js";

/** The event recovery announces for `ids` (rolled back newest first, as the channel drops them). */
export function recoveryRollback(accountId: AccountId, ids: readonly bigint[]) {
  return { kind: "reservationsRolledBack", accountId, reservationIds: [...ids].reverse(), reason: "recovery" };
}

/** Funds `accountId` on a new channel and leaves `count` reservations open there; returns their ids. */
export function openReservations(state: SidecarState, accountId: AccountId, count: number): bigint[] {
  const channel = state.openChannel().channelId;
  state.runChannel(channel, [{ kind: "adjust", accountId, adjustments: [balanceAdjustment("USD", { balance: ["abs", "1000"] })] }]);
  const ids: bigint[] = [];
  for (let i = 0; i < count; i++) {
    const [open] = state.runChannel(channel, [{ kind: "execute", order: buy("1", "100", { account: accountId }), commitOnAccept: false }]);
    expect(open).toMatchObject({ kind: "executeAccepted", committed: false });
    ids.push((open as { reservationId: bigint }).reservationId);
  }
  return ids;
}
