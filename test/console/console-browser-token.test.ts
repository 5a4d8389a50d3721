/**
 * Found by review (session 31): with a `security` section the page asks for a bearer token,
 * but it showed its token form only on a 401. A token that authenticates without a console
 * role (a gateway's, pasted by mistake) was refused 403, the form stayed hidden, and every
 * reload read the same token from the tab's session storage: the tab could never be given
 * another one. The form now shows on a 403 too, and the right token then loads the page.
 *
 * Found by review (session 37): a token the browser cannot put in a header (a character past
 * ISO-8859-1, e.g. a zero-width space or a typographic quote pasted with it) made every fetch
 * throw before any request was sent, so no 401 brought the form back, and a reload read the
 * same token again: the tab was locked the same way. Such a token is refused at the form now,
 * and one stored before is dropped at the page's start.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { chromium, type Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from "vitest";
import { sha256Hex } from "../../src/server/security/bearer-tokens.js";
import { REPLAY_RULES } from "../../src/state/journal-writer.js";
import { missingPaths, toolchainReady } from "../server/client-toolchain.js";
import { Credentials, startSecureHarness, type SecureHarness } from "../security/secure-harness.js";
import { pauseClock } from "./console-page.js";

// The page's storage, read and written inside page.evaluate (the suite's types have no DOM).
declare const sessionStorage: { getItem(key: string): string | null; setItem(key: string, value: string): void };

const CHROMIUM = "/usr/bin/chromium";
const ready = toolchainReady("web console (Chromium)", missingPaths([CHROMIUM]), "chromium");

describe.runIf(ready)("web console: a token the page cannot use", () => {
  const creds = new Credentials();
  let h: SecureHarness;
  let port: number;
  let browser: Browser;
  beforeAll(async () => {
    h = await startSecureHarness(creds.security());
    port = await h.server.http.listen("127.0.0.1:0");
    // A hang guard, not a speed assertion (Chromium's first start on a loaded CI machine).
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox"] });
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await h?.close();
    creds.remove();
  });

  it("is refused with the form still offered, after a reload too, and another token then loads the page", async () => {
    const page = await browser.newPage();
    await page.goto(`http://127.0.0.1:${port}/console/`);
    await page.locator("#token-form").waitFor({ state: "visible" });
    await page.locator("#token").fill(creds.tokens.get("gateway-a")!);
    await page.locator("#token-form button").click();
    await page.locator("#message", { hasText: "needs the role" }).waitFor();
    await page.locator("#token-form").waitFor({ state: "visible" });
    await page.reload();
    await page.locator("#message", { hasText: "needs the role" }).waitFor();
    await page.locator("#token-form").waitFor({ state: "visible" });
    await page.locator("#token").fill(creds.tokens.get("monitor")!);
    await page.locator("#token-form button").click();
    await page.locator("#status dd", { hasText: "serving" }).waitFor();
    // The version with the journal's replay rules (GetServerStatus's replay_rules).
    await page.locator("#status dd", { hasText: `0.1.0 (replay rules ${REPLAY_RULES})` }).waitFor({ timeout: 5_000 });
    await page.close();
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

  // Found by review (session 37): the reads that went on with the revoked token (the 5 s
  // refresh, the events' reconnection) were refused 401, and each replaced the form's refusal
  // with "the bearer token is not valid", under a token that was valid but for the character.
  it("refused at the form after the tab's token was revoked: the refusal stays while the page's reads go on", async () => {
    const page = await browser.newPage();
    await pauseClock(page);
    await page.goto(`http://127.0.0.1:${port}/console/`);
    await page.evaluate((t) => sessionStorage.setItem("openpit-console-token", t), creds.tokens.get("monitor")!);
    await page.reload();
    await page.locator("#events-state", { hasText: "live" }).waitFor({ timeout: 10_000 });
    // The monitor's token is revoked (rotated); the next periodic read brings the form back.
    const kept = ["operator", "gateway-a", "feed-a"];
    const tokensBefore = readFileSync(creds.tokensFile, "utf8");
    onTestFinished(async () => {
      // The harness is the file's: the other tests use the monitor's token.
      writeFileSync(creds.tokensFile, tokensBefore);
      await h.server.reloadCredentials();
    });
    writeFileSync(creds.tokensFile, JSON.stringify({ tokens: kept.map((principal) => ({ principal, sha256: sha256Hex(creds.tokens.get(principal)!) })) }));
    await h.server.reloadCredentials();
    await page.clock.runFor(5_100);
    await page.locator("#token-form").waitFor({ state: "visible", timeout: 10_000 });
    await page.locator("#token").fill(`${creds.tokens.get("operator")!}\u200b`);
    await page.locator("#token-form button").click();
    await page.locator("#message", { hasText: UNSENDABLE }).waitFor({ timeout: 10_000 });
    // Two periodic reads and the events' reconnections, refused with the revoked token.
    let refused = 0;
    page.on("response", (r) => {
      if (r.status() === 401) refused++;
    });
    await page.clock.runFor(10_200);
    await expect.poll(() => refused, { timeout: 10_000 }).toBeGreaterThan(1);
    await page.locator('#accounts[data-in-flight="0"]').waitFor({ state: "attached" });
    expect(await page.locator("#message").textContent()).toBe(UNSENDABLE);
    // The right token then loads the page.
    await page.locator("#token").fill(creds.tokens.get("operator")!);
    await page.locator("#token-form button").click();
    await page.locator("#token-form").waitFor({ state: "hidden", timeout: 10_000 });
    await page.close();
  });

  // Found by review (session 37): entering a token runs the page's start again, which reloaded
  // the policy editor: an edit a monitor's token was refused to save was replaced by the
  // server's settings, and Apply with the operator's token then saved those, "updated".
  it("an edit refused 403 survives entering the operator's token, and Apply then saves it", async () => {
    const page = await browser.newPage();
    await page.goto(`http://127.0.0.1:${port}/console/`);
    await page.evaluate((t) => sessionStorage.setItem("openpit-console-token", t), creds.tokens.get("monitor")!);
    await page.reload();
    await page.locator("#events-state", { hasText: "live" }).waitFor({ timeout: 10_000 });
    await page.locator("#policy").selectOption("OrderSizeLimitPolicy");
    await expect.poll(() => page.locator("#settings").inputValue(), { timeout: 10_000 }).toContain('"maxQuantity": "1000"');
    const edited = (await page.locator("#settings").inputValue()).replace('"maxQuantity": "1000"', '"maxQuantity": "250"');
    await page.locator("#settings").fill(edited);
    await page.locator("#save-policy").click();
    await page.locator("#message", { hasText: "needs the role" }).waitFor({ timeout: 10_000 });
    await page.locator("#token-form").waitFor({ state: "visible" });
    const settingsReads: string[] = [];
    page.on("request", (r) => {
      if (r.url().endsWith("/GetPolicySettings")) settingsReads.push(r.url());
    });
    await page.locator("#token").fill(creds.tokens.get("operator")!);
    // The restarted page's reads: the audit trail is read beside the editor, so once it is in,
    // a reload of the editor would have been sent.
    const auditRead = page.waitForResponse((r) => r.url().endsWith("/QueryAudit"));
    await page.locator("#token-form button").click();
    await auditRead;
    expect(settingsReads).toEqual([]);
    expect(await page.locator("#settings").inputValue()).toBe(edited);
    await page.locator("#save-policy").click();
    await page.locator("#policy-message", { hasText: "updated" }).waitFor({ timeout: 10_000 });
    // The editor is read again after a save: the server's settings are the edit.
    await expect.poll(() => page.locator("#settings").inputValue(), { timeout: 10_000 }).toContain('"maxQuantity": "250"');
    await page.close();
  });
});
