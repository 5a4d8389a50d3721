/**
 * Found by review (session 37): after UnblockAccount is applied, the page reads the row again
 * (stillBlocked) to say why it may still be blocked. When that read failed, the page showed the
 * read's failure as the outcome of the operator's action, which no refresh clears: beside a row
 * shown active, it read as "the Unblock failed", for good. It is now a load's error, saying the
 * Unblock was applied, and the next refresh that works clears it (as the CLI's exit 3 and the
 * editor's save after e7c2efb).
 */
import { describe, expect, it } from "vitest";
import { OTHER_ACCOUNT, seed } from "../server/harness.js";
import { chromiumReady, pauseClock, useConsolePage } from "./console-page.js";

describe.runIf(chromiumReady)("the console page: Unblock applied, its follow-up read failed", () => {
  const c = useConsolePage();

  it("says the Unblock was applied, and the next refresh that works clears it", async () => {
    const { h, port, page } = c;
    await h.channel().send(seed("USD", "2500", OTHER_ACCOUNT));
    await h.admin("blockAccount", { accountId: OTHER_ACCOUNT, reason: "compliance hold" });
    let unblocked = false;
    let refused = false;
    await page.route("**/console/api/admin/UnblockAccount", async (route) => {
      unblocked = true;
      await route.continue();
    });
    // The first read after the Unblock (stillBlocked's ListAccounts) is refused once, as a
    // sidecar whose failover has just begun refuses it; every read after it works.
    await page.route("**/console/api/admin/ListAccounts", async (route) => {
      if (!unblocked || refused) return route.continue();
      refused = true;
      await route.fulfill({ status: 503, contentType: "application/json", body: JSON.stringify({ code: "UNAVAILABLE", message: "the sidecar is recovering its state; retry shortly" }) });
    });
    // The page's timers wait for the test: the Unblock's own event must not refresh the page
    // (and take the one refused read) before the Unblock's follow-up read does (a clean-clone
    // run under load).
    await pauseClock(page);
    await page.goto(`http://127.0.0.1:${port}/console/`);
    await page.locator("#events-state", { hasText: "live" }).waitFor({ timeout: 10_000 });
    const row = page.locator(`tr[data-account="${OTHER_ACCOUNT}"]`);
    await row.locator(".badge.block", { hasText: "blocked: compliance hold" }).waitFor({ timeout: 10_000 });
    await row.locator('button[data-action="unblock"]').click();
    await page
      .locator("#message", { hasText: "UnblockAccount was applied; reading the account afterwards failed: the sidecar is recovering its state; retry shortly" })
      .waitFor({ timeout: 10_000 });
    // The Unblock applied: the sidecar and the row say so.
    await row.locator(".badge.ok").waitFor({ timeout: 10_000 });
    expect((await h.admin<{ block?: unknown }>("getAccountState", { accountId: OTHER_ACCOUNT })).block).toBeUndefined();
    // An unrelated event: its refresh works, and clears the read's failure.
    await h.admin("blockAccount", { accountId: 5n, reason: "other" });
    await page.locator("#events li", { hasText: "accountBlocked account 5 " }).waitFor({ timeout: 10_000 });
    await page.clock.runFor(200);
    await page.locator('tr[data-account="5"] .badge.block').waitFor({ timeout: 10_000 });
    await page.locator("#message").waitFor({ state: "hidden", timeout: 10_000 });
  });
});
