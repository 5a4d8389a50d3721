/**
 * Kill switch that cancels, through the wire: blocking an account, a group (operator) or an
 * account by a tripped policy sends CancelWorkingOrders, naming the accounts, to every
 * channel holding them, and CancelWorkingOrdersSent to monitors, in the same turn; the
 * rejects that follow name who blocked; a durable restart keeps the block and the switch.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import * as pb from "../../gen/openpit/sidecar/v1/types_pb.js";
import { ACCOUNT, OTHER_ACCOUNT, order, startHarness, type Harness } from "./harness.js";
import { NoticeTap, as, fill, nextNotice } from "./results.js";
import { controlsConfig, DurableSidecars, openEventTap } from "./controls-helpers.js";

const THIRD = 55n;
const CONFIG = controlsConfig([{ type: "PnlBoundsKillSwitchPolicy", settings: { brokerBarriers: [{ settlementAsset: "USD", lowerBound: "-1000" }] } }]);
const execute = (accountId = ACCOUNT) => ({ case: "executePreTrade", value: { order: order({ qty: "1", accountId }), commitOnAccept: true } }) as const;
const operatorBlock = (text: string) => ({ policy: "Engine", code: pb.RejectCode.ACCOUNT_BLOCKED, reason: text, details: text });
const plain = <T extends { $typeName?: string }>(m: T | undefined) => {
  if (!m) return m;
  const { $typeName: _t, ...rest } = m;
  return rest;
};

describe("kill switch that cancels", () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness(CONFIG);
  });
  afterEach(async () => {
    await h.close();
  });

  it("an operator's BlockAccount tells the channel holding the account, and monitors; the next order is rejected naming the operator's text", async () => {
    const tap = await openEventTap(h.clients, h.server.state.events);
    const notices = new NoticeTap();
    const c = h.channel(notices.onNotice);
    await c.send(execute(), execute(OTHER_ACCOUNT));
    const cancel = nextNotice(notices, "cancelWorkingOrders");
    await h.admin("blockAccount", { accountId: ACCOUNT, reason: "desk stop" });
    const notice = await cancel;
    expect([notice.accountIds, notice.blockedBy, plain(notice.block)]).toEqual([[ACCOUNT], "operator", operatorBlock("desk stop")]);
    expect(await tap.next("cancelWorkingOrdersSent")).toMatchObject({
      actor: "local",
      cancelWorkingOrdersSent: { accountIds: [ACCOUNT.toString()], blockedBy: "operator", channelIds: ["1"], scope: { accountId: ACCOUNT.toString() } },
    });
    const rejected = as(await c.one(execute()), "execute");
    expect(rejected.rejects.map((r) => [r.policy, r.code, r.reason, r.details])).toEqual([["Engine", pb.RejectCode.ACCOUNT_BLOCKED, "desk stop", "desk stop"]]);
    // The notice went out once: the other account is untouched.
    expect(notices.seen.filter((m) => m.notice?.notice.case === "cancelWorkingOrders")).toHaveLength(1);
    expect(as(await c.one(execute(OTHER_ACCOUNT)), "execute").accepted).toBe(true);
    tap.close();
  });

  it("BlockGroup tells each channel only its accounts in the group", async () => {
    await h.admin("registerGroup", { accountIds: [ACCOUNT, OTHER_ACCOUNT], groupId: 7 });
    const n1 = new NoticeTap();
    const n2 = new NoticeTap();
    const c1 = h.channel(n1.onNotice);
    const c2 = h.channel(n2.onNotice);
    await c1.send(execute(ACCOUNT), execute(THIRD));
    await c2.send(execute(OTHER_ACCOUNT));
    const tap = await openEventTap(h.clients, h.server.state.events);
    const [first, second] = [nextNotice(n1, "cancelWorkingOrders"), nextNotice(n2, "cancelWorkingOrders")];
    await h.admin("blockGroup", { groupId: 7, reason: "desk 7 closed" });
    expect((await first).accountIds).toEqual([ACCOUNT]);
    expect((await second).accountIds).toEqual([OTHER_ACCOUNT]);
    expect(await tap.next("cancelWorkingOrdersSent")).toMatchObject({
      cancelWorkingOrdersSent: { accountIds: [ACCOUNT.toString(), OTHER_ACCOUNT.toString()], channelIds: ["1", "2"], scope: { groupId: 7 }, blockedBy: "operator" },
    });
    tap.close();
  });

  it("a tripped policy (P&L kill switch on a fill) tells the channel, naming the policy; the reject names it too", async () => {
    const notices = new NoticeTap();
    const c = h.channel(notices.onNotice);
    await c.send(execute());
    const cancel = nextNotice(notices, "cancelWorkingOrders");
    await h.feed().publish({ ...fill({ qty: "1", price: "100" }), pnl: "-1500" });
    const notice = await cancel;
    const killSwitch = {
      policy: "PnlBoundsKillSwitchPolicy",
      code: pb.RejectCode.PNL_KILL_SWITCH_TRIGGERED,
      reason: "pnl kill switch triggered",
      details: "realized pnl -1500, settlement asset USD",
    };
    expect([notice.accountIds, notice.blockedBy, plain(notice.block)]).toEqual([[ACCOUNT], "policy", killSwitch]);
    const rejected = as(await c.one(execute()), "execute").rejects[0]!;
    expect([rejected.policy, rejected.code, rejected.reason]).toEqual(["PnlBoundsKillSwitchPolicy", pb.RejectCode.PNL_KILL_SWITCH_TRIGGERED, "pnl kill switch triggered"]);
  });

  it("nobody holding the account: monitors still hear the switch fired, with no channel told", async () => {
    const tap = await openEventTap(h.clients, h.server.state.events);
    await h.admin("blockAccount", { accountId: THIRD, reason: "x" });
    expect((await tap.next("cancelWorkingOrdersSent")).cancelWorkingOrdersSent).toEqual({ blockedBy: "operator", block: { ...operatorBlock("x"), code: "REJECT_CODE_ACCOUNT_BLOCKED" }, scope: { accountId: THIRD.toString() } });
    tap.close();
  });
});

describe("kill switch in fullSync, where channels share accounts", () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness({ ...CONFIG, syncMode: "fullSync" });
  });
  afterEach(async () => {
    await h.close();
  });

  it("monitors hear each account once, however many channels held it (found by review: listed once per channel)", async () => {
    const [n1, n2] = [new NoticeTap(), new NoticeTap()];
    const c1 = h.channel(n1.onNotice);
    const c2 = h.channel(n2.onNotice);
    // Nothing is pinned in fullSync: a channel holds the accounts of its open reservations.
    const reserve = (accountId: bigint) => ({ case: "executePreTrade", value: { order: order({ qty: "1", accountId }) } }) as const;
    await c1.send(reserve(ACCOUNT), reserve(OTHER_ACCOUNT));
    await c2.send(reserve(OTHER_ACCOUNT), reserve(ACCOUNT));
    await h.admin("registerGroup", { accountIds: [ACCOUNT, OTHER_ACCOUNT], groupId: 7 });
    const tap = await openEventTap(h.clients, h.server.state.events);
    const [first, second] = [nextNotice(n1, "cancelWorkingOrders"), nextNotice(n2, "cancelWorkingOrders")];
    await h.admin("blockGroup", { groupId: 7, reason: "desk 7 closed" });
    // Each channel is told of the accounts it holds; monitors get the set, in first-told order.
    expect((await first).accountIds).toEqual([ACCOUNT, OTHER_ACCOUNT]);
    expect((await second).accountIds).toEqual([OTHER_ACCOUNT, ACCOUNT]);
    expect(await tap.next("cancelWorkingOrdersSent")).toMatchObject({
      cancelWorkingOrdersSent: { accountIds: [ACCOUNT.toString(), OTHER_ACCOUNT.toString()], channelIds: ["1", "2"], scope: { groupId: 7 } },
    });
    tap.close();
  });
});

describe("kill switch after a restart in durable mode", () => {
  const sidecars = new DurableSidecars();
  afterEach(async () => {
    await sidecars.cleanup();
  });

  it("the block survives; notices are not sent again by the replay; a new block still cancels", async () => {
    const dir = sidecars.dataDir();
    const first = await sidecars.start(dir, CONFIG, 1_000);
    await first.admin("blockAccount", { accountId: ACCOUNT, reason: "hold" });
    await first.crash();
    const second = await sidecars.start(dir, CONFIG, 2_000);
    const notices = new NoticeTap();
    const c = second.channel(notices.onNotice);
    expect(as(await c.one(execute()), "execute").rejects.map((r) => r.details)).toEqual(["hold"]);
    await c.one(execute(OTHER_ACCOUNT));
    const cancel = nextNotice(notices, "cancelWorkingOrders");
    await second.admin("blockAccount", { accountId: OTHER_ACCOUNT, reason: "also" });
    expect((await cancel).accountIds).toEqual([OTHER_ACCOUNT]);
    expect(notices.seen.filter((m) => m.notice?.notice.case === "cancelWorkingOrders")).toHaveLength(1);
  });
});
