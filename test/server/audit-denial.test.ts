/** How a refused call becomes an audit record: the allowed change's action name, the path in the detail, the account it named. */
import { describe, expect, it } from "vitest";
import { AccountId } from "../../src/param/index.js";
import { auditDenialOf } from "../../src/server/services/audit-denial.js";

describe("auditDenialOf", () => {
  it("names an admin method as the trail names the allowed change", () => {
    expect(auditDenialOf({ actor: "mallory", action: "/openpit.sidecar.v1.AdminService/BlockAccount", detail: "refused", reason: "PERMISSION_DENIED" })).toEqual({
      actor: "mallory",
      action: "blockAccount",
      detail: "refused (/openpit.sidecar.v1.AdminService/BlockAccount)",
      reason: "PERMISSION_DENIED",
    });
    // Allowed quote streams are recorded tick by tick as pushQuote: a refused one too.
    expect(auditDenialOf({ actor: "mallory", action: "/openpit.sidecar.v1.AdminService/StreamQuotes", detail: "refused", reason: "PERMISSION_DENIED" }).action).toBe("pushQuote");
  });

  it("keeps a refused command's kind and the account it named", () => {
    const denial = auditDenialOf({
      actor: "gateway-a",
      action: "/openpit.sidecar.v1.AccountChannelService/Open orders",
      detail: "commands[0].execute_pre_trade.order.account_id: principal 'gateway-a' may not use account 77",
      reason: "PERMISSION_DENIED",
      accountIds: [AccountId.fromU64(77)],
    });
    expect(denial).toMatchObject({ action: "open orders", accountIds: [AccountId.fromU64(77)] });
  });
});
