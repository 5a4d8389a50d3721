/**
 * Found by review (console2): the page's accounts table could show an account active while
 * the sidecar held it blocked, for good. The first load reads the accounts before the event
 * stream is subscribed, so a change in between has no event on the page's stream; and a
 * stream that drops before showing any event reconnects without Last-Event-ID, so a change
 * while it was down has none either. The page now reads again what it shows every time the
 * stream (re)opens.
 */
import { describe, expect, it } from "vitest";
import { OTHER_ACCOUNT, seed } from "../server/harness.js";
import { chromiumReady, useConsolePage } from "./console-page.js";

/**
 * Bound on the row's refresh: a refresh comes 100 ms after the stream opens. Without one the
 * row stays active (the status bar's own 5 s refresh does not read the accounts).
 */
const REFRESHED_WITHIN = 5_000;

describe.runIf(chromiumReady)("the console page: state changed around the event stream's (re)connection", () => {
  const c = useConsolePage();

  it("a block made after the first load read the accounts, before the event stream opened, shows on the page", async () => {
    const { h, port, page } = c;
    await h.channel().send(seed("USD", "2500", OTHER_ACCOUNT));
    // The first load's audit read is slow (a busy sidecar): the accounts are read, the stream not yet opened.
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    let held = false;
    await page.route("**/console/api/admin/QueryAudit", async (route) => {
      if (held) return route.continue();
      held = true;
      await released;
      await route.continue();
    });
    await page.goto(`http://127.0.0.1:${port}/console/`);
    const row = page.locator(`tr[data-account="${OTHER_ACCOUNT}"]`);
    await row.locator(".badge.ok").waitFor({ timeout: 10_000 });
    // Another operator blocks it now: no stream of this page is open to see the event.
    await h.admin("blockAccount", { accountId: OTHER_ACCOUNT, reason: "compliance hold" });
    release();
    await page.locator("#events-state", { hasText: "live" }).waitFor({ timeout: 10_000 });
    await row.locator(".badge.block", { hasText: "blocked: compliance hold" }).waitFor({ timeout: REFRESHED_WITHIN });
    expect(await row.getAttribute("class")).toBe("blocked");
  });

  it("a block made while a stream that had shown no event was down shows once the page is live again", async () => {
    const { h, port, page } = c;
    await h.channel().send(seed("USD", "2500", OTHER_ACCOUNT));
    const lastEventIds: (string | undefined)[] = [];
    await page.route("**/console/api/events", async (route) => {
      lastEventIds.push(route.request().headers()["last-event-id"]);
      // The first stream opens and drops before any event.
      if (lastEventIds.length === 1) return route.fulfill({ status: 200, contentType: "text/event-stream", body: ": subscribed\n\n" });
      // While it is down the account is blocked; then the page subscribes again.
      if (lastEventIds.length === 2) await h.admin("blockAccount", { accountId: OTHER_ACCOUNT, reason: "compliance hold" });
      await route.continue();
    });
    await page.goto(`http://127.0.0.1:${port}/console/`);
    const row = page.locator(`tr[data-account="${OTHER_ACCOUNT}"]`);
    await row.locator(".badge.ok").waitFor({ timeout: 10_000 });
    // Reconnected (after 2 s), with nothing to resume after.
    await expect.poll(() => lastEventIds.length, { timeout: 10_000 }).toBe(2);
    expect(lastEventIds).toEqual([undefined, undefined]);
    await page.locator("#events-state", { hasText: "live" }).waitFor({ timeout: 10_000 });
    await row.locator(".badge.block", { hasText: "blocked: compliance hold" }).waitFor({ timeout: REFRESHED_WITHIN });
    expect(await row.getAttribute("class")).toBe("blocked");
  });
});
