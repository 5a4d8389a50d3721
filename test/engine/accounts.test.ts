import { describe, expect, it } from "vitest";
import { AccountBlockError, AccountGroupRegistrationError, type EngineEvent } from "../../src/engine/index.js";
import { AccountGroupId, AccountId } from "../../src/param/index.js";
import { ACCOUNT, engineWith, order, OTHER_ACCOUNT, passPolicy, reject } from "../helpers/engine-core.js";

function errorOf(fn: () => void): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  throw new Error("expected an error");
}

const G1 = AccountGroupId.fromU32(1);
const G2 = AccountGroupId.fromU32(2);
const THIRD = AccountId.fromU64(3);

describe("account blocks", () => {
  it("B1: block(acc, 'r') rejects orders with AccountBlocked 'r'; unblock lets them pass again", () => {
    const { engine } = engineWith([passPolicy()]);

    engine.accounts().block(ACCOUNT, "r");
    const blocked = engine.executePreTrade(order());
    engine.accounts().unblock(ACCOUNT);
    const released = engine.executePreTrade(order());

    expect(blocked.rejects).toEqual([{ policy: "Engine", code: "AccountBlocked", reason: "r", details: "r", scope: "account" }]);
    expect(released.ok).toBe(true);
  });

  it("B2: blocking twice keeps the first reason", () => {
    const { engine } = engineWith([passPolicy()]);

    engine.accounts().block(ACCOUNT, "first");
    engine.accounts().block(ACCOUNT, "second");

    expect(engine.executePreTrade(order()).rejects.map((r) => r.reason)).toEqual(["first"]);
  });

  it("unblock clears a latched policy block too", () => {
    let rejecting = true;
    const { engine } = engineWith([
      { name: "Once", checkPreTradeStart: () => (rejecting ? [reject("RiskLimitExceeded", "x", "y", "account")] : undefined) },
    ]);

    engine.executePreTrade(order());
    rejecting = false;
    expect(engine.accounts().blockOf(ACCOUNT)?.policy).toBe("Once");
    expect(engine.executePreTrade(order()).ok).toBe(false);
    engine.accounts().unblock(ACCOUNT);

    expect(engine.accounts().blockOf(ACCOUNT)).toBeUndefined();
    expect(engine.executePreTrade(order()).ok).toBe(true);
  });

  it("B3: replaceBlockReason needs a blocked account; once done, the operator owns the block", () => {
    const { engine } = engineWith([
      { name: "Guard", checkPreTradeStart: () => [reject("PnlKillSwitchTriggered", "pnl kill switch triggered", "lower bound breached", "account")] },
    ]);
    const accounts = engine.accounts();

    const notBlocked = errorOf(() => accounts.replaceBlockReason(ACCOUNT, "under manual review"));
    expect(notBlocked).toBeInstanceOf(AccountBlockError);
    expect((notBlocked as AccountBlockError).kind).toBe("AccountNotBlocked");
    expect((notBlocked as Error).message).not.toContain(ACCOUNT.toString());

    engine.executePreTrade(order());
    accounts.replaceBlockReason(ACCOUNT, "under manual review");

    expect(engine.executePreTrade(order()).rejects).toEqual([
      { policy: "Engine", code: "AccountBlocked", reason: "under manual review", details: "under manual review", scope: "account" },
    ]);
  });

  it("B3: group 0 is reserved for every group block operation; an unblocked group cannot get a new reason", () => {
    const { engine } = engineWith([passPolicy()]);
    const accounts = engine.accounts();
    const ops: (() => void)[] = [
      () => accounts.blockGroup(AccountGroupId.DEFAULT, "r"),
      () => accounts.unblockGroup(AccountGroupId.DEFAULT),
      () => accounts.replaceGroupBlockReason(AccountGroupId.DEFAULT, "r"),
    ];
    for (const op of ops) {
      const e = errorOf(op);
      expect(e).toBeInstanceOf(AccountBlockError);
      expect((e as AccountBlockError).kind).toBe("ReservedGroup");
    }

    const e = errorOf(() => accounts.replaceGroupBlockReason(G1, "r"));
    expect((e as AccountBlockError).kind).toBe("GroupNotBlocked");
  });

  it("a group's block reason can be replaced while it is blocked", () => {
    const { engine } = engineWith([passPolicy()]);
    engine.accounts().registerGroup([ACCOUNT], G1);
    engine.accounts().blockGroup(G1, "old");

    engine.accounts().replaceGroupBlockReason(G1, "new");

    expect(engine.executePreTrade(order()).rejects.map((r) => [r.policy, r.reason, r.details])).toEqual([["Engine", "new", "new"]]);
  });

  it("B4: group blocks are live: members, later members are blocked; a removed member passes", () => {
    const { engine } = engineWith([passPolicy()]);
    const accounts = engine.accounts();
    accounts.registerGroup([ACCOUNT], G1);
    accounts.blockGroup(G1, "desk halt");

    const passes = (account: AccountId) => engine.executePreTrade(order({ account })).ok;
    expect(passes(ACCOUNT)).toBe(false);
    expect(passes(OTHER_ACCOUNT)).toBe(true);

    accounts.registerGroup([OTHER_ACCOUNT], G1);
    expect(engine.executePreTrade(order({ account: OTHER_ACCOUNT })).rejects.map((r) => r.reason)).toEqual(["desk halt"]);

    accounts.unregisterGroup([ACCOUNT], G1);
    expect(passes(ACCOUNT)).toBe(true);
    expect(passes(OTHER_ACCOUNT)).toBe(false);
  });

  it("precedence: the account's own block, then its group's, then the global one", () => {
    const { engine } = engineWith([{ name: "Floor", applyExecutionReport: () => ({ accountBlocks: [{ code: "PnlKillSwitchTriggered", reason: "k", details: "k" }] }) }]);
    const accounts = engine.accounts();
    accounts.registerGroup([ACCOUNT], G1);
    engine.applyExecutionReport({ operation: {} });
    accounts.blockGroup(G1, "group");
    accounts.block(ACCOUNT, "account");

    const reason = () => engine.executePreTrade(order()).rejects.map((r) => r.reason);
    expect(reason()).toEqual(["account"]);
    accounts.unblock(ACCOUNT);
    expect(reason()).toEqual(["group"]);
    accounts.unblockGroup(G1);
    expect(reason()).toEqual(["account is blocked due to kill-switch"]);
  });

  it("events are emitted on block, unblock and reason changes, once per actual change", () => {
    const { engine, events } = engineWith([passPolicy()]);
    const accounts = engine.accounts();

    accounts.block(ACCOUNT, "a");
    accounts.block(ACCOUNT, "ignored");
    accounts.replaceBlockReason(ACCOUNT, "b");
    accounts.replaceBlockReason(ACCOUNT, "b"); // the reason in force: no change, no event
    accounts.unblock(ACCOUNT);
    accounts.unblock(ACCOUNT);
    accounts.blockGroup(G2, "g");
    accounts.blockGroup(G2, "ignored");
    accounts.replaceGroupBlockReason(G2, "h");
    accounts.replaceGroupBlockReason(G2, "h");
    accounts.unblockGroup(G2);
    accounts.unblockGroup(G2);

    const admin = (reason: string) => ({ policy: "Engine", code: "AccountBlocked" as const, reason, details: reason });
    expect(events).toEqual<EngineEvent[]>([
      { kind: "accountBlocked", accountId: ACCOUNT, block: admin("a") },
      { kind: "accountBlockReasonReplaced", accountId: ACCOUNT, block: admin("b") },
      { kind: "accountUnblocked", accountId: ACCOUNT },
      { kind: "groupBlocked", group: G2, block: admin("g") },
      { kind: "groupBlockReasonReplaced", group: G2, block: admin("h") },
      { kind: "groupUnblocked", group: G2 },
    ]);
  });

  it("an unsubscribed listener receives nothing more", () => {
    const { engine } = engineWith([passPolicy()]);
    const seen: EngineEvent[] = [];
    const off = engine.onEvent((e) => seen.push(e));

    engine.accounts().block(ACCOUNT, "a");
    off();
    engine.accounts().unblock(ACCOUNT);

    expect(seen.map((e) => e.kind)).toEqual(["accountBlocked"]);
  });
});

describe("account groups", () => {
  it("G1: registering an account already in a group fails AlreadyRegistered, atomically", () => {
    const { engine } = engineWith([passPolicy()]);
    const accounts = engine.accounts();
    accounts.registerGroup([ACCOUNT], G1);

    for (const group of [G1, G2]) {
      const e = errorOf(() => accounts.registerGroup([THIRD, ACCOUNT], group));
      expect(e).toBeInstanceOf(AccountGroupRegistrationError);
      expect((e as AccountGroupRegistrationError).kind).toBe("AlreadyRegistered");
      expect((e as Error).message).not.toContain(ACCOUNT.toString());
    }
    expect(accounts.groupOf(THIRD)).toBeUndefined();
    expect(accounts.groupOf(ACCOUNT)).toBe(G1);
  });

  it("G1: unregistering a non-member fails NotInGroup, atomically", () => {
    const { engine } = engineWith([passPolicy()]);
    const accounts = engine.accounts();
    accounts.registerGroup([ACCOUNT, OTHER_ACCOUNT], G1);

    const wrongGroup = errorOf(() => accounts.unregisterGroup([ACCOUNT], G2));
    const notMember = errorOf(() => accounts.unregisterGroup([ACCOUNT, THIRD], G1));

    expect((wrongGroup as AccountGroupRegistrationError).kind).toBe("NotInGroup");
    expect((notMember as AccountGroupRegistrationError).kind).toBe("NotInGroup");
    expect(accounts.groupOf(ACCOUNT)).toBe(G1);
    accounts.unregisterGroup([ACCOUNT], G1);
    expect(accounts.groupOf(ACCOUNT)).toBeUndefined();
    expect(accounts.groupOf(OTHER_ACCOUNT)).toBe(G1);
  });

  it("group 0 cannot be registered", () => {
    const { engine } = engineWith([passPolicy()]);

    const e = errorOf(() => engine.accounts().registerGroup([ACCOUNT], AccountGroupId.DEFAULT));

    expect(e).toBeInstanceOf(AccountGroupRegistrationError);
    expect((e as AccountGroupRegistrationError).kind).toBe("ReservedGroup");
  });

  it("policies see the account's group live through the context", () => {
    const seen: (AccountGroupId | undefined)[] = [];
    const { engine } = engineWith([{ name: "Reader", checkPreTradeStart: (ctx) => void seen.push(ctx.accountGroup()) }]);

    engine.executePreTrade(order());
    engine.accounts().registerGroup([ACCOUNT], G2);
    engine.executePreTrade(order());

    expect(seen).toEqual([undefined, G2]);
  });
});

describe("account currency", () => {
  it("resolves account → group → default group 0, and falls back when cleared", () => {
    const seen: (string | undefined)[] = [];
    const { engine } = engineWith([{ name: "Reader", checkPreTradeStart: (ctx) => void seen.push(ctx.accounts.currencyOf(ACCOUNT)) }]);
    const accounts = engine.accounts();
    accounts.registerGroup([ACCOUNT], G1);
    const current = () => {
      engine.executePreTrade(order());
      return seen.at(-1);
    };

    expect(current()).toBeUndefined();
    accounts.setGroupCurrency(AccountGroupId.DEFAULT, "USD");
    expect(current()).toBe("USD");
    accounts.setGroupCurrency(G1, "EUR");
    expect(current()).toBe("EUR");
    accounts.setCurrency(ACCOUNT, "JPY");
    expect(current()).toBe("JPY");
    expect(accounts.currencyOf(OTHER_ACCOUNT)).toBe("USD");

    accounts.clearCurrency(ACCOUNT);
    expect(current()).toBe("EUR");
    accounts.clearGroupCurrency(G1);
    expect(current()).toBe("USD");
    accounts.unregisterGroup([ACCOUNT], G1);
    accounts.setGroupCurrency(G1, "CHF");
    expect(current()).toBe("USD");
    accounts.clearGroupCurrency(AccountGroupId.DEFAULT);
    expect(current()).toBeUndefined();
  });
});
