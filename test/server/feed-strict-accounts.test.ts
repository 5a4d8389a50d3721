/**
 * With `accounts.strict`, a report naming an account the list does not name is refused
 * UNKNOWN_NAME on the feed as on the channel (docs/configuration.md): before, the feed
 * applied it, created holdings for the account and listed it. Found by review.
 */
import { afterEach, describe, expect, it } from "vitest";
import { ErrorCode } from "../../gen/openpit/sidecar/v1/errors_pb.js";
import type * as op from "../../gen/openpit/sidecar/v1/operator_pb.js";
import { OTHER_ACCOUNT, startHarness, testConfig, type Harness } from "./harness.js";
import { feeReport } from "./results.js";

describe("feed: strict account list", () => {
  let h: Harness;
  afterEach(async () => {
    await h.close();
  });

  it("refuses a report on an unlisted account UNKNOWN_NAME, with the channel's text, and applies the listed ones around it", async () => {
    h = await startHarness(testConfig({ accounts: { strict: true, defaultCurrency: "USD", list: [{ id: OTHER_ACCOUNT.toString() }] } }));
    const UNLISTED = 424242n;
    const [viaChannel] = await h.channel().send({ case: "applyExecutionReport", value: { report: feeReport("1", UNLISTED) } });
    const channelError = viaChannel!.result.case === "error" ? viaChannel!.result.value : undefined;
    expect(channelError && { code: ErrorCode[channelError.code], message: channelError.message }).toEqual({
      code: "UNKNOWN_NAME",
      message: "commands[0].apply_execution_report.report.account_id: account is not configured on this sidecar",
    });

    const answers = await h.feed().publish(feeReport("1", OTHER_ACCOUNT), feeReport("1", UNLISTED), feeReport("2", OTHER_ACCOUNT));
    expect(
      answers.map((a) => (a.result.case === "error" ? { code: ErrorCode[a.result.value.code], field: a.result.value.field, message: a.result.value.message } : a.result.case)),
    ).toEqual([
      "postTrade",
      { code: "UNKNOWN_NAME", field: "reports[1].account_id", message: "reports[1].account_id: account is not configured on this sidecar" },
      "postTrade",
    ]);
    const listed = await h.admin<op.ListAccountsResponse>("listAccounts", {});
    expect(listed.accounts.map((a) => a.accountId)).toEqual([OTHER_ACCOUNT]);
  });
});
