import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type * as ad from "../../gen/openpit/sidecar/v1/admin_pb.js";
import { ACCOUNT, OTHER_ACCOUNT, holdingsOf, order, seed, startHarness, type Harness } from "./harness.js";
import { as, fill, handleId, json } from "./results.js";

/** The first channel of a fresh harness is channel 1; its handles count up from seq 1. */
const id = (seq: bigint) => handleId(1n, seq);

const BUY_10_AT_100 = {
  lock: { prices: [{ price: "100" }] },
  accountAdjustments: [
    { asset: "USD", balance: { delta: "-1000", absolute: "9000" }, held: { delta: "1000", absolute: "1000" } },
    { asset: "AAPL", incoming: { delta: "10", absolute: "10" } },
  ],
};

const UNTOUCHED = { USD: { available: "10000", held: "0", incoming: "0" } };

describe("account channel: every command", () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness();
  });
  afterEach(async () => {
    await h.close();
  });

  const state = (accountId = ACCOUNT) => h.admin<ad.GetAccountStateResponse>("getAccountState", { accountId });

  it("bindAccounts pins accounts to the channel; releaseAccounts unpins them", async () => {
    const ch = h.channel();
    expect(json(await ch.one({ case: "bindAccounts", value: { accountIds: [ACCOUNT, OTHER_ACCOUNT] } }))).toEqual({ bind: {} });
    expect((await state(ACCOUNT)).pinnedChannelId).toBe(1n);
    expect((await state(OTHER_ACCOUNT)).pinnedChannelId).toBe(1n);

    expect(json(await ch.one({ case: "releaseAccounts", value: { accountIds: [ACCOUNT] } }))).toEqual({ bind: {} });
    expect((await state(ACCOUNT)).pinnedChannelId).toBe(0n);
    expect((await state(OTHER_ACCOUNT)).pinnedChannelId).toBe(1n);
  });

  it("startPreTrade → executeRequest → commitReservation reserves and keeps the hold", async () => {
    const ch = h.channel();
    await ch.send(seed("USD", "10000"));
    const start = await ch.one({ case: "startPreTrade", value: { order: order({ qty: "10", price: "100" }) } });
    expect(json(start)).toEqual({ start: { accepted: true, requestId: id(1n).toString() } });
    // The start stage holds nothing; only the main stage does.
    expect(await holdingsOf(h)).toEqual(UNTOUCHED);

    const exec = await ch.one({ case: "executeRequest", value: { requestId: id(1n) } });
    expect(json(exec)).toEqual({ execute: { accepted: true, reservationId: id(2n).toString(), ...BUY_10_AT_100 } });
    expect((await state()).openReservations.map((r) => [r.channelId, r.reservationId])).toEqual([[1n, id(2n)]]);

    expect(json(await ch.one({ case: "commitReservation", value: { reservationId: id(2n) } }))).toEqual({ finalize: { id: id(2n).toString() } });
    expect((await state()).openReservations).toEqual([]);
    expect(await holdingsOf(h)).toEqual({
      USD: { available: "9000", held: "1000", incoming: "0" },
      AAPL: { available: "0", held: "0", incoming: "10" },
    });
  });

  it("startPreTrade → discardRequest abandons the request and consumes its handle", async () => {
    const ch = h.channel();
    await ch.send(seed("USD", "10000"));
    expect(as(await ch.one({ case: "startPreTrade", value: { order: order() } }), "start").requestId).toBe(id(1n));
    expect(json(await ch.one({ case: "discardRequest", value: { requestId: id(1n) } }))).toEqual({ finalize: { id: id(1n).toString() } });

    const again = await ch.one({ case: "executeRequest", value: { requestId: id(1n) } });
    expect(json(again)).toEqual({
      error: {
        code: "ERROR_CODE_HANDLE_CONSUMED",
        message: `commands[0].execute_request.request_id: handle ${id(1n)} was already used, expired or fenced`,
        field: "commands[0].execute_request.request_id",
      },
    });
    expect(await holdingsOf(h)).toEqual(UNTOUCHED);
  });

  it("executePreTrade leaves a reservation open, or commits at once with commitOnAccept", async () => {
    const ch = h.channel();
    await ch.send(seed("USD", "10000"));
    const open = await ch.one({ case: "executePreTrade", value: { order: order({ qty: "10", price: "100" }) } });
    expect(json(open)).toEqual({ execute: { accepted: true, reservationId: id(1n).toString(), ...BUY_10_AT_100 } });

    const committed = await ch.one({ case: "executePreTrade", value: { order: order({ qty: "5", price: "100" }), commitOnAccept: true } });
    // No handle: there is nothing left to commit or roll back.
    expect(json(committed)).toEqual({
      execute: {
        accepted: true,
        committed: true,
        lock: { prices: [{ price: "100" }] },
        accountAdjustments: [
          { asset: "USD", balance: { delta: "-500", absolute: "8500" }, held: { delta: "500", absolute: "1500" } },
          { asset: "AAPL", incoming: { delta: "5", absolute: "15" } },
        ],
      },
    });
    expect((await state()).openReservations.map((r) => r.reservationId)).toEqual([id(1n)]);
  });

  it("rollbackReservation returns the held funds", async () => {
    const ch = h.channel();
    await ch.send(seed("USD", "10000"));
    await ch.one({ case: "executePreTrade", value: { order: order({ qty: "10", price: "100" }) } });
    expect(await holdingsOf(h)).toMatchObject({ USD: { available: "9000", held: "1000" } });

    const rollback = await ch.one({ case: "rollbackReservation", value: { reservationId: id(1n) } });
    expect(json(rollback)).toEqual({ finalize: { id: id(1n).toString() } });
    // SpotFunds prunes the all-zero AAPL slot once the incoming 10 is undone.
    expect(await holdingsOf(h)).toEqual(UNTOUCHED);
    expect((await state()).openReservations).toEqual([]);
  });

  it("dry runs report what a real order would do and change nothing", async () => {
    const ch = h.channel();
    await ch.send(seed("USD", "10000"));
    const startDry = await ch.one({ case: "startPreTradeDryRun", value: { order: order({ qty: "10", price: "100" }) } });
    // The start stage alone never reaches SpotFunds: no lock price, no adjustments.
    expect(json(startDry)).toEqual({ dryRun: { pass: true, lock: {} } });

    const fullDry = await ch.one({ case: "executePreTradeDryRun", value: { order: order({ qty: "10", price: "100" }) } });
    expect(json(fullDry)).toEqual({ dryRun: { pass: true, ...BUY_10_AT_100 } });

    const failing = await ch.one({ case: "executePreTradeDryRun", value: { order: order({ qty: "101", price: "100" }) } });
    expect(json(failing)).toEqual({
      dryRun: {
        lock: {},
        rejects: [
          {
            policy: "SpotFundsPolicy",
            code: "REJECT_CODE_INSUFFICIENT_FUNDS",
            reason: "spot funds insufficient",
            details: "asset USD: available 10000, requested 10100",
            scope: "REJECT_SCOPE_ORDER",
          },
        ],
      },
    });
    expect(await holdingsOf(h)).toEqual(UNTOUCHED);
    expect((await state()).openReservations).toEqual([]);

    // The dry run's numbers are exactly those of the real reservation that follows.
    const real = await ch.one({ case: "executePreTrade", value: { order: order({ qty: "10", price: "100" }) } });
    expect(json(real)).toEqual({ execute: { accepted: true, reservationId: id(1n).toString(), ...BUY_10_AT_100 } });
  });

  it("executePreTradeDropCopy ignores rejects, keeps the effects and reports the block it latched", async () => {
    const ch = h.channel();
    await ch.send(seed("USD", "500"));
    // The broker barrier is -1000: an account at -1500 breaches it at the start stage.
    await h.admin("setPnlAccumulator", { policyName: "PnlBoundsKillSwitchPolicy", accountId: ACCOUNT, settlementAsset: "USD", pnl: "-1500" });

    const drop = await ch.one({ case: "executePreTradeDropCopy", value: { order: order({ qty: "10", price: "100" }) } });
    const block = {
      policy: "PnlBoundsKillSwitchPolicy",
      code: "REJECT_CODE_ACCOUNT_BLOCKED",
      reason: "pnl kill switch triggered: broker barrier",
      details: "lower bound breached: realized pnl -1500, lower_bound Some(Pnl(-1000)), upper_bound None, settlement asset USD",
    };
    // SpotFunds runs TrackOnly for a drop copy: the 1000 hold drives available negative.
    expect(json(drop)).toEqual({
      dropCopy: {
        reservationId: id(1n).toString(),
        lock: { prices: [{ price: "100" }] },
        accountAdjustments: [
          { asset: "USD", balance: { delta: "-1000", absolute: "-500" }, held: { delta: "1000", absolute: "1000" } },
          { asset: "AAPL", incoming: { delta: "10", absolute: "10" } },
        ],
        accountBlock: block,
        isAccountBlocked: true,
      },
    });
    expect(await holdingsOf(h)).toMatchObject({ USD: { available: "-500", held: "1000" } });

    // The latched block now stops normal orders, before any policy runs.
    const next = await ch.one({ case: "executePreTrade", value: { order: order({ qty: "1", price: "1" }) } });
    expect(json(next)).toEqual({ execute: { rejects: [{ ...block, scope: "REJECT_SCOPE_ACCOUNT" }] } });
    expect((await state()).block).toMatchObject({ policy: block.policy, reason: block.reason, details: block.details });

    const committed = await ch.one({
      case: "executePreTradeDropCopy",
      value: { order: order({ qty: "1", price: "100" }), commitOnAccept: true },
    });
    expect(as(committed, "dropCopy")).toMatchObject({ reservationId: 0n, committed: true });
  });

  it("applyExecutionReport on the channel applies a fill and answers its post-trade result", async () => {
    const ch = h.channel();
    await ch.send(seed("USD", "10000"));
    await ch.one({ case: "executePreTrade", value: { order: order({ qty: "10", price: "100" }), commitOnAccept: true } });

    // Filled at 99 against a lock of 100: the 10 saved returns to available.
    const post = await ch.one({ case: "applyExecutionReport", value: { report: fill({ qty: "10", price: "99" }) } });
    expect(json(post)).toEqual({
      postTrade: {
        accountAdjustments: [
          { asset: "AAPL", balance: { delta: "10", absolute: "10" }, incoming: { delta: "-10", absolute: "0" }, averageEntryPrice: "99" },
          { asset: "USD", balance: { delta: "10", absolute: "9010" }, held: { delta: "-1000", absolute: "0" } },
        ],
      },
    });
    expect(await holdingsOf(h)).toEqual({
      USD: { available: "9010", held: "0", incoming: "0" },
      AAPL: { available: "10", held: "0", incoming: "0" },
    });
  });

  it("applyAccountAdjustment applies a batch, or rolls all of it back and names the failing index", async () => {
    const ch = h.channel();
    expect(json(await ch.one(seed("USD", "10000")))).toEqual({
      adjustment: { accepted: true, outcomes: [{ asset: "USD", balance: { delta: "10000", absolute: "10000" } }] },
    });

    const failing = await ch.one({
      case: "applyAccountAdjustment",
      value: {
        accountId: ACCOUNT,
        adjustments: [
          { operation: { case: "balance", value: { asset: "USD" } }, balanceAmount: { amount: { case: "delta", value: "500" } } },
          {
            operation: { case: "balance", value: { asset: "USD" } },
            balanceAmount: { amount: { case: "delta", value: "-20000" } },
            balanceLower: "0",
          },
        ],
      },
    });
    expect(json(failing)).toEqual({
      adjustment: {
        failedIndex: 1,
        rejects: [
          {
            policy: "SpotFundsPolicy",
            code: "REJECT_CODE_ACCOUNT_ADJUSTMENT_BOUNDS_EXCEEDED",
            reason: "account adjustment bounds exceeded",
            details: "asset USD: balance -9500, lower Some(PositionSize(0)), upper None",
            scope: "REJECT_SCOPE_ACCOUNT",
          },
        ],
      },
    });
    // The +500 of element 0 was compensated; adjustment rejects latch no block.
    expect(await holdingsOf(h)).toEqual(UNTOUCHED);
    expect((await state()).block).toBeUndefined();
  });

  it("answers a batch of commands in one response, in command order", async () => {
    const ch = h.channel();
    const results = await ch.send(
      seed("USD", "1500"),
      { case: "executePreTrade", value: { order: order({ qty: "10", price: "100" }) } },
      { case: "executePreTrade", value: { order: order({ qty: "6", price: "100" }) } },
      { case: "startPreTradeDryRun", value: { order: order({ qty: "1", price: "100" }) } },
      { case: "rollbackReservation", value: { reservationId: id(1n) } },
      { case: "executePreTrade", value: { order: order({ qty: "6", price: "100" }) } },
    );
    expect(results.map((r) => r.result.case)).toEqual(["adjustment", "execute", "execute", "dryRun", "finalize", "execute"]);
    expect(as(results[1], "execute")).toMatchObject({ accepted: true, reservationId: id(1n) });
    // Command 2 sees command 1's hold: 500 left of 1500.
    expect(json(results[2])).toEqual({
      execute: {
        rejects: [
          {
            policy: "SpotFundsPolicy",
            code: "REJECT_CODE_INSUFFICIENT_FUNDS",
            reason: "spot funds insufficient",
            details: "asset USD: available 500, requested 600",
            scope: "REJECT_SCOPE_ORDER",
          },
        ],
      },
    });
    expect(as(results[4], "finalize").id).toBe(id(1n));
    // After the rollback in command 4 the same order fits.
    expect(as(results[5], "execute")).toMatchObject({ accepted: true, reservationId: id(2n) });
    expect(await holdingsOf(h)).toMatchObject({ USD: { available: "900", held: "600" } });
  });
});
