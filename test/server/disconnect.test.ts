import { afterEach, describe, expect, it } from "vitest";
import type * as ad from "../../gen/openpit/sidecar/v1/admin_pb.js";
import { ErrorCode } from "../../gen/openpit/sidecar/v1/errors_pb.js";
import { ACCOUNT, holdingsOf, order, seed, startHarness, testConfig, type Harness } from "./harness.js";
import { NoticeTap, as, handleId, json, nextNotice } from "./results.js";

const reserve = (qty: string) => ({ case: "executePreTrade", value: { order: order({ qty, price: "100" }) } }) as const;
const FULL = { USD: { available: "10000", held: "0", incoming: "0" } };

describe("a channel that goes away", () => {
  let h: Harness;
  afterEach(async () => {
    await h.close();
  });

  const state = () => h.admin<ad.GetAccountStateResponse>("getAccountState", { accountId: ACCOUNT });

  /** After a channel is gone: nothing pinned, nothing open, funds back, and a new channel may trade. */
  async function expectReleased(): Promise<void> {
    const s = await state();
    expect(s.pinnedChannelId).toBe(0n);
    expect(s.openReservations).toEqual([]);
    expect(await holdingsOf(h)).toEqual(FULL);
    const next = h.channel();
    expect(as(await next.one(reserve("100")), "execute").accepted).toBe(true);
  }

  it("cancelled by the client: reservations and requests are dropped and the account unpinned", async () => {
    h = await startHarness();
    const ch = h.channel();
    await ch.send(seed("USD", "10000"), reserve("10"), reserve("20"), { case: "startPreTrade", value: { order: order() } });
    expect(await holdingsOf(h)).toMatchObject({ USD: { available: "7000", held: "3000" } });
    expect((await state()).openReservations).toHaveLength(2);

    const closed = h.nextChannelClose();
    ch.cancel();
    expect(await closed).toBe(1n);
    await expectReleased();
  });

  it("ended by the client: what it sent is answered first, then its work is rolled back", async () => {
    h = await startHarness();
    const ch = h.channel();
    await ch.send(seed("USD", "10000"));
    const last = ch.send(reserve("10"));
    await ch.end();
    expect(as((await last)[0], "execute")).toMatchObject({ accepted: true, reservationId: handleId(1n, 1n) });
    await expectReleased();
  });

  it("reservation TTL: the sweep rolls back what outlived it and says so on the channel", async () => {
    h = await startHarness(testConfig({ limits: { reservationTtlMs: 5000 } }));
    const tap = new NoticeTap();
    const ch = h.channel(tap.onNotice);
    await ch.send(seed("USD", "10000"), reserve("10"));
    h.clock.advance(2000);
    await ch.send(reserve("20"));
    expect(await holdingsOf(h)).toMatchObject({ USD: { available: "7000", held: "3000" } });

    // The first reservation, made at t=1000, expires at t=6000: at 5999 it is still open.
    h.clock.advance(2999);
    h.server.state.sweepExpired();
    // A notice would precede this response on the stream; none came.
    await ch.send(seed("EUR", "1"));
    expect(tap.seen).toEqual([]);

    const expired = nextNotice(tap, "handlesExpired");
    h.clock.advance(1);
    h.server.state.sweepExpired();
    expect((await expired).reservationIds).toEqual([handleId(1n, 1n)]);
    expect(await holdingsOf(h)).toMatchObject({ USD: { available: "8000", held: "2000" } });
    expect((await state()).openReservations.map((r) => r.reservationId)).toEqual([handleId(1n, 2n)]);

    const [late, onTime] = await ch.send(
      { case: "commitReservation", value: { reservationId: handleId(1n, 1n) } },
      { case: "commitReservation", value: { reservationId: handleId(1n, 2n) } },
    );
    expect(as(late, "error").code).toBe(ErrorCode.HANDLE_CONSUMED);
    expect(json(onTime)).toEqual({ finalize: { id: handleId(1n, 2n).toString() } });

    // A committed reservation is out of the TTL's reach.
    h.clock.advance(10_000);
    h.server.state.sweepExpired();
    await ch.send(seed("EUR", "2"));
    expect(tap.seen).toHaveLength(1);
    expect(await holdingsOf(h)).toMatchObject({ USD: { available: "8000", held: "2000" } });
  });
});
