/** RestrictedListPolicy: deny and sell-only entries per account, group and global; settings; runtime change; snapshot. */
import { describe, expect, it } from "vitest";
import { Engine, ManualClock, SettingsValidationError } from "../../src/engine/index.js";
import { TradeAmount, type Order } from "../../src/model/index.js";
import { AccountGroupId, instrument, Price, Quantity, type AccountId, type Instrument, type Side } from "../../src/param/index.js";
import { parseRestrictedListSettingsJson, RestrictedListPolicy, type RestrictedListSettings } from "../../src/policies/index.js";
import { AAPL_USD, ACCOUNT, OTHER_ACCOUNT, SAP_EUR, onlyReject } from "../helpers/start-policies.js";

const AAPL_EUR = instrument("AAPL", "EUR");

function build(json: unknown) {
  const policy = new RestrictedListPolicy(parseRestrictedListSettingsJson(json));
  const engine = Engine.builder().clock(new ManualClock(0)).policy(policy).build();
  return { engine, policy };
}

function order(side: Side, inst: Instrument = AAPL_USD, account: AccountId = ACCOUNT): Order {
  return { operation: { instrument: inst, accountId: account, side, tradeAmount: TradeAmount.quantity(Quantity.fromString("1")), price: Price.fromString("10") } };
}

describe("RestrictedListPolicy", () => {
  // Found by review: checked at start only, a request started before a restriction reserved at execute as if nothing had changed.
  it("a two-stage request is checked again at execute: an instrument restricted meanwhile, or its account moved into a restricted group, stops it", () => {
    const { engine } = build({ entries: [{ groupId: 3, underlyingAsset: "AAPL", reason: "insider list" }] });
    const waiting = [engine.startPreTrade(order("BUY")), engine.startPreTrade(order("SELL", SAP_EUR))];
    engine.accounts().registerGroup([ACCOUNT], AccountGroupId.fromU32(3));
    engine.configure().update("RestrictedListPolicy", RestrictedListPolicy, (d) => {
      d.entries.push(...parseRestrictedListSettingsJson({ entries: [{ global: true, underlyingAsset: "SAP", reason: "M&A blackout" }] }).entries);
    });
    const [joined, restricted] = waiting.map((started) => (started.ok ? onlyReject(started.request.execute()) : started));
    expect(joined).toEqual({
      policy: "RestrictedListPolicy",
      code: "InstrumentRestricted",
      reason: "instrument restricted",
      details: "underlying AAPL is on a restricted list set on the account's group",
      scope: "order",
    });
    expect(restricted).toMatchObject({ code: "InstrumentRestricted", details: "underlying SAP is on a restricted list set globally", scope: "order" });
    // Lifted: a request started now goes through both stages.
    engine.configure().update("RestrictedListPolicy", RestrictedListPolicy, (d) => {
      d.entries = [];
    });
    const started = engine.startPreTrade(order("BUY"));
    expect(started.ok && started.request.execute().ok).toBe(true);
  });

  it("a global underlying entry denies every instrument on it, code InstrumentRestricted, never naming the account", () => {
    const { engine } = build({ entries: [{ global: true, underlyingAsset: "AAPL", reason: "M&A blackout" }] });
    for (const inst of [AAPL_USD, AAPL_EUR]) {
      expect(onlyReject(engine.executePreTrade(order("SELL", inst)))).toEqual({
        policy: "RestrictedListPolicy",
        code: "InstrumentRestricted",
        reason: "instrument restricted",
        details: "underlying AAPL is on a restricted list set globally",
        scope: "order",
      });
    }
    expect(engine.executePreTrade(order("BUY", SAP_EUR)).ok).toBe(true);
  });

  it("an account entry for one instrument covers only that account and that settlement asset", () => {
    const { engine } = build({ entries: [{ accountId: ACCOUNT.toString(), underlyingAsset: "AAPL", settlementAsset: "USD" }] });
    expect(onlyReject(engine.executePreTrade(order("BUY"))).details).toBe("AAPL/USD is on a restricted list set on the account");
    expect(engine.executePreTrade(order("BUY", AAPL_EUR)).ok).toBe(true);
    expect(engine.executePreTrade(order("BUY", AAPL_USD, OTHER_ACCOUNT)).ok).toBe(true);
  });

  it("sell only: buys are refused with InstrumentSellOnly, sells pass; a full deny wins over sell only", () => {
    const { engine } = build({ entries: [{ groupId: 7, underlyingAsset: "AAPL", sellOnly: true }] });
    engine.accounts().registerGroup([ACCOUNT], AccountGroupId.fromU32(7));
    expect(onlyReject(engine.executePreTrade(order("BUY")))).toEqual({
      policy: "RestrictedListPolicy",
      code: "InstrumentSellOnly",
      reason: "instrument is sell only",
      details: "underlying AAPL is on a restricted list set on the account's group as sell only: buys are refused",
      scope: "order",
    });
    expect(engine.executePreTrade(order("SELL")).ok).toBe(true);
    expect(engine.executePreTrade(order("BUY", AAPL_USD, OTHER_ACCOUNT)).ok).toBe(true);
    const both = build({ entries: [{ global: true, underlyingAsset: "AAPL", sellOnly: true }, { accountId: ACCOUNT.toString(), underlyingAsset: "AAPL" }] });
    expect(onlyReject(both.engine.executePreTrade(order("SELL"))).code).toBe("InstrumentRestricted");
  });

  it("runtime change replaces the list; dry runs answer alike; snapshots restore it", () => {
    const { engine } = build({});
    expect(engine.executePreTrade(order("BUY")).ok).toBe(true);
    engine.configure().update("RestrictedListPolicy", RestrictedListPolicy, (d: RestrictedListSettings) => {
      d.entries = parseRestrictedListSettingsJson({ entries: [{ global: true, underlyingAsset: "AAPL", settlementAsset: "USD" }] }).entries;
    });
    expect(engine.executePreTradeDryRun(order("BUY")).rejects.map((r) => r.code)).toEqual(["InstrumentRestricted"]);
    const fresh = build({});
    fresh.engine.restoreState(engine.snapshotState());
    expect(onlyReject(fresh.engine.executePreTrade(order("SELL"))).code).toBe("InstrumentRestricted");
  });

  it("validates its settings naming the field", () => {
    const error = (json: unknown) => {
      try {
        parseRestrictedListSettingsJson(json, "s");
        return "no error";
      } catch (e) {
        if (e instanceof SettingsValidationError) return e.message;
        throw e;
      }
    };
    expect(error({ entries: [{ global: true }] })).toBe("s.entries[0].underlyingAsset: must be a string");
    expect(error({ entries: [{ global: true, underlyingAsset: "A", sellOnly: "yes" }] })).toBe("s.entries[0].sellOnly: must be true or false");
    expect(error({ entries: [{ global: true, underlyingAsset: "A" }, { global: true, underlyingAsset: "A" }] })).toBe("s.entries[1]: repeats an earlier entry's scope");
    expect(error({ entries: [{ underlyingAsset: "A" }] })).toBe("s.entries[0]: must name exactly one of accountId, groupId, global");
  });
});
