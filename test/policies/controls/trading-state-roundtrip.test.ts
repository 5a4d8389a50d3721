/** Written by review (it passed on the code as it was): trading states set by the operator survive a snapshot (through plain data) and keep applying. */
import { describe, expect, it } from "vitest";
import type { Engine } from "../../../src/engine/index.js";
import { AccountGroupId } from "../../../src/param/index.js";
import { RestrictedListPolicy, TradingStatePolicy, parseRestrictedListSettingsJson, parseTradingStateSettingsJson } from "../../../src/policies/index.js";
import { fromPlain, toPlain } from "../../../src/state/plain-data.js";
import { ACCOUNT, OTHER, order, submit, world } from "../../helpers/controls.js";

function build() {
  const ts = new TradingStatePolicy(parseTradingStateSettingsJson({ states: [] }));
  const rl = new RestrictedListPolicy(parseRestrictedListSettingsJson({ entries: [{ accountId: Number(OTHER), underlyingAsset: "MSFT" }] }));
  const w = world(() => [ts, rl]);
  return { ...w, ts };
}

describe("TradingStatePolicy snapshot", () => {
  it("round trip", () => {
    const live = build();
    live.engine.accounts().registerGroup([OTHER], AccountGroupId.fromU32(5));
    live.ts.setState({ kind: "account", accountId: ACCOUNT }, "REDUCING", "a");
    live.ts.setState({ kind: "group", group: AccountGroupId.fromU32(5) }, "HALTED", "g");
    const snap = fromPlain(toPlain(live.engine.snapshotState())) as ReturnType<Engine["snapshotState"]>;
    const copy = build();
    copy.engine.restoreState(snap);
    expect(toPlain(copy.engine.snapshotState())).toEqual(toPlain(live.engine.snapshotState()));
    for (const w of [live, copy]) {
      expect(submit(w.engine, order()).map((r) => r.code)).toEqual(["TradingReducingOnly"]);
      expect(submit(w.engine, order({ account: OTHER })).map((r) => r.code)).toEqual(["TradingHalted"]);
      expect(w.ts.stateOf({ kind: "account", accountId: ACCOUNT })).toBe("REDUCING");
    }
    copy.ts.setState({ kind: "account", accountId: ACCOUNT }, "ACTIVE", "");
    expect(submit(copy.engine, order())).toEqual([]);
  });
});
