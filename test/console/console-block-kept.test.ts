/**
 * Found by review: BlockAccount keeps the block in force (the first cause wins) and answers {}
 * when the account is blocked already. On a row shown active (read up to 5 s before) whose
 * account was blocked meanwhile, the operator's Block changed nothing and the page said
 * nothing: they took their reason for the one in force (the CLI says "it was blocked already:
 * the first cause wins; --replace to re-word it"). After BlockAccount the page reads the row
 * again and says when the block in force is not the one sent; when that read fails, it says
 * the Block was applied, as a load's error (as Unblock's follow-up read).
 *
 * The page's timers wait for the test (pauseClock): the event of the block made meanwhile must
 * not refresh the page before the Block's own follow-up read does.
 */
import { describe, expect, it } from "vitest";
import { OTHER_ACCOUNT, seed } from "../server/harness.js";
import { chromiumReady, pauseClock, useConsolePage } from "./console-page.js";

describe.runIf(chromiumReady)("the console page: a Block that did not apply the operator's reason", () => {
  const c = useConsolePage();
  const row = () => c.page.locator(`tr[data-account="${OTHER_ACCOUNT}"]`);

  /** Opens the page on paused timers, with the account's row shown active. */
  async function open(): Promise<void> {
    const { h, port, page } = c;
    await h.channel().send(seed("USD", "2500", OTHER_ACCOUNT));
    await pauseClock(page);
    await page.goto(`http://127.0.0.1:${port}/console/`);
    await page.locator("#events-state", { hasText: "live" }).waitFor({ timeout: 10_000 });
    // The refresh the stream's opening schedules.
    await page.clock.runFor(200);
    await row().locator(".badge.ok").waitFor({ timeout: 10_000 });
  }

  async function block(reason: string): Promise<void> {
    await row().locator("input").fill(reason);
    await row().locator('button[data-action="block"]').click();
  }

  const reasonInForce = async () => (await c.h.admin<{ block?: { reason: string } }>("getAccountState", { accountId: OTHER_ACCOUNT })).block?.reason;

  it("an account blocked by another operator just before: the page says the earlier block is kept and the reason was not applied", async () => {
    const { h, page } = c;
    // Another operator blocks the account just before this page's BlockAccount reaches the sidecar.
    await page.route("**/console/api/admin/BlockAccount", async (route) => {
      await h.admin("blockAccount", { accountId: OTHER_ACCOUNT, reason: "compliance hold" });
      await route.continue();
    });
    await open();
    await block("fraud alert");
    await page.locator("#message", { hasText: "blocked already" }).waitFor({ timeout: 10_000 });
    expect(await page.locator("#message").textContent()).toBe(
      `account ${OTHER_ACCOUNT} was blocked already ("compliance hold"): the first cause wins, your reason was not applied (ReplaceAccountBlockReason re-words it)`,
    );
    // The Block's own refresh: the row shows the block in force.
    await row().locator(".badge.block", { hasText: "blocked: compliance hold" }).waitFor({ timeout: 10_000 });
    expect(await reasonInForce()).toBe("compliance hold");
    // An action's outcome: the next refresh does not clear it.
    await page.clock.runFor(200);
    await page.locator('#accounts[data-in-flight="0"]').waitFor({ state: "attached" });
    expect(await page.locator("#message").isVisible()).toBe(true);
  });

  it("a block lifted right after it was applied: the page says the account is not blocked", async () => {
    const { h, page } = c;
    await page.route("**/console/api/admin/BlockAccount", async (route) => {
      const response = await route.fetch();
      await h.admin("unblockAccount", { accountId: OTHER_ACCOUNT });
      await route.fulfill({ response });
    });
    await open();
    await block("fraud alert");
    await page.locator("#message", { hasText: `account ${OTHER_ACCOUNT}'s block was lifted since: it is not blocked` }).waitFor({ timeout: 10_000 });
    expect(await reasonInForce()).toBeUndefined();
  });

  it("a Block that applied says nothing", async () => {
    const { page } = c;
    await open();
    await block("fraud alert");
    await row().locator(".badge.block", { hasText: "blocked: fraud alert" }).waitFor({ timeout: 10_000 });
    await page.locator('#accounts[data-in-flight="0"]').waitFor({ state: "attached" });
    expect(await page.locator("#message").isHidden()).toBe(true);
    expect(await reasonInForce()).toBe("fraud alert");
  });

  it("the follow-up read failed: says the Block was applied, and the next refresh that works clears it", async () => {
    const { h, page } = c;
    let blocked = false;
    let refused = false;
    await page.route("**/console/api/admin/BlockAccount", async (route) => {
      blocked = true;
      await route.continue();
    });
    // The first read after the Block (its follow-up ListAccounts) is refused once.
    await page.route("**/console/api/admin/ListAccounts", async (route) => {
      if (!blocked || refused) return route.continue();
      refused = true;
      await route.fulfill({ status: 503, contentType: "application/json", body: JSON.stringify({ code: "UNAVAILABLE", message: "the sidecar is recovering its state; retry shortly" }) });
    });
    await open();
    await block("fraud alert");
    await page
      .locator("#message", { hasText: "BlockAccount was applied; reading the account afterwards failed: the sidecar is recovering its state; retry shortly" })
      .waitFor({ timeout: 10_000 });
    await row().locator(".badge.block", { hasText: "blocked: fraud alert" }).waitFor({ timeout: 10_000 });
    expect(await reasonInForce()).toBe("fraud alert");
    // The next refresh (the Block's own event's) works, and clears the read's failure.
    await page.clock.runFor(200);
    await page.locator("#message").waitFor({ state: "hidden", timeout: 10_000 });
  });
});
