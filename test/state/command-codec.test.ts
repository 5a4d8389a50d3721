/**
 * Journal records: every command reads back as the same domain value (decimals with their
 * scale, ids, locks), through the compact forms and the plain-data fallback alike.
 */
import { describe, expect, it } from "vitest";
import { AccountGroupId, AccountId, Fee, InstrumentId, Leverage, Pnl, Price, Quantity, Volume } from "../../src/param/index.js";
import { PreTradeLock, type ExecutionReport, type Order } from "../../src/model/index.js";
import { decodeCommand, encodeCommand } from "../../src/state/command-codec.js";
import type { Command } from "../../src/state/commands.js";
import { toPlain } from "../../src/state/plain-data.js";
import { balanceAdjustment, buy, fillReport } from "../helpers/spot-funds.js";

const account = AccountId.fromU64(18446744073709551615n);
const lock = PreTradeLock.of([[0 as never, Price.fromString("185.50")], [7 as never, Price.fromString("-1.250")]]);

/** What the wire codec makes of a report: all four parts present. */
function wireReport(overrides: Partial<{ pnl: string; leaves: string; final: boolean; noAccount: boolean }> = {}): ExecutionReport {
  return {
    operation: { instrument: { underlyingAsset: "AAPL", settlementAsset: "USD" }, accountId: overrides.noAccount ? undefined : account, side: "SELL" },
    financialImpact: { pnl: overrides.pnl === undefined ? undefined : Pnl.fromString(overrides.pnl), fee: Fee.fromString("0.10") },
    fill: {
      lastTrade: { price: Price.fromString("185.2500"), quantity: Quantity.fromString("3") },
      fee: { amount: Fee.fromString("-0.01"), currency: "USD" },
      leavesQuantity: overrides.leaves === undefined ? undefined : Quantity.fromString(overrides.leaves),
      lock,
      isFinal: overrides.final,
    },
    positionImpact: { positionEffect: "CLOSE" as never, positionSide: undefined },
  };
}

const marketVolumeOrder: Order = {
  operation: { instrument: { underlyingAsset: "BTC", settlementAsset: "USD" }, accountId: account, side: "BUY", tradeAmount: { kind: "volume", value: Volume.fromString("1000.00") } },
};
const marginOrder: Order = { ...buy("1", "2"), margin: { leverage: Leverage.fromString("2.5"), collateralAsset: "USD", autoBorrow: true } };

/** Values compare through their tagged form: scale, ids and lock entries included; absent = undefined. */
const same = (c: Command) => JSON.stringify(toPlain(c));

const commands: Command[] = [
  {
    kind: "channel",
    ts: 1796164837615.0906,
    channel: 3n,
    commands: [
      { kind: "execute", order: buy("10.50", "185.25", { account }), commitOnAccept: true },
      { kind: "execute", order: buy("1", null, { account }), commitOnAccept: false },
      { kind: "start", order: marketVolumeOrder },
      { kind: "startDryRun", order: marginOrder },
      { kind: "executeDryRun", order: buy("0.001", "0.0001") },
      { kind: "dropCopy", order: buy("2", "3"), commitOnAccept: true },
      { kind: "commit", reservationId: (3n << 32n) | 1n },
      { kind: "rollback", reservationId: (3n << 32n) | 2n },
      { kind: "executeRequest", requestId: 12884901891n },
      { kind: "discardRequest", requestId: 12884901892n },
      { kind: "report", report: wireReport({ leaves: "0", final: true }) },
      { kind: "report", report: fillReport("BUY", "1", "100") },
      { kind: "adjust", accountId: account, adjustments: [balanceAdjustment("USD", { balance: ["abs", "100.00"], realizedPnl: { halted: "MissingFx" } })] },
      { kind: "bind", accountIds: [account, AccountId.fromU64(1)], takeover: true },
      { kind: "release", accountIds: [account] },
    ],
  },
  { kind: "feed", ts: 5, reports: [wireReport({ pnl: "-2000.5" }), wireReport({ noAccount: true }), fillReport("SELL", "2", "99.5", { fee: ["1.25", "USD"] })] },
  { kind: "openChannel", ts: 1 },
  { kind: "closeChannel", ts: 2, channel: 3n, reason: "recovery" },
  { kind: "expireReservations", ts: 3 },
  { kind: "admin", ts: 4, command: { kind: "pushQuote", target: { id: InstrumentId.fromU64(1) }, quote: { mark: Price.fromString("1.10"), bid: undefined, ask: undefined }, accountIds: [], groups: [AccountGroupId.fromU32(7)], patch: true } },
  { kind: "admin", ts: 4, command: { kind: "configurePolicy", policy: "OrderSizeLimitPolicy", settings: { broker: { maxQuantity: "3", maxNotional: "1000" } } } },
];

describe("journal records", () => {
  for (const c of commands) {
    it(`${c.kind}${c.kind === "admin" ? ` ${c.command.kind}` : ""} reads back as the same command`, () => {
      expect(same(decodeCommand(encodeCommand(c)))).toBe(same(c));
    });
  }

  it("a report's execution id stays in the compact form, last; a row without one reads back without the key", () => {
    const report = { ...fillReport("BUY", "1", "100", { account: AccountId.fromU64(42) }), executionId: "E-7" };
    const wire = { ...wireReport({ leaves: "2" }), executionId: "E|8" };
    const feed: Command = { kind: "feed", ts: 9, reports: [wire] };
    const text = new TextDecoder().decode(encodeCommand(feed));
    expect(text.startsWith('["f",9,[["18446744073709551615",')).toBe(true);
    expect(text.endsWith(',"CLOSE",null,"E|8"]]]')).toBe(true);
    expect(same(decodeCommand(encodeCommand(feed)))).toBe(same(feed));
    const channel: Command = { kind: "channel", ts: 1, channel: 1n, commands: [{ kind: "report", report }] };
    expect(same(decodeCommand(encodeCommand(channel)))).toBe(same(channel));
    // A record written before ids: fifteen fields, no executionId key at all (as the wire codec builds it).
    const old = decodeCommand(new TextEncoder().encode(text.replace(',"E|8"]]]', "]]]"))) as Extract<Command, { kind: "feed" }>;
    expect("executionId" in old.reports[0]!).toBe(false);
  });

  it("the hot shapes are compact: an execute record is a short positional array", () => {
    const bytes = encodeCommand({ kind: "channel", ts: 1, channel: 1n, commands: [{ kind: "execute", order: buy("10", "185.25", { account: AccountId.fromU64(42) }), commitOnAccept: true }] });
    expect(new TextDecoder().decode(bytes)).toBe('["c",1,"1",[["x",["42","AAPL","USD","B","q","10","185.25"],1]]]');
  });
});
