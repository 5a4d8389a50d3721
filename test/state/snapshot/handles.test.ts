/**
 * Open handles and engine state across a snapshot: restored reservations and requests act
 * like the originals, and what cannot be snapshotted is refused with the policy named.
 */
import { describe, expect, it } from "vitest";
import {
  Engine,
  LifecycleError,
  ManualClock,
  SnapshotError,
  type AccountControl,
  type EngineEvent,
  type Mutation,
  type PreTradePolicy,
} from "../../../src/engine/index.js";
import { PnlState } from "../../../src/model/index.js";
import { AccountGroupId, AccountId, Pnl } from "../../../src/param/index.js";
import { PnlBoundsKillSwitchPolicy, SpotFundsPolicy } from "../../../src/policies/index.js";
import { decodePlain, encodePlain } from "../../../src/state/plain-data.js";
import { ACCOUNT, buy, fillReport, seed, slot } from "../../helpers/spot-funds.js";
import { OTHER_ACCOUNT, order, report } from "../../helpers/engine-core.js";
import { expectSameBytes, render } from "./compare.js";

/** Encodes and decodes, as a snapshot file would. */
function viaBytes<T>(value: T): T {
  return decodePlain(encodePlain(value)) as T;
}

interface Built {
  readonly engine: Engine;
  readonly clock: ManualClock;
  readonly events: EngineEvent[];
}

function build(policies: () => PreTradePolicy[], startMs = 1_000): Built {
  const clock = new ManualClock(startMs);
  const builder = Engine.builder().clock(clock);
  for (const p of policies()) builder.policy(p);
  const engine = builder.build();
  const events: EngineEvent[] = [];
  engine.onEvent((e) => events.push(e));
  return { engine, clock, events };
}

/** A fresh engine of the same construction that takes `live`'s state over. */
function restoredFrom(live: Built, policies: () => PreTradePolicy[]): Built {
  const copy = build(policies, live.clock.nowMs());
  copy.engine.restoreState(viaBytes(live.engine.snapshotState()));
  return copy;
}

function sameState(a: Engine, b: Engine): void {
  expectSameBytes(encodePlain(a.snapshotState()), encodePlain(b.snapshotState()), "engine snapshots");
}

const spotOnly = () => [new SpotFundsPolicy()];

describe("restored reservations", () => {
  it("roll back like the original after a fill moved the slot (the fill is kept)", () => {
    const live = build(spotOnly);
    seed(live.engine, "USD", "10000");
    const open = live.engine.executePreTrade(buy("10", "100"));
    const sent = live.engine.executePreTrade(buy("5", "200.5"));
    if (!open.ok || !sent.ok) throw new Error("refused");
    const sentLock = sent.reservation.lock;
    sent.reservation.commit();

    const data = viaBytes(open.reservation.toData());
    const copy = restoredFrom(live, spotOnly);
    const restored = copy.engine.restoreReservation(data);
    expect(render(restored.lock)).toBe(render(open.reservation.lock));
    expect(render(restored.accountAdjustments)).toBe(render(open.reservation.accountAdjustments));

    for (const t of [live, copy]) t.engine.applyExecutionReport(fillReport("BUY", "5", "199", { lock: sentLock }));
    open.reservation.rollback();
    restored.rollback();

    const livePolicy = live.engine.policy(SpotFundsPolicy.NAME) as SpotFundsPolicy;
    const copyPolicy = copy.engine.policy(SpotFundsPolicy.NAME) as SpotFundsPolicy;
    // 10000 − 5 × 199 paid for the fill; the open hold of 1000 given back on top of what the fill left.
    expect(slot(livePolicy, "USD")).toEqual({ available: "9005.0", held: "0.0", incoming: "0" });
    expect(slot(copyPolicy, "USD")).toEqual(slot(livePolicy, "USD"));
    expect(slot(copyPolicy, "AAPL")).toEqual(slot(livePolicy, "AAPL"));
    sameState(copy.engine, live.engine);
    expect(restored.state).toBe("rolledBack");
  });

  it("on an untouched slot apply the inverse deltas, with the scale they give, as the live one does", () => {
    const live = build(spotOnly);
    seed(live.engine, "USD", "1000");
    const open = live.engine.executePreTrade(buy("3", "100.25"));
    if (!open.ok) throw new Error("refused");
    const copy = restoredFrom(live, spotOnly);
    const restored = copy.engine.restoreReservation(viaBytes(open.reservation.toData()));
    open.reservation.rollback();
    restored.rollback();
    for (const t of [live, copy]) {
      // 699.25 + 300.75 = "1000.00" on both: OpenPit's register_hold_rollback applies the inverse deltas (session 37).
      expect(slot(t.engine.policy(SpotFundsPolicy.NAME) as SpotFundsPolicy, "USD")).toEqual({ available: "1000.00", held: "0.00", incoming: "0" });
    }
    sameState(copy.engine, live.engine);
  });

  it("commit like the original, and a restored one can be snapshotted again", () => {
    const live = build(spotOnly);
    seed(live.engine, "USD", "1000");
    const open = live.engine.executePreTrade(buy("2", "10"));
    if (!open.ok) throw new Error("refused");
    const copy = restoredFrom(live, spotOnly);
    const restored = copy.engine.restoreReservation(viaBytes(open.reservation.toData()));
    expect(render(restored.toData())).toBe(render(open.reservation.toData()));
    open.reservation.commit();
    restored.commit();
    sameState(copy.engine, live.engine);
    expect(() => restored.toData()).toThrow(LifecycleError);
  });

  it("a drop-copy reservation keeps its first block", () => {
    const killSwitch = () => [
      new PnlBoundsKillSwitchPolicy({ brokerBarriers: [{ settlementAsset: "USD", lowerBound: Pnl.fromString("-10") }], accountBarriers: [] }),
      new SpotFundsPolicy(),
    ];
    const live = build(killSwitch);
    live.engine.applyExecutionReport(report({ pnl: "-50" }));
    live.engine.accounts().unblock(ACCOUNT);
    const dropCopy = live.engine.executePreTradeDropCopy(buy("1", "10"));
    expect(dropCopy.accountBlock?.policy).toBe(PnlBoundsKillSwitchPolicy.NAME);
    const copy = restoredFrom(live, killSwitch);
    const restored = copy.engine.restoreReservation(viaBytes(dropCopy.toData()));
    expect(restored.accountBlock).toEqual(dropCopy.accountBlock);
    restored.rollback();
    dropCopy.rollback();
    sameState(copy.engine, live.engine);
  });
});

/** A policy whose main-stage mutation blocks the account when it is rolled back. */
function blocker(): PreTradePolicy {
  const mutation = (record: unknown, control: AccountControl): Mutation => ({
    commit: () => {},
    rollback: () => control.block(ACCOUNT, { code: "Other", reason: "undone", details: `record ${String(record)}` }),
    record,
  });
  return {
    name: "Blocker",
    snapshotState: () => null,
    restoreState: () => {},
    performPreTradeCheck: (ctx, _order, mutations) => void mutations.push(mutation("r1", ctx.accountControl)),
    restoreMutation: mutation,
  };
}

/** A main-stage policy that runs after the blocker, so the call's last policy is not the owner. */
const trailing = (): PreTradePolicy => ({ name: "Trailing", stateless: true, performPreTradeCheck: () => undefined });

describe("blocks raised by mutations", () => {
  const policies = () => [blocker(), trailing()];

  it("a restored rollback records its block as the live rollback does: owner's name, event, first cause wins", () => {
    const live = build(policies);
    const open = live.engine.executePreTrade(order());
    const other = live.engine.executePreTrade(order({ account: OTHER_ACCOUNT }));
    if (!open.ok || !other.ok) throw new Error("refused");
    const copy = restoredFrom(live, policies);
    const restored = copy.engine.restoreReservation(viaBytes(open.reservation.toData()));

    open.reservation.rollback();
    restored.rollback();
    expect(live.engine.accounts().blockOf(ACCOUNT)).toEqual({ policy: "Blocker", code: "Other", reason: "undone", details: "record r1" });
    expect(copy.events).toEqual(live.events);
    expect(live.events).toEqual([{ kind: "accountBlocked", accountId: ACCOUNT, block: live.engine.accounts().blockOf(ACCOUNT) }]);
    sameState(copy.engine, live.engine);

    // The account is already blocked: a second cause changes nothing and emits nothing.
    const again = copy.engine.restoreReservation(viaBytes(other.reservation.toData()));
    live.events.length = 0;
    copy.events.length = 0;
    other.reservation.rollback();
    again.rollback();
    expect(copy.events).toEqual(live.events);
    expect(live.events).toEqual([]);
    sameState(copy.engine, live.engine);
  });

  it("a rollback after a main-stage reject is stamped with the mutation's owner too", () => {
    const rejecting: PreTradePolicy = {
      name: "Rejecting",
      stateless: true,
      performPreTradeCheck: () => ({ rejects: [{ code: "Other", reason: "no", details: "no" }] }),
    };
    const { engine } = build(() => [blocker(), rejecting]);
    expect(engine.executePreTrade(order()).ok).toBe(false);
    expect(engine.accounts().blockOf(ACCOUNT)?.policy).toBe("Blocker");
  });

  it("toData names the policy whose mutation has no record", () => {
    const noRecord: PreTradePolicy = {
      name: "NoRecord",
      snapshotState: () => null,
      restoreState: () => {},
      performPreTradeCheck: (_ctx, _order, mutations) => void mutations.push(() => {}, () => {}),
    };
    const { engine } = build(() => [blocker(), noRecord]);
    const result = engine.executePreTrade(order());
    if (!result.ok) throw new Error("refused");
    let error: unknown;
    try {
      result.reservation.toData();
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(SnapshotError);
    expect(error).toMatchObject({ kind: "MissingMutationRecord", policy: "NoRecord" });
    expect(String(error)).toContain("'NoRecord'");
    // Refusing to snapshot does not consume the reservation.
    result.reservation.rollback();
  });

  it("restoring a mutation of a policy the engine lacks, or one that cannot restore mutations, is refused by name", () => {
    const live = build(() => [blocker()]);
    const open = live.engine.executePreTrade(order());
    if (!open.ok) throw new Error("refused");
    const data = viaBytes(open.reservation.toData());
    const other = build(() => [{ name: "Other", stateless: true }]);
    expect(() => other.engine.restoreReservation(data)).toThrow(expect.objectContaining({ kind: "UnknownPolicy", policy: "Blocker" }));
    const unable = build(() => [{ name: "Blocker", stateless: true }]);
    expect(() => unable.engine.restoreReservation(data)).toThrow(expect.objectContaining({ kind: "NotSnapshottable", policy: "Blocker" }));
  });
});

describe("restored requests", () => {
  /** Reads the account's group at both stages; the main stage reports what it saw. */
  const groupReader = (): PreTradePolicy => ({
    name: "GroupReader",
    stateless: true,
    checkPreTradeStart: (ctx) => void ctx.accountGroup(),
    performPreTradeCheck: (ctx) => ({ rejects: [{ code: "Other", reason: "group", details: String(ctx.accountGroup()) }] }),
  });

  it("execute as the original would, reading the account's group at the main stage as the original does", () => {
    const live = build(() => [groupReader()]);
    const start = live.engine.startPreTrade(order());
    if (!start.ok) throw new Error("refused");
    const data = viaBytes(start.request.toData());
    expect(data.nowMs).toBe(1_000);
    const copy = restoredFrom(live, () => [groupReader()]);
    const restored = copy.engine.restoreRequest(data);
    // The group changes between the stages: both main stages read it live (session 35: the
    // start stage's lookup was kept, and a request judged by a group the account had left).
    for (const t of [live, copy]) {
      t.clock.advance(500);
      t.engine.accounts().registerGroup([ACCOUNT], AccountGroupId.fromU32(7));
    }
    const a = start.request.execute();
    const b = restored.execute();
    expect(render(b)).toBe(render(a));
    expect(a.rejects[0]?.details).toBe("7");
    sameState(copy.engine, live.engine);
    expect(() => start.request.toData()).toThrow(LifecycleError);
  });

  it("meet the blocks of the moment they execute, and their accepted reservations are alike", () => {
    const policies = () => [new SpotFundsPolicy()];
    const live = build(policies);
    seed(live.engine, "USD", "500");
    const start = live.engine.startPreTrade(buy("2", "100"));
    const blocked = live.engine.startPreTrade(buy("1", "100", { account: OTHER_ACCOUNT }));
    if (!start.ok || !blocked.ok) throw new Error("refused");
    const copy = restoredFrom(live, policies);
    const requests = [start.request, blocked.request].map((r) => copy.engine.restoreRequest(viaBytes(r.toData())));
    for (const t of [live, copy]) t.engine.accounts().block(OTHER_ACCOUNT, "hold");
    expect(render(requests[1]!.execute())).toBe(render(blocked.request.execute()));
    const a = start.request.execute();
    const b = requests[0]!.execute();
    if (!a.ok || !b.ok) throw new Error("refused");
    expect(render(b.reservation.toData())).toBe(render(a.reservation.toData()));
    a.reservation.rollback();
    b.reservation.rollback();
    sameState(copy.engine, live.engine);
  });
});

describe("engine state", () => {
  it("statefulPoliciesWithoutSnapshot names custom stateful policies, and snapshotState refuses them", () => {
    const counting: PreTradePolicy = { name: "Counting", checkPreTradeStart: () => undefined };
    const halfway: PreTradePolicy = { name: "Halfway", snapshotState: () => 1 };
    const { engine } = build(() => [new SpotFundsPolicy(), { name: "Pure", stateless: true }, counting, halfway]);
    expect(engine.statefulPoliciesWithoutSnapshot()).toEqual(["Counting", "Halfway"]);
    expect(() => engine.snapshotState()).toThrow(expect.objectContaining({ kind: "NotSnapshottable", policy: "Counting" }));
  });

  it("a snapshot is refused by an engine with other policy names or order, and nothing changes", () => {
    const a = () => [new SpotFundsPolicy(), { name: "Pure", stateless: true }];
    const b = () => [{ name: "Pure", stateless: true }, new SpotFundsPolicy()];
    const live = build(a);
    seed(live.engine, "USD", "10");
    const snapshot = viaBytes(live.engine.snapshotState());
    const other = build(b);
    other.engine.accounts().block(ACCOUNT, "kept");
    const before = encodePlain(other.engine.snapshotState());
    let error: unknown;
    try {
      other.engine.restoreState(snapshot);
    } catch (e) {
      error = e;
    }
    expect(error).toMatchObject({ name: "SnapshotError", kind: "PolicyMismatch", policy: "SpotFundsPolicy" });
    expect(String(error)).toContain("at position 0 the snapshot has 'SpotFundsPolicy' and the engine 'Pure'");
    expectSameBytes(encodePlain(other.engine.snapshotState()), before, "refused engine");
    const shorter = build(() => [new SpotFundsPolicy()]);
    expect(() => shorter.engine.restoreState(snapshot)).toThrow(/position 1 the snapshot has 'Pure' and the engine nothing/);
  });

  it("blocks (account, group, global latch), groups and currencies are restored, replacing what the fresh engine had", () => {
    const policies = () => [
      new PnlBoundsKillSwitchPolicy({ brokerBarriers: [{ settlementAsset: "USD", lowerBound: Pnl.fromString("-10") }], accountBarriers: [] }),
    ];
    const live = build(policies);
    const accounts = live.engine.accounts();
    accounts.registerGroup([OTHER_ACCOUNT], AccountGroupId.fromU32(5));
    accounts.setCurrency(ACCOUNT, "EUR");
    accounts.setGroupCurrency(AccountGroupId.DEFAULT, "USD");
    accounts.blockGroup(AccountGroupId.fromU32(5), "group hold");
    accounts.block(ACCOUNT, "hold");
    live.engine.applyExecutionReport(report({ account: null, pnl: "-50" }));
    const fresh = build(policies);
    fresh.engine.accounts().setGroupCurrency(AccountGroupId.DEFAULT, "JPY");
    fresh.engine.accounts().registerGroup([ACCOUNT], AccountGroupId.fromU32(9));
    fresh.engine.restoreState(viaBytes(live.engine.snapshotState()));
    sameState(fresh.engine, live.engine);
    expect(fresh.engine.accounts().groupOf(ACCOUNT)).toBeUndefined();
    expect(fresh.engine.accounts().currencyOf(OTHER_ACCOUNT)).toBe("USD");
    const someone = order({ account: AccountId.fromU64(12345) });
    expect(render(fresh.engine.executePreTrade(someone))).toBe(render(live.engine.executePreTrade(someone)));
    expect(fresh.events).toEqual([]);
  });

  it("SpotFunds knows the engine's registry right after a restore, before any hook (setAccountPnl reads the group)", () => {
    const group = AccountGroupId.fromU32(7);
    const policies = () => {
      const settings = SpotFundsPolicy.pnlBoundsKillSwitch({ groupBarriers: [[group, { lower: Pnl.fromString("-5") }]] });
      return [settings];
    };
    const live = build(policies);
    live.engine.accounts().registerGroup([ACCOUNT], group);
    live.engine.applyAccountAdjustment(ACCOUNT, [{ operation: { kind: "accountPnl", state: PnlState.value(Pnl.zero()) } }]);
    const copy = restoredFrom(live, policies);
    const set = (t: Built) =>
      t.engine.configure().apply(SpotFundsPolicy.NAME, SpotFundsPolicy, (p) => p.setAccountPnl(ACCOUNT, PnlState.value(Pnl.fromString("-6"))));
    const fresh = build(policies);
    fresh.engine.accounts().registerGroup([ACCOUNT], group);
    expect(set(fresh)).toHaveLength(1);
    expect(render(set(copy))).toBe(render(set(live)));
    sameState(copy.engine, live.engine);
  });
});
