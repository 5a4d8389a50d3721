import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type * as ad from "../../gen/openpit/sidecar/v1/admin_pb.js";
import { ErrorCode } from "../../gen/openpit/sidecar/v1/errors_pb.js";
import { ACCOUNT, OTHER_ACCOUNT, holdingsOf, order, seed, startHarness, type Harness } from "./harness.js";
import { NoticeTap, as, handleId, json, nextNotice } from "./results.js";

const reserve = (qty: string, accountId = ACCOUNT) =>
  ({ case: "executePreTrade", value: { order: order({ qty, price: "100", accountId }) } }) as const;

describe("account pinning", () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness();
  });
  afterEach(async () => {
    await h.close();
  });

  const state = (accountId = ACCOUNT) => h.admin<ad.GetAccountStateResponse>("getAccountState", { accountId });

  it("refuses a second channel's command for a pinned account, naming the field", async () => {
    const first = h.channel();
    await first.send(seed("USD", "10000"));
    expect((await state()).pinnedChannelId).toBe(1n);

    const second = h.channel();
    const [order1, adjust, other] = await second.send(reserve("1"), seed("USD", "1"), reserve("1", OTHER_ACCOUNT));
    const field = "commands[0].execute_pre_trade.order.account_id";
    expect(json(order1)).toEqual({
      error: {
        code: "ERROR_CODE_ACCOUNT_PINNED_ELSEWHERE",
        message: `${field}: account is pinned to another channel; bind it with takeover to move it here`,
        field,
      },
    });
    expect(as(adjust, "error")).toMatchObject({
      code: ErrorCode.ACCOUNT_PINNED_ELSEWHERE,
      field: "commands[1].apply_account_adjustment.account_id",
    });
    // One command's error leaves the others in the message intact: OTHER_ACCOUNT is free.
    expect(as(other, "execute").rejects.map((r) => r.reason)).toEqual(["spot funds insufficient"]);
    expect((await state(OTHER_ACCOUNT)).pinnedChannelId).toBe(2n);
    expect(await holdingsOf(h)).toEqual({ USD: { available: "10000", held: "0", incoming: "0" } });
  });

  it("refuses a bind without takeover and pins none of the listed accounts", async () => {
    const first = h.channel();
    await first.one({ case: "bindAccounts", value: { accountIds: [ACCOUNT] } });

    const second = h.channel();
    const bind = await second.one({ case: "bindAccounts", value: { accountIds: [OTHER_ACCOUNT, ACCOUNT] } });
    const field = "commands[0].bind_accounts.account_ids[1]";
    expect(json(bind)).toEqual({
      error: {
        code: "ERROR_CODE_ACCOUNT_PINNED_ELSEWHERE",
        message: `${field}: account is pinned to another channel; set takeover to fence it`,
        field,
      },
    });
    expect((await state(ACCOUNT)).pinnedChannelId).toBe(1n);
    expect((await state(OTHER_ACCOUNT)).pinnedChannelId).toBe(0n);
  });

  it("takeover fences the old channel: notice, its handles rolled back, then the new channel proceeds", async () => {
    const tap = new NoticeTap();
    const first = h.channel(tap.onNotice);
    await first.send(seed("USD", "10000"), seed("USD", "10000", OTHER_ACCOUNT));
    await first.send(reserve("10"), reserve("20"), reserve("30", OTHER_ACCOUNT));
    expect(as(await first.one({ case: "startPreTrade", value: { order: order() } }), "start").requestId).toBe(handleId(1n, 4n));
    expect(await holdingsOf(h)).toMatchObject({ USD: { available: "7000", held: "3000" } });

    const fenced = nextNotice(tap, "accountsFenced");
    const second = h.channel();
    const bind = await second.one({ case: "bindAccounts", value: { accountIds: [ACCOUNT], takeover: true } });
    expect(json(bind)).toEqual({ bind: { takenOver: [ACCOUNT.toString()] } });

    // Newest first, the order a rollback unwinds in; OTHER_ACCOUNT's reservation stays.
    const notice = await fenced;
    expect(notice.accountIds).toEqual([ACCOUNT]);
    expect(notice.rolledBackReservationIds).toEqual([handleId(1n, 2n), handleId(1n, 1n)]);
    expect(notice.abandonedRequestIds).toEqual([handleId(1n, 4n)]);

    const account = await state();
    expect(account.pinnedChannelId).toBe(2n);
    expect(account.openReservations).toEqual([]);
    expect(await holdingsOf(h)).toEqual({ USD: { available: "10000", held: "0", incoming: "0" } });
    expect((await state(OTHER_ACCOUNT)).openReservations.map((r) => [r.channelId, r.reservationId])).toEqual([[1n, handleId(1n, 3n)]]);

    // The new owner proceeds with the full balance.
    expect(as(await second.one(reserve("100")), "execute")).toMatchObject({ accepted: true, reservationId: handleId(2n, 1n) });

    // The old channel's handles for the account are gone, and the account is no longer its own.
    const [commit, touch] = await first.send({ case: "commitReservation", value: { reservationId: handleId(1n, 1n) } }, reserve("1"));
    expect(as(commit, "error")).toMatchObject({ code: ErrorCode.HANDLE_CONSUMED, field: "commands[0].commit_reservation.reservation_id" });
    expect(as(touch, "error").message).toBe(
      "commands[1].execute_pre_trade.order.account_id: account is pinned to another channel; bind it with takeover to move it here",
    );
  });

  it("releaseAccounts rolls back the account's reservations and lets another channel pin it", async () => {
    const first = h.channel();
    await first.send(seed("USD", "10000"), reserve("10"));
    expect(await holdingsOf(h)).toMatchObject({ USD: { available: "9000", held: "1000" } });

    expect(json(await first.one({ case: "releaseAccounts", value: { accountIds: [ACCOUNT] } }))).toEqual({ bind: {} });
    const released = await state();
    expect(released.pinnedChannelId).toBe(0n);
    expect(released.openReservations).toEqual([]);
    expect(await holdingsOf(h)).toEqual({ USD: { available: "10000", held: "0", incoming: "0" } });

    const second = h.channel();
    expect(as(await second.one(reserve("100")), "execute").accepted).toBe(true);
    expect((await state()).pinnedChannelId).toBe(2n);
    // Binding an account a channel already holds is a no-op success.
    expect(json(await second.one({ case: "bindAccounts", value: { accountIds: [ACCOUNT] } }))).toEqual({ bind: {} });
  });
});
