/**
 * Reservations rolled back without their channel asking reach monitors, with their reason.
 * Found by review: only a channel's close announced them; the TTL sweep and a takeover's
 * fence rolled reservations back (and counted them in openpit_reservations_rolled_back_total)
 * but told only the channel, so a monitor that cancels at the venue what the sidecar rolled
 * back never heard of them. Now they come as ROLLBACK_REASON_EXPIRED and _FENCED.
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import { RollbackReason, type AccountEvent } from "../../gen/openpit/sidecar/v1/events_pb.js";
import type * as ad from "../../gen/openpit/sidecar/v1/admin_pb.js";
import { monitorEvents } from "../helpers/event-monitor.js";
import { ACCOUNT, order, seed, startHarness, testConfig, type Harness } from "./harness.js";
import { NoticeTap, handleId, nextNotice } from "./results.js";

const reserve = (qty: string) => ({ case: "executePreTrade", value: { order: order({ qty, price: "100" }) } }) as const;

const rollbacks = (events: AccountEvent[]) =>
  events
    .filter((e) => e?.event.case === "reservationsRolledBack")
    .map((e) => {
      const v = e!.event.value as { accountId: bigint; reservationIds: bigint[]; reason: RollbackReason; channelId: bigint };
      return { accountId: v.accountId, reservationIds: v.reservationIds, reason: v.reason, channelId: v.channelId };
    });

describe("rollbacks the channel did not ask for reach monitors", () => {
  let h: Harness;
  afterEach(async () => {
    await h.close();
  });

  it("a reservation rolled back by the TTL sweep is announced", async () => {
    h = await startHarness(testConfig({ limits: { reservationTtlMs: 5000 } }));
    const monitor = monitorEvents(h.clients);
    await vi.waitFor(() => expect(h.server.state.events.subscriberCount).toBe(1));
    const tap = new NoticeTap();
    const ch = h.channel(tap.onNotice);
    await ch.send(seed("USD", "10000"), reserve("10"));
    const expired = nextNotice(tap, "handlesExpired");
    h.clock.advance(5000);
    h.server.state.sweepExpired();
    expect((await expired).reservationIds).toEqual([handleId(1n, 1n)]);
    // The state changed: the reservation is gone.
    const s = await h.admin<ad.GetAccountStateResponse>("getAccountState", { accountId: ACCOUNT });
    expect(s.openReservations).toEqual([]);
    // Round trip so any event published with the sweep has arrived.
    await h.admin("blockAccount", { accountId: 5n, reason: "marker" });
    await vi.waitFor(() => expect(monitor.messages.some((e) => e?.event.case === "auditRecorded")).toBe(true));
    expect(rollbacks(monitor.messages)).toEqual([{ accountId: ACCOUNT, reservationIds: [handleId(1n, 1n)], reason: RollbackReason.EXPIRED, channelId: 1n }]);
    monitor.cancel();
  });

  it("reservations rolled back by a takeover's fence are announced", async () => {
    h = await startHarness();
    const monitor = monitorEvents(h.clients);
    await vi.waitFor(() => expect(h.server.state.events.subscriberCount).toBe(1));
    const tap = new NoticeTap();
    const first = h.channel(tap.onNotice);
    await first.send(seed("USD", "10000"), reserve("10"));
    const fenced = nextNotice(tap, "accountsFenced");
    const second = h.channel();
    await second.one({ case: "bindAccounts", value: { accountIds: [ACCOUNT], takeover: true } });
    expect((await fenced).rolledBackReservationIds).toEqual([handleId(1n, 1n)]);
    await h.admin("blockAccount", { accountId: 5n, reason: "marker" });
    await vi.waitFor(() => expect(monitor.messages.some((e) => e?.event.case === "auditRecorded")).toBe(true));
    expect(rollbacks(monitor.messages)).toEqual([{ accountId: ACCOUNT, reservationIds: [handleId(1n, 1n)], reason: RollbackReason.FENCED, channelId: 1n }]);
    monitor.cancel();
  });
});
