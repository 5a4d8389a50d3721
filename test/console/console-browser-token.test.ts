/**
 * Found by review (session 31): with a `security` section the page asks for a bearer token,
 * but it showed its token form only on a 401. A token that authenticates without a console
 * role (a gateway's, pasted by mistake) was refused 403, the form stayed hidden, and every
 * reload read the same token from the tab's session storage: the tab could never be given
 * another one. The form now shows on a 403 too, and the right token then loads the page.
 */
import { chromium, type Browser } from "playwright-core";
import { afterAll, beforeAll, describe, it } from "vitest";
import { missingPaths, toolchainReady } from "../server/client-toolchain.js";
import { Credentials, startSecureHarness, type SecureHarness } from "../security/secure-harness.js";

const CHROMIUM = "/usr/bin/chromium";
const ready = toolchainReady("web console (Chromium)", missingPaths([CHROMIUM]), "chromium");

describe.runIf(ready)("web console: a token without a console role", () => {
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
    await page.close();
  });
});
