/**
 * Found by review (session 37): a token the browser cannot put in a header (a character past
 * ISO-8859-1, e.g. a zero-width space or a typographic quote pasted with it) made every fetch
 * throw before any request was sent. The form came back only on a 401 or 403, so it stayed
 * hidden, the token stayed in the tab's session storage, and a reload read it again: the tab
 * could never be given another token. Such a token is refused at the form now, and one stored
 * before is dropped at the page's start.
 */
import { chromium, type Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { missingPaths, toolchainReady } from "../server/client-toolchain.js";
import { Credentials, startSecureHarness, type SecureHarness } from "../security/secure-harness.js";

// The page's storage, read and written inside page.evaluate (the suite's types have no DOM).
declare const sessionStorage: { getItem(key: string): string | null; setItem(key: string, value: string): void };

const CHROMIUM = "/usr/bin/chromium";
const ready = toolchainReady("web console (Chromium)", missingPaths([CHROMIUM]), "chromium");

describe.runIf(ready)("the console page: a token pasted with a character fetch cannot send", () => {
  const creds = new Credentials();
  let h: SecureHarness;
  let port: number;
  let browser: Browser;
  beforeAll(async () => {
    h = await startSecureHarness(creds.security());
    port = await h.server.http.listen("127.0.0.1:0");
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox"] });
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await h?.close();
    creds.remove();
  });

  const UNSENDABLE = "that token holds a character a browser cannot send (a space or a character pasted with it?): enter the token alone";

  it("is refused at the form, which stays for the right token; pasted with spaces around it, it is taken", async () => {
    const page = await browser.newPage();
    await page.goto(`http://127.0.0.1:${port}/console/`);
    await page.locator("#token-form").waitFor({ state: "visible" });
    // The monitor's token with a zero-width space pasted after it.
    await page.locator("#token").fill(`${creds.tokens.get("monitor")!}\u200b`);
    await page.locator("#token-form button").click();
    await page.locator("#message", { hasText: UNSENDABLE }).waitFor({ timeout: 10_000 });
    expect(await page.locator("#token-form").isVisible()).toBe(true);
    expect(await page.evaluate(() => sessionStorage.getItem("openpit-console-token"))).toBeNull();
    await page.locator("#token").fill(`  ${creds.tokens.get("monitor")!}\n`);
    await page.locator("#token-form button").click();
    await page.locator("#events-state", { hasText: "live" }).waitFor({ timeout: 10_000 });
    expect(await page.locator("#token-form").isVisible()).toBe(false);
    await page.close();
  });

  it("stored before in the tab: dropped at the start, and the form is back", async () => {
    const page = await browser.newPage();
    await page.goto(`http://127.0.0.1:${port}/console/`);
    await page.evaluate((t) => sessionStorage.setItem("openpit-console-token", t), `${creds.tokens.get("monitor")!}\u200b`);
    await page.reload();
    await page.locator("#message", { hasText: UNSENDABLE }).waitFor({ timeout: 10_000 });
    expect(await page.locator("#token-form").isVisible()).toBe(true);
    expect(await page.evaluate(() => sessionStorage.getItem("openpit-console-token"))).toBeNull();
    await page.close();
  });
});
