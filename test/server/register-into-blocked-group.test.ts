/**
 * Found by review: an account that joins a blocked group becomes blocked at once (group blocks are
 * live, openpit-semantics §1.13 / B4), but RegisterGroup sends no cancel_working_orders
 * notice and no cancel_working_orders_sent event. docs/controls.md "Kill switch that
 * cancels": "Whenever an account, a group or everything becomes blocked — by an operator
 * ... — the sidecar, within the same command, sends ChannelNotice.cancel_working_orders to
 * every channel holding affected accounts ... announces cancel_working_orders_sent".
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { AccountId, type AccountGroupId } from "../../src/param/index.js";
import { encodeCommand } from "../../src/state/command-codec.js";
import type { Command } from "../../src/state/commands.js";
import { ACCOUNT, OTHER_ACCOUNT, order, startHarness, type Harness } from "../server/harness.js";
import { NoticeTap, as } from "../server/results.js";
import { controlsConfig, openEventTap } from "../server/controls-helpers.js";

const CONFIG = controlsConfig([]);
const execute = (accountId = ACCOUNT) => ({ case: "executePreTrade", value: { order: order({ qty: "1", accountId }), commitOnAccept: true } }) as const;

describe("RegisterGroup into a blocked group", () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness(CONFIG);
  });
  afterEach(async () => {
    await h.close();
  });

  /** Group 7 blocked; both accounts with a working order on one channel (pinned to it); a monitor listening. */
  async function blockedGroupBesideWorkingOrders() {
    await h.admin("blockGroup", { groupId: 7, reason: "desk 7 closed" });
    const notices = new NoticeTap();
    const c = h.channel(notices.onNotice);
    expect(as(await c.one(execute(ACCOUNT)), "execute").accepted).toBe(true);
    expect(as(await c.one(execute(OTHER_ACCOUNT)), "execute").accepted).toBe(true);
    const tap = await openEventTap(h.clients, h.server.state.events);
    return { notices, c, tap };
  }

  it("blocks the joining account and tells the channel holding it to cancel its working orders", async () => {
    const { notices, c, tap } = await blockedGroupBesideWorkingOrders();

    await h.admin("registerGroup", { accountIds: [ACCOUNT], groupId: 7 });

    // The account is blocked now: its next order is rejected with the group's block.
    const rejected = as(await c.one(execute(ACCOUNT)), "execute");
    expect(rejected.rejects.map((r) => r.reason)).toEqual(["desk 7 closed"]);
    // ... so its working orders must be cancelled at the venue, like any other block.
    const cancels = notices.seen.filter((m) => m.notice?.notice.case === "cancelWorkingOrders");
    expect(cancels.map((m) => (m.notice!.notice.value as { accountIds: bigint[] }).accountIds)).toEqual([[ACCOUNT]]);
    expect(tap.of("cancelWorkingOrdersSent")).toHaveLength(1);
    tap.close();
  });

  // Found by review (session 28): the account named twice fired its kill switch twice.
  it("an account named twice joins once: one cancel notice, one cancel_working_orders_sent, listed once in the audit record", async () => {
    await h.admin("blockGroup", { groupId: 7, reason: "desk 7 closed" });
    const notices = new NoticeTap();
    const c = h.channel(notices.onNotice);
    expect(as(await c.one(execute(ACCOUNT)), "execute").accepted).toBe(true);
    const tap = await openEventTap(h.clients, h.server.state.events);
    await h.admin("registerGroup", { accountIds: [ACCOUNT, ACCOUNT], groupId: 7 });
    const audit = await tap.next("auditRecorded");
    await c.one(execute(ACCOUNT)); // a round trip: every notice sent before it has arrived
    const cancels = notices.seen.filter((m) => m.notice?.notice.case === "cancelWorkingOrders");
    expect(cancels.map((m) => (m.notice!.notice.value as { accountIds: bigint[] }).accountIds)).toEqual([[ACCOUNT]]);
    expect(tap.of("cancelWorkingOrdersSent")).toHaveLength(1);
    expect((audit.auditRecorded as { record: { accountIds: string[] } }).record.accountIds).toEqual([ACCOUNT.toString()]);
    tap.close();
  });

  // Found by review (session 43): two joiners held by one channel got two notices and two
  // account-scoped events, where a BlockGroup sends one of each with the group's scope.
  it("several joiners: one notice per channel naming them all, one event with the group's scope", async () => {
    const { notices, c, tap } = await blockedGroupBesideWorkingOrders();
    await h.admin("registerGroup", { accountIds: [ACCOUNT, OTHER_ACCOUNT], groupId: 7 });
    await tap.next("auditRecorded");
    await c.one(execute(ACCOUNT)); // a round trip: every notice sent before it has arrived
    const cancels = notices.seen.filter((m) => m.notice?.notice.case === "cancelWorkingOrders");
    expect(cancels.map((m) => (m.notice!.notice.value as { accountIds: bigint[] }).accountIds)).toEqual([[ACCOUNT, OTHER_ACCOUNT]]);
    const sent = tap.of("cancelWorkingOrdersSent");
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ accountIds: [String(ACCOUNT), String(OTHER_ACCOUNT)], scope: { groupId: 7 } });
    tap.close();
  });

  it("a RegisterGroup journaled with a notice per joiner (before session 43) replays so: its events keep their numbers", () => {
    const state = h.server.state;
    state.replay(encodeCommand({ kind: "admin", ts: 5_000, actor: "local", command: { kind: "blockGroup", group: 9 as AccountGroupId, reason: "desk 9 closed" } } as Command));
    const afterBlock = state.events.lastSequence;
    const joiners = [AccountId.fromU64(ACCOUNT), AccountId.fromU64(OTHER_ACCOUNT)];
    state.replay(encodeCommand({ kind: "admin", ts: 5_001, actor: "local", command: { kind: "registerGroup", accountIds: joiners, group: 9 as AccountGroupId, cancelsJoiners: true } } as Command));
    // Two cancel events (one per joiner) and the audit record.
    expect(state.events.lastSequence - afterBlock).toBe(3n);
  });

  it("a RegisterGroup journaled before that notice existed replays without it: its events keep their numbers", () => {
    const state = h.server.state;
    const before = state.events.lastSequence;
    state.replay(encodeCommand({ kind: "admin", ts: 5_000, actor: "local", command: { kind: "blockGroup", group: 9 as AccountGroupId, reason: "desk 9 closed" } } as Command));
    const afterBlock = state.events.lastSequence;
    state.replay(encodeCommand({ kind: "admin", ts: 5_001, actor: "local", command: { kind: "registerGroup", accountIds: [AccountId.fromU64(OTHER_ACCOUNT)], group: 9 as AccountGroupId } } as Command));
    // The old record: blocked by joining, but no cancel event numbered; its audit record only.
    expect(afterBlock).toBeGreaterThan(before);
    expect(state.events.lastSequence - afterBlock).toBe(1n);
  });
});
