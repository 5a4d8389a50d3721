/**
 * Found by review (session 37): trading (an order committed, a fill, a funds adjustment)
 * announces no event, and the page read the accounts only on load, on an event, on a stream
 * (re)open and after its own actions, so a page left open showed the holdings of its load for
 * as long as no operator changed anything; only the status bar was read every 5 s. The
 * accounts are read on that timer too. The page's clock is Playwright's, paused and moved by hand.
 */
import { describe, expect, it } from "vitest";
import { AccountId } from "../../src/param/index.js";
import { ACCOUNT, OTHER_ACCOUNT, order, seed } from "../server/harness.js";
import { as } from "../server/results.js";
import { chromiumReady, pauseClock, useConsolePage } from "./console-page.js";

describe.runIf(chromiumReady)("the console page: holdings while trading goes on", () => {
  const c = useConsolePage();

  /** The page open on a paused clock with account 42's holdings shown; then the gateway trades (10 AAPL at 100, committed), which no event says. Returns the account's row. */
  async function pageThenTrade() {
    const { h, port, page } = c;
    const ch = h.channel();
    await ch.send(seed("USD", "10000"));
    await pauseClock(page);
    await page.goto(`http://127.0.0.1:${port}/console/`);
    await page.locator("#events-state", { hasText: "live" }).waitFor({ timeout: 10_000 });
    // The stream's opening refresh (100 ms after it) runs; nothing else is pending.
    await page.clock.runFor(200);
    const row = page.locator(`tr[data-account="${ACCOUNT}"]`);
    await expect.poll(() => row.locator(".holding").allTextContents(), { timeout: 10_000 }).toEqual(["USD 10000 / 0 / 0"]);
    expect(as(await ch.one({ case: "executePreTrade", value: { order: order({ qty: "10" }), commitOnAccept: true } }), "execute").accepted).toBe(true);
    return row;
  }

  it("an order committed after the page loaded shows in the row's holdings at the next periodic read", async () => {
    const { page } = c;
    const row = await pageThenTrade();
    await page.clock.runFor(4_000);
    await page.locator('#accounts[data-in-flight="0"]').waitFor({ state: "attached" });
    expect(await row.locator(".holding").allTextContents()).toEqual(["USD 10000 / 0 / 0"]);
    // The 5 s read.
    await page.clock.runFor(1_100);
    await expect.poll(() => row.locator(".holding").allTextContents(), { timeout: 10_000 }).toEqual(["USD 9000 / 1000 / 0", "AAPL 0 / 0 / 10"]);
  });

  it("a periodic read that fails says so, and the next one that works clears it", async () => {
    const { port, page } = c;
    let refuse = false;
    await page.route("**/console/api/admin/GetServerStatus", async (route) => {
      if (!refuse) return route.continue();
      await route.fulfill({ status: 503, contentType: "application/json", body: JSON.stringify({ code: "UNAVAILABLE", message: "the sidecar is recovering its state; retry shortly" }) });
    });
    await pauseClock(page);
    await page.goto(`http://127.0.0.1:${port}/console/`);
    await page.locator("#events-state", { hasText: "live" }).waitFor({ timeout: 10_000 });
    await page.clock.runFor(200);
    refuse = true;
    await page.clock.runFor(5_100);
    await page.locator("#message", { hasText: "the sidecar is recovering its state; retry shortly" }).waitFor({ timeout: 10_000 });
    refuse = false;
    await page.clock.runFor(5_100);
    await page.locator("#message").waitFor({ state: "hidden", timeout: 10_000 });
  });

  // Found by CI under load (session 39): a refresh slow to answer, started before one that
  // failed, cleared that one's error when it came in.
  it("a slow refresh that started before a failed one does not clear the failed one's error", async () => {
    const { port, page } = c;
    let mode: "pass" | "hold" | "refuse" = "pass";
    let release: (() => void) | undefined;
    let held: Promise<void> | undefined;
    await page.route("**/console/api/admin/GetServerStatus", async (route) => {
      if (mode === "refuse") {
        return route.fulfill({ status: 503, contentType: "application/json", body: JSON.stringify({ code: "UNAVAILABLE", message: "the sidecar is recovering its state; retry shortly" }) });
      }
      if (mode === "hold") {
        mode = "refuse";
        held = new Promise<void>((r) => (release = r));
        await held;
      }
      return route.continue();
    });
    await pauseClock(page);
    await page.goto(`http://127.0.0.1:${port}/console/`);
    await page.locator("#events-state", { hasText: "live" }).waitFor({ timeout: 10_000 });
    await page.clock.runFor(200);
    // The first 5 s read is held; the next one is refused and says so.
    mode = "hold";
    await page.clock.runFor(5_100);
    await expect.poll(() => release !== undefined, { timeout: 10_000 }).toBe(true);
    await page.clock.runFor(5_100);
    await page.locator("#message", { hasText: "the sidecar is recovering its state; retry shortly" }).waitFor({ timeout: 10_000 });
    // The held read answers now, after the failure: the error stays.
    const answered = page.waitForResponse("**/console/api/admin/GetServerStatus");
    release!();
    await answered;
    await page.locator('#accounts[data-in-flight="0"]').waitFor({ state: "attached" });
    // The page's promise callbacks after that answer have run by the time one more evaluate returns.
    await page.evaluate(() => Promise.resolve());
    expect(await page.locator("#message").isVisible()).toBe(true);
  });

  // Found by review (session 37): the refresh was a trailing debounce (100 ms, pushed back by
  // each event) and the 5 s read only asked for one, so while events came less than 100 ms
  // apart nothing was read at all.
  it("events every 90 ms for over 5 s: the accounts are read all the same", async () => {
    const { h, page } = c;
    const row = await pageThenTrade();
    // Each event shown before the page's clock moves on: 60 of them, 90 ms apart.
    for (let id = 1n; id <= 60n; id++) {
      h.server.state.events.publish({ kind: "reservationsRolledBack", accountId: AccountId.fromU64(OTHER_ACCOUNT), reservationIds: [id], reason: "expired" });
      await page.locator("#events li", { hasText: `#${h.server.state.events.lastSequence} ` }).waitFor({ timeout: 10_000 });
      await page.clock.runFor(90);
    }
    await expect.poll(() => row.locator(".holding").allTextContents(), { timeout: 10_000 }).toEqual(["USD 9000 / 1000 / 0", "AAPL 0 / 0 / 10"]);
  });
});
