/**
 * Cancel on disconnect through the wire: when a channel ends with reservations open, they
 * are rolled back (as before) and monitors get ReservationsRolledBack listing them per
 * account, with the channel and whether it was lost (CONNECTION_LOST: cancelled, keepalive,
 * transport error) or ended by its client (CLIENT_ENDED), or shut down; recovery's
 * rollbacks after a crash keep RECOVERY.
 */
import { afterEach, describe, expect, it } from "vitest";
import { ACCOUNT, OTHER_ACCOUNT, order, startHarness, type Harness } from "./harness.js";
import { as, handleId } from "./results.js";
import type { SidecarEvent } from "../../src/state/event-hub.js";
import { controlsConfig, DurableSidecars, openEventTap } from "./controls-helpers.js";

const CONFIG = controlsConfig([]);
const reserve = (accountId = ACCOUNT) => ({ case: "executePreTrade", value: { order: order({ qty: "1", accountId }) } }) as const;

describe("cancel on disconnect", () => {
  let h: Harness;
  afterEach(async () => {
    await h.close();
  });

  it("lost (the call cancelled): CONNECTION_LOST, per account, with the channel id and the reservation ids", async () => {
    h = await startHarness(CONFIG);
    const tap = await openEventTap(h.clients, h.server.state.events);
    const c = h.channel();
    await c.send(reserve(), reserve(), reserve(OTHER_ACCOUNT), { case: "executePreTrade", value: { order: order({ qty: "1" }), commitOnAccept: true } });
    const closed = h.nextChannelClose();
    c.cancel();
    expect(await closed).toBe(1n);
    await tap.next("reservationsRolledBack", (e) => (e.reservationsRolledBack as { accountId: string }).accountId === OTHER_ACCOUNT.toString());
    // In rollback order: newest first.
    await tap.next("reservationsRolledBack", (e) => (e.reservationsRolledBack as { accountId: string }).accountId === ACCOUNT.toString());
    expect(tap.of("reservationsRolledBack")).toEqual([
      { accountId: OTHER_ACCOUNT.toString(), reservationIds: [handleId(1n, 3n).toString()], reason: "ROLLBACK_REASON_CONNECTION_LOST", channelId: "1" },
      { accountId: ACCOUNT.toString(), reservationIds: [handleId(1n, 2n).toString(), handleId(1n, 1n).toString()], reason: "ROLLBACK_REASON_CONNECTION_LOST", channelId: "1" },
    ]);
    tap.close();
  });

  it("ended by its client (half-close): CLIENT_ENDED; a channel with nothing open says nothing", async () => {
    h = await startHarness(CONFIG);
    const tap = await openEventTap(h.clients, h.server.state.events);
    const idle = h.channel();
    await idle.one({ case: "bindAccounts", value: { accountIds: [OTHER_ACCOUNT] } });
    await idle.end();
    const c = h.channel();
    expect(as(await c.one(reserve()), "execute").accepted).toBe(true);
    await c.end();
    expect((await tap.next("reservationsRolledBack")).reservationsRolledBack).toEqual({
      accountId: ACCOUNT.toString(),
      reservationIds: [handleId(2n, 1n).toString()],
      reason: "ROLLBACK_REASON_CLIENT_ENDED",
      channelId: "2",
    });
    expect(tap.of("reservationsRolledBack")).toHaveLength(1);
    tap.close();
  });
});

describe("cancel on disconnect in durable mode", () => {
  const sidecars = new DurableSidecars();
  afterEach(async () => {
    await sidecars.cleanup();
  });

  it("a shutdown with a reservation open announces SHUTDOWN; the restart finds nothing left open", async () => {
    const dir = sidecars.dataDir();
    const first = await sidecars.start(dir, controlsConfig([], { limits: { shutdownGraceMs: 0 } }), 1_000);
    // Listened to in process: shutdown closes the monitors' streams too.
    const seen: SidecarEvent[] = [];
    first.sidecar.server.state.events.subscribe((e) => seen.push(e.event));
    await first.channel().one(reserve());
    first.clients.close();
    await first.sidecar.server.shutdown();
    expect(seen.filter((e) => e.kind === "reservationsRolledBack")).toEqual([
      { kind: "reservationsRolledBack", accountId: ACCOUNT, reservationIds: [handleId(1n, 1n)], reason: "shutdown", channelId: 1n },
    ]);
    const second = await sidecars.start(dir, CONFIG, 2_000);
    const state = await second.admin<{ openReservations: unknown[] }>("getAccountState", { accountId: ACCOUNT });
    expect(state.openReservations).toEqual([]);
  });
});
