import { describe, expect, it } from "vitest";
import type { PreTradePolicy } from "../../src/engine/index.js";
import { AccountGroupId } from "../../src/param/index.js";
import { ACCOUNT, CallLog, engineWith, order, OTHER_ACCOUNT, passPolicy, reject } from "../helpers/engine-core.js";

describe("drop-copy", () => {
  it("P14: rejecting start and main policies: each runs once, rejects are discarded, the mutation applies on commit", () => {
    const log = new CallLog();
    const flags: boolean[] = [];
    const state = { applied: false };
    const { engine } = engineWith([
      {
        name: "StartNo",
        checkPreTradeStart: (ctx) => {
          log.add("StartNo.start");
          flags.push(ctx.isDropCopy);
          return [reject("RateLimitExceeded", "rate limit exceeded", "start rejects")];
        },
      },
      {
        name: "MainNo",
        performPreTradeCheck: (ctx, _o, mutations) => {
          log.add("MainNo.main");
          flags.push(ctx.isDropCopy);
          mutations.push(
            () => {
              log.add("MainNo.commit");
              state.applied = true;
            },
            () => log.add("MainNo.rollback"),
          );
          return { rejects: [reject("InsufficientFunds", "insufficient funds", "main rejects")] };
        },
      },
    ]);

    const reservation = engine.executePreTradeDropCopy(order());
    reservation.commit();

    expect(log.calls).toEqual(["StartNo.start", "MainNo.main", "MainNo.commit"]);
    expect(flags).toEqual([true, true]);
    expect(state.applied).toBe(true);
    expect(reservation.accountBlock).toBeUndefined();
    expect(engine.accounts().blockOf(ACCOUNT)).toBeUndefined();
  });

  it("a drop-copy reservation rolled back undoes the mutations of rejecting policies too", () => {
    const log = new CallLog();
    const { engine } = engineWith([
      {
        name: "MainNo",
        performPreTradeCheck: (_c, _o, m) => {
          m.push(
            () => log.add("commit"),
            () => log.add("rollback"),
          );
          return { rejects: [reject("Other", "no", "rejects")] };
        },
      },
    ]);

    engine.executePreTradeDropCopy(order()).rollback();

    expect(log.calls).toEqual(["rollback"]);
  });

  it("P15: drop-copy ignores account and group blocks; later normal orders still see them in precedence order", () => {
    const log = new CallLog();
    const { engine } = engineWith([passPolicy("P", log)]);
    const accounts = engine.accounts();
    const group = AccountGroupId.fromU32(42);
    accounts.registerGroup([ACCOUNT], group);
    accounts.block(ACCOUNT, "account halt");
    accounts.blockGroup(group, "group halt");

    const reservation = engine.executePreTradeDropCopy(order());
    reservation.commit();
    expect(log.calls).toEqual(["P.start", "P.main"]);
    expect(reservation.accountBlock).toBeUndefined();

    const reasons = () => engine.executePreTrade(order()).rejects.map((r) => [r.code, r.reason]);
    expect(reasons()).toEqual([["AccountBlocked", "account halt"]]);
    accounts.unblock(ACCOUNT);
    expect(reasons()).toEqual([["AccountBlocked", "group halt"]]);
    accounts.unblockGroup(group);
    expect(reasons()).toEqual([]);
  });

  it("P16: start and main account-scope rejects: the start one is the reservation's block and is recorded", () => {
    const { engine, events } = engineWith([
      {
        name: "KillSwitch",
        checkPreTradeStart: () => [reject("PnlKillSwitchTriggered", "pnl kill switch triggered", "lower bound breached", "account")],
      },
      {
        name: "Funds",
        performPreTradeCheck: () => ({ rejects: [reject("InsufficientFunds", "insufficient funds", "main account reject", "account")] }),
      },
    ]);

    const reservation = engine.executePreTradeDropCopy(order());
    reservation.commit();

    const expected = { policy: "KillSwitch", code: "AccountBlocked", reason: "pnl kill switch triggered", details: "lower bound breached" };
    expect(reservation.accountBlock).toEqual(expected);
    expect(engine.accounts().blockOf(ACCOUNT)).toEqual(expected);
    expect(events.filter((e) => e.kind === "accountBlocked")).toHaveLength(1);
    const later = engine.executePreTrade(order());
    expect(later.rejects).toEqual([{ ...expected, scope: "account" }]);
  });

  it("the start-stage block wins over a block a main policy raises through the context (it happened first)", () => {
    const { engine } = engineWith([
      { name: "Start", checkPreTradeStart: () => [reject("RiskLimitExceeded", "start block", "raised in start", "account")] },
      {
        name: "Main",
        performPreTradeCheck: (ctx) => {
          ctx.accountControl.block(ACCOUNT, { code: "PnlKillSwitchTriggered", reason: "main block", details: "raised in main" });
        },
      },
    ]);

    const reservation = engine.executePreTradeDropCopy(order());

    expect(reservation.accountBlock?.reason).toBe("start block");
    expect(engine.accounts().blockOf(ACCOUNT)?.reason).toBe("start block");
  });

  it("within the main stage, an earlier policy's account-scope reject wins over a later policy's context block", () => {
    const { engine } = engineWith([
      { name: "MainA", performPreTradeCheck: () => ({ rejects: [reject("RiskLimitExceeded", "main A", "rejected by A", "account")] }) },
      {
        name: "MainB",
        performPreTradeCheck: (ctx) => {
          ctx.accountControl.block(ACCOUNT, { code: "PnlKillSwitchTriggered", reason: "main B", details: "raised by B" });
        },
      },
    ]);

    const reservation = engine.executePreTradeDropCopy(order());

    expect(reservation.accountBlock).toMatchObject({ policy: "MainA", code: "AccountBlocked", reason: "main A" });
    expect(engine.accounts().blockOf(ACCOUNT)).toMatchObject({ policy: "MainA", reason: "main A" });
  });

  it("a block raised through the context is recorded and exposed with code AccountBlocked", () => {
    const { engine } = engineWith([
      {
        name: "Funds",
        performPreTradeCheck: (ctx) => {
          ctx.accountControl.block(ACCOUNT, { code: "PnlKillSwitchTriggered", reason: "pnl kill switch triggered", details: "lower bound breached" });
        },
      },
    ]);

    const reservation = engine.executePreTradeDropCopy(order());

    expect(reservation.accountBlock).toEqual({
      policy: "Funds",
      code: "AccountBlocked",
      reason: "pnl kill switch triggered",
      details: "lower bound breached",
    });
    expect(engine.accounts().blockOf(ACCOUNT)).toEqual({
      policy: "Funds",
      code: "PnlKillSwitchTriggered",
      reason: "pnl kill switch triggered",
      details: "lower bound breached",
    });
  });

  it("first cause wins: an operator block stays stored, yet the reservation still exposes the policy's block", () => {
    const { engine } = engineWith([
      { name: "Guard", checkPreTradeStart: () => [reject("RiskLimitExceeded", "risk limit breached", "account limit", "account")] },
    ]);
    engine.accounts().block(ACCOUNT, "operator hold");

    const reservation = engine.executePreTradeDropCopy(order());

    expect(reservation.accountBlock).toEqual({ policy: "Guard", code: "AccountBlocked", reason: "risk limit breached", details: "account limit" });
    expect(engine.accounts().blockOf(ACCOUNT)?.reason).toBe("operator hold");
  });

  it("blocks land on the order's account only; other accounts keep trading", () => {
    const { engine } = engineWith([
      {
        name: "Guard",
        checkPreTradeStart: (ctx) =>
          ctx.isDropCopy ? [reject("RiskLimitExceeded", "risk limit breached", "account limit", "account")] : undefined,
      },
    ]);

    engine.executePreTradeDropCopy(order());

    expect(engine.executePreTrade(order({ account: OTHER_ACCOUNT })).ok).toBe(true);
    expect(engine.executePreTrade(order()).ok).toBe(false);
  });

  it("lock prices and outcomes of a drop-copy equal those of a normal reservation", () => {
    const policy: PreTradePolicy = {
      name: "Locker",
      performPreTradeCheck: () => ({ accountAdjustments: [{ asset: "USD" }] }),
    };
    const { engine } = engineWith([policy]);

    const drop = engine.executePreTradeDropCopy(order());
    const normal = engine.executePreTrade(order());
    if (!normal.ok) throw new Error("expected a reservation");

    expect(drop.accountAdjustments).toEqual(normal.reservation.accountAdjustments);
    expect(drop.lock.toJSON()).toEqual(normal.reservation.lock.toJSON());
  });
});
