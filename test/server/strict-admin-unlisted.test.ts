/**
 * Found by review (session 40): with `accounts.strict`, an admin change naming an account the
 * list does not hold was applied and answered OK: `BlockAccount 99224461` for 99224416
 * "succeeded" while the account meant kept trading, and the typed id was listed from then on.
 * A change that sets a control on such an account is refused UNKNOWN_NAME (NOT_FOUND), as its
 * orders and reports are; changes that only undo stay open.
 */
import { describe, expect, it } from "vitest";
import { status } from "@grpc/grpc-js";
import type * as op from "../../gen/openpit/sidecar/v1/operator_pb.js";
import { ACCOUNT, OTHER_ACCOUNT, testConfig } from "./harness.js";
import { adminFailure } from "./results.js";
import { sidecarsPerTest } from "./controls-world.js";

const STRICT = testConfig({
  accounts: { strict: true, defaultCurrency: "USD", list: [{ id: OTHER_ACCOUNT.toString() }] },
  policies: [{ type: "SpotFundsPolicy" }, { type: "TradingStatePolicy", settings: { states: [] } }],
});

describe("accounts.strict: admin changes naming an account the list does not hold", () => {
  const s = sidecarsPerTest();

  it.each([
    ["blockAccount", { accountId: ACCOUNT, reason: "stop" }, "account_id"],
    ["replaceAccountBlockReason", { accountId: ACCOUNT, reason: "stop" }, "account_id"],
    ["registerGroup", { accountIds: [OTHER_ACCOUNT, ACCOUNT], groupId: 3 }, "account_ids[1]"],
    ["setAccountCurrency", { accountId: ACCOUNT, currency: "EUR" }, "account_id"],
    ["setSpotFundsAccountPnl", { policyName: "SpotFundsPolicy", accountId: ACCOUNT, state: { state: { case: "value", value: "-5" } } }, "account_id"],
    ["setTradingState", { scope: { scope: { case: "accountId", value: ACCOUNT } }, state: 3, reason: "halt" }, "scope.account_id"],
  ] as const)("%s is refused UNKNOWN_NAME and leaves the account unknown", async (method, request, field) => {
    const h = await s.harness(STRICT);
    expect(await adminFailure(h, method, request)).toEqual([status.NOT_FOUND, `${field}: account is not configured on this sidecar`, "UNKNOWN_NAME"]);
    const listed = await h.admin<op.ListAccountsResponse>("listAccounts", {});
    expect(listed.accounts.map((a) => a.accountId)).toEqual([OTHER_ACCOUNT]);
  });

  it("changes that only undo, and changes on a listed account, are answered", async () => {
    const h = await s.harness(STRICT);
    await h.admin("unblockAccount", { accountId: ACCOUNT });
    await h.admin("setAccountCurrency", { accountId: ACCOUNT });
    await h.admin("blockAccount", { accountId: OTHER_ACCOUNT, reason: "listed" });
    const listed = await h.admin<op.ListAccountsResponse>("listAccounts", {});
    expect(listed.accounts.map((a) => [a.accountId, a.block?.reason])).toEqual([[OTHER_ACCOUNT, "listed"]]);
  });

  // Found by review (session 40, of 36c7692): ConfigurePolicy took the halt SetTradingState refuses.
  it("ConfigurePolicy refuses a new account entry for an unlisted account; entries in force and listed accounts pass", async () => {
    const h = await s.harness(
      testConfig({
        accounts: { strict: true, defaultCurrency: "USD", list: [{ id: OTHER_ACCOUNT.toString() }] },
        policies: [
          { type: "TradingStatePolicy", settings: { states: [{ accountId: 55, state: "HALTED", reason: "from the file" }] } },
          { type: "RestrictedListPolicy", settings: { entries: [] } },
        ],
      }),
    );
    const halt = (ids: readonly bigint[]) => JSON.stringify({ states: ids.map((id) => ({ accountId: id.toString(), state: "HALTED", reason: "halt" })) });
    expect(await adminFailure(h, "configurePolicy", { policyName: "TradingStatePolicy", settingsJson: halt([55n, ACCOUNT]) })).toEqual([
      status.NOT_FOUND,
      "settings_json.states[1].accountId: account is not configured on this sidecar",
      "UNKNOWN_NAME",
    ]);
    const restrict = JSON.stringify({ entries: [{ accountId: ACCOUNT.toString(), underlyingAsset: "AAPL" }] });
    expect(await adminFailure(h, "configurePolicy", { policyName: "RestrictedListPolicy", settingsJson: restrict })).toEqual([
      status.NOT_FOUND,
      "settings_json.entries[0].accountId: account is not configured on this sidecar",
      "UNKNOWN_NAME",
    ]);
    // 55 is in force (the file named it) and OTHER_ACCOUNT is listed.
    await h.admin("configurePolicy", { policyName: "TradingStatePolicy", settingsJson: halt([55n, OTHER_ACCOUNT]) });
    const shown = await h.admin<{ settingsJson: string }>("getPolicySettings", { policyName: "TradingStatePolicy" });
    expect((JSON.parse(shown.settingsJson) as { states: { accountId: string }[] }).states.map((e) => e.accountId)).toEqual(["55", OTHER_ACCOUNT.toString()]);
  });
});
