/**
 * Found by review: ListAccounts "the known accounts (anything that names an account ...)" misses an
 * account whose only state is the engine's account book (a working order or a position from
 * fills) once no channel pins it — e.g. in fullSync, or after its gateway's channel ended.
 * GetAccountState/TradingState REDUCING/RetireAccount (@AccountBook NON_ZERO_STATE) all see it.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type * as op from "../../gen/openpit/sidecar/v1/operator_pb.js";
import * as rt from "../../gen/openpit/sidecar/v1/retirement_pb.js";
import { ACCOUNT, order, startHarness, type Harness } from "../server/harness.js";
import { as, fill } from "../server/results.js";
import { controlsConfig } from "../server/controls-helpers.js";

const CONFIG = controlsConfig([{ type: "TradingStatePolicy", settings: {} }], { syncMode: "fullSync" });

describe("ListAccounts and the account book", () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness(CONFIG);
  });
  afterEach(async () => {
    await h.close();
  });

  it("lists an account holding a position (the book refuses to retire it)", async () => {
    const c = h.channel();
    expect(as(await c.one({ case: "executePreTrade", value: { order: order({ qty: "1" }), commitOnAccept: true } }), "execute").accepted).toBe(true);
    await h.feed().publish({ ...fill({ qty: "1", price: "100" }) });
    const retire = await h.admin<rt.RetireAccountResponse>("retireAccount", { accountId: ACCOUNT });
    expect(retire.refusals.map((r) => r.policy)).toEqual(["@AccountBook"]);
    const page = await h.admin<op.ListAccountsResponse>("listAccounts", {});
    expect(page.accounts.map((a) => a.accountId)).toEqual([ACCOUNT]);
  });
});
