/**
 * `QueryAudit{account_id}` finds the ConfigurePolicy that changed that account's entry: a
 * record names the accounts its request's settings name and those whose entries the change
 * altered (one removed is named only before), applied or refused in the door. Its `account_ids` was
 * empty for every ConfigurePolicy (found by review).
 */
import { afterEach, describe, expect, it } from "vitest";
import type * as ad from "../../gen/openpit/sidecar/v1/admin_pb.js";
import { AuditOutcome } from "../../gen/openpit/sidecar/v1/audit_pb.js";
import { startHarness, type Harness } from "./harness.js";
import { controlsConfig } from "./controls-world.js";

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const configure = (settings: unknown, expected?: unknown) =>
  h!.admin("configurePolicy", { policyName: "MaxOpenOrdersPolicy", settingsJson: JSON.stringify(settings), expectedSettingsJson: expected === undefined ? "" : JSON.stringify(expected) }).then(
    () => "applied",
    () => "refused",
  );
const byAccount = async (accountId: bigint) =>
  (await h!.admin<ad.QueryAuditResponse>("queryAudit", { accountId })).records.map((r) => [r.action, r.outcome, r.accountIds]);

describe("ConfigurePolicy in the audit trail's account filter", () => {
  it("names the accounts set, removed and refused", async () => {
    h = await startHarness(controlsConfig([{ type: "MaxOpenOrdersPolicy", settings: { default: { maxOpenOrders: 5 } } }]));
    const set = { default: { maxOpenOrders: 5 }, accounts: [{ accountId: 7, limit: { maxOpenOrders: 1000 } }, { accountId: "8", limit: { maxOpenOrders: 10 } }] };
    expect(await configure(set)).toBe("applied");
    // Account 8's entry removed: named (it was in the settings before), 7's kept as it was: named by the request.
    expect(await configure({ default: { maxOpenOrders: 5 }, accounts: [{ accountId: 7, limit: { maxOpenOrders: 1000 } }] })).toBe("applied");
    // Refused in the door (a compare-and-set against settings that changed since): the
    // attempt on account 9 is found all the same.
    expect(await configure({ default: { maxOpenOrders: 5 }, accounts: [{ accountId: 9, limit: { maxOpenOrders: 1 } }] }, set)).toBe("refused");
    const applied = AuditOutcome.APPLIED;
    expect(await byAccount(7n)).toEqual([
      ["configurePolicy", applied, [7n, 8n]],
      ["configurePolicy", applied, [7n, 8n]],
    ]);
    expect(await byAccount(8n)).toEqual([
      ["configurePolicy", applied, [7n, 8n]],
      ["configurePolicy", applied, [7n, 8n]],
    ]);
    expect(await byAccount(9n)).toEqual([["configurePolicy", AuditOutcome.FAILED, [9n]]]);
    expect(await byAccount(10n)).toEqual([]);
  });
});
