/**
 * Found by review: `block` / `unblock ACCOUNT --json` left out whose the block in force is.
 * The table said `account 500: group 5 blocked (Engine): desk closed` after `unblock 500`
 * (its own block gone, its group's still there), while the JSON held only `block`, which read
 * as the account's own block still in force. The JSON now carries `blockScope` (and the
 * account's `groupId`) as `accounts --json` names them.
 */
import { afterEach, describe, expect, it } from "vitest";
import { startHarness, testConfig, type Harness } from "../server/harness.js";
import { cliAgainst } from "./run-captured.js";

describe("block and unblock ACCOUNT --json", () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });
  const { run, json } = cliAgainst(() => h!.address);

  it("say whose the block in force is, as the table does and as accounts --json names it", async () => {
    h = await startHarness(testConfig({ accounts: { defaultCurrency: "USD", list: [{ id: 500, group: 5 }, { id: 77 }] } }));
    await h.admin("blockGroup", { groupId: 5, reason: "desk closed" });
    await h.admin("blockAccount", { accountId: 500n, reason: "compliance hold" });
    const engineBlock = (reason: string) => ({ policy: "Engine", code: "REJECT_CODE_ACCOUNT_BLOCKED", reason, details: reason });

    // Its own block is the one in force (the account's first), its group's under it.
    expect(await json("block", "500", "--reason", "another")).toEqual({ accountId: "500", block: engineBlock("compliance hold"), blockScope: "BLOCK_SCOPE_ACCOUNT", groupId: 5 });
    // Unblocked, it is still blocked: by its group.
    expect(await run("unblock", "500")).toEqual({ code: 0, err: "", out: "account 500: group 5 blocked (Engine): desk closed\n" });
    expect(await json("unblock", "500")).toEqual({ accountId: "500", block: engineBlock("desk closed"), blockScope: "BLOCK_SCOPE_GROUP", groupId: 5 });
    const listed = (await json("accounts")) as { accounts: Record<string, unknown>[] };
    expect(listed.accounts.find((a) => a.accountId === "500")).toMatchObject({ block: engineBlock("desk closed"), blockScope: "BLOCK_SCOPE_GROUP", groupId: 5 });
    // In no group and not blocked: neither field.
    expect(await json("unblock", "77")).toEqual({ accountId: "77" });
  });
});
