/**
 * Restricted lists through the wire: deny entries (INSTRUMENT_RESTRICTED 31) and sell-only
 * entries (INSTRUMENT_SELL_ONLY 52) per account, group or global, changed at runtime by
 * ConfigurePolicy, in dry run as for real, and after a restart in durable mode.
 */
import { status } from "@grpc/grpc-js";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import * as pb from "../../gen/openpit/sidecar/v1/types_pb.js";
import { ACCOUNT, OTHER_ACCOUNT, order, startHarness, type Harness } from "./harness.js";
import { adminFailure, as } from "./results.js";
import { controlsConfig, DurableSidecars } from "./controls-helpers.js";

const LIST = { entries: [{ accountId: ACCOUNT.toString(), underlyingAsset: "AAPL", settlementAsset: "USD", sellOnly: true, reason: "insider list" }] };
const CONFIG = controlsConfig([{ type: "RestrictedListPolicy", settings: LIST }]);
const execute = (side: pb.Side, accountId = ACCOUNT) => ({ case: "executePreTrade", value: { order: order({ qty: "1", side, accountId }), commitOnAccept: true } }) as const;
const rejects = (r: Parameters<typeof as>[0]) => as(r, "execute").rejects.map((x) => [x.policy, x.code, x.reason, x.details]);

describe("restricted lists through the wire", () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness(CONFIG);
  });
  afterEach(async () => {
    await h.close();
  });

  it("sell only for the account: buy rejected with code 52, sell passes, other accounts unaffected; dry run alike", async () => {
    const c = h.channel();
    const [buy, sell, other, dry] = await c.send(execute(pb.Side.BUY), execute(pb.Side.SELL), execute(pb.Side.BUY, OTHER_ACCOUNT), {
      case: "executePreTradeDryRun",
      value: { order: order({ qty: "1" }) },
    });
    expect(rejects(buy)).toEqual([
      ["RestrictedListPolicy", pb.RejectCode.INSTRUMENT_SELL_ONLY, "instrument is sell only", "AAPL/USD is on a restricted list set on the account as sell only: buys are refused"],
    ]);
    expect(pb.RejectCode.INSTRUMENT_SELL_ONLY).toBe(52);
    expect(as(sell, "execute").accepted).toBe(true);
    expect(as(other, "execute").accepted).toBe(true);
    expect(as(dry, "dryRun").rejects.map((r) => r.code)).toEqual([pb.RejectCode.INSTRUMENT_SELL_ONLY]);
  });

  it("a runtime change (ConfigurePolicy) restricts the underlying globally: code 31 for everyone", async () => {
    await h.admin("configurePolicy", { policyName: "RestrictedListPolicy", settingsJson: JSON.stringify({ entries: [{ global: true, underlyingAsset: "AAPL" }] }) });
    const [mine, other] = await h.channel().send(execute(pb.Side.SELL), execute(pb.Side.SELL, OTHER_ACCOUNT));
    for (const r of [mine, other]) {
      expect(rejects(r)).toEqual([["RestrictedListPolicy", pb.RejectCode.INSTRUMENT_RESTRICTED, "instrument restricted", "underlying AAPL is on a restricted list set globally"]]);
    }
    expect(pb.RejectCode.INSTRUMENT_RESTRICTED).toBe(31);
  });

  it("a bad list is refused naming the field, and the old one stays", async () => {
    const [code, message] = await adminFailure(h, "configurePolicy", { policyName: "RestrictedListPolicy", settingsJson: '{"entries":[{"global":true}]}' });
    expect([code, message]).toEqual([status.INVALID_ARGUMENT, "settings_json.entries[0].underlyingAsset: must be a string"]);
    expect(rejects(await h.channel().one(execute(pb.Side.BUY)))[0]?.[1]).toBe(pb.RejectCode.INSTRUMENT_SELL_ONLY);
  });
});

describe("restricted lists after a restart in durable mode", () => {
  const sidecars = new DurableSidecars();
  afterEach(async () => {
    await sidecars.cleanup();
  });

  it("the list changed at runtime comes back from the journal", async () => {
    const dir = sidecars.dataDir();
    const first = await sidecars.start(dir, CONFIG, 1_000);
    await first.admin("configurePolicy", { policyName: "RestrictedListPolicy", settingsJson: JSON.stringify({ entries: [{ groupId: 3, underlyingAsset: "AAPL" }] }) });
    await first.admin("registerGroup", { accountIds: [OTHER_ACCOUNT], groupId: 3 });
    await first.crash();
    const second = await sidecars.start(dir, CONFIG, 2_000);
    const [mine, other] = await second.channel().send(execute(pb.Side.BUY), execute(pb.Side.SELL, OTHER_ACCOUNT));
    expect(as(mine, "execute").accepted).toBe(true);
    expect(rejects(other)[0]?.[3]).toBe("underlying AAPL is on a restricted list set on the account's group");
  });
});
