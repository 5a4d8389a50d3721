/**
 * The log lines' sentences (`msg`) say what happened (found by review, session 41): a
 * `reservations_rolled_back` line said "… rolled back as channel 1 closed (expired)" when the
 * TTL sweep or a takeover's fence rolled the reservations back and the channel stayed open;
 * a replaced block reason said "blocked by" the principal who only re-worded it.
 */
import { describe, expect, it } from "vitest";
import { ACCOUNT, order, seed } from "../server/harness.js";
import { as } from "../server/results.js";
import { closeObservedAfterEach, startObserved, type Observed } from "../observability/observed-sidecar.js";

describe("reservations_rolled_back msg for rollbacks that closed no channel", () => {
  closeObservedAfterEach();
  let o: Observed;

  it("TTL expiry: the line does not say the channel closed", async () => {
    o = await startObserved({ config: { limits: { reservationTtlMs: 1_000 } } });
    const ch = o.channel();
    await ch.send(seed("USD", "10000"));
    as(await ch.one({ case: "executePreTrade", value: { order: order({ qty: "1", price: "100" }) } }), "execute");
    o.clock.advance(1_000);
    const line = await o.log.next((l) => l.event === "reservations_rolled_back");
    expect(line).toMatchObject({ accountId: String(ACCOUNT), reason: "expired", channelId: "1" });
    // The channel is still open: nothing closed it.
    expect(o.sidecar.server.state.channels.has(1n)).toBe(true);
    expect(o.log.of("channel_closed")).toEqual([]);
    expect(line.msg).toBe(`account ${ACCOUNT}: 1 reservations rolled back: past limits.reservationTtlMs on channel 1`);
  });

  it("takeover fence: the line does not say the fenced channel closed", async () => {
    o = await startObserved();
    const first = o.channel();
    await first.send(seed("USD", "10000"));
    as(await first.one({ case: "executePreTrade", value: { order: order({ qty: "1", price: "100" }) } }), "execute");
    const second = o.channel();
    await second.one({ case: "bindAccounts", value: { accountIds: [ACCOUNT], takeover: true } });
    const line = await o.log.next((l) => l.event === "reservations_rolled_back");
    expect(line).toMatchObject({ reason: "fenced", channelId: "1" });
    expect(o.sidecar.server.state.channels.has(1n)).toBe(true);
    expect(line.msg).toBe(`account ${ACCOUNT}: 1 reservations rolled back: another channel took the account over from channel 1`);
  });
});

describe("account_block_reason_replaced msg", () => {
  closeObservedAfterEach();
  let o: Observed;

  it("says who re-worded the block, not that the re-wording principal blocked the account", async () => {
    o = await startObserved();
    const state = o.sidecar.server.state;
    state.admin({ kind: "blockAccount", accountId: ACCOUNT as never, reason: "compliance hold" }, "alice");
    state.admin({ kind: "replaceAccountBlockReason", accountId: ACCOUNT as never, reason: "compliance hold (ticket 7)" }, "bob");
    const line = await o.log.next((l) => l.event === "account_block_reason_replaced");
    expect(line).toMatchObject({ by: "bob", reason: "compliance hold (ticket 7)" });
    // alice blocked it; bob only replaced the reason. "account … blocked by bob" says otherwise.
    expect(line.msg).toMatch(new RegExp(`^account ${ACCOUNT} block reason replaced by bob: compliance hold \\(ticket 7\\): `));
  });

  it("a group's replaced block reason says the same", async () => {
    o = await startObserved();
    const state = o.sidecar.server.state;
    state.admin({ kind: "registerGroup", accountIds: [ACCOUNT as never], group: 7 as never }, "alice");
    state.admin({ kind: "blockGroup", group: 7 as never, reason: "desk closed" }, "alice");
    state.admin({ kind: "replaceGroupBlockReason", group: 7 as never, reason: "desk closed (ticket 8)" }, "bob");
    const blocked = await o.log.next((l) => l.event === "group_blocked");
    expect(blocked.msg).toMatch(/^account group 7 blocked by alice: desk closed: /);
    const line = await o.log.next((l) => l.event === "group_block_reason_replaced");
    expect(line).toMatchObject({ by: "bob", reason: "desk closed (ticket 8)" });
    expect(line.msg).toMatch(/^account group 7 block reason replaced by bob: desk closed \(ticket 8\): /);
  });
});
