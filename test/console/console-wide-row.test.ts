/**
 * A row's Block button stays reachable however wide the row. Found by review (session 42): the
 * accounts table was neither clipped nor scrolled in its section, so at 1280 px a wide row (a
 * hashed 20-digit id, an 18-decimal holding) ran under the policies section, painted over it,
 * and a click on Block landed in the settings editor. The section now scrolls it.
 */
import { describe, expect, it } from "vitest";
import { AccountId } from "../../src/param/index.js";
import { seed } from "../server/harness.js";
import { chromiumReady, useConsolePage } from "./console-page.js";

describe.runIf(chromiumReady)("the console: a wide account row's action stays reachable", () => {
  const c = useConsolePage();

  it("a hashed account id (20 digits) with an ETH holding to 18 decimals (wei): Block is clickable at 1280 px", async () => {
    const { h, port, page } = c;
    // A string account id is FNV-1a 64 hashed: 19-20 digits, as docs say (ids.ts).
    const account = AccountId.fromString("desk-7/client-42");
    expect(String(account).length).toBeGreaterThanOrEqual(19);
    await h.channel().send(seed("USD", "1250000.75", account), seed("ETH", "1234.567890123456789012", account));
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.goto(`http://127.0.0.1:${port}/console/`);
    const row = page.locator(`tr[data-account="${account}"]`);
    await row.locator(".holding").first().waitFor({ timeout: 10_000 });
    const block = row.locator('button[data-action="block"]');
    // A trial click checks that the button itself receives the click (nothing painted over it).
    const reachable = await block.click({ trial: true, timeout: 3_000 }).then(
      () => "clickable",
      (e: Error) => (/intercepts pointer events/.test(e.message) ? (e.message.match(/<[^>]+> from <[^>]+>/)?.[0] ?? "covered") : e.message.split("\n")[0]),
    );
    expect(reachable).toBe("clickable");
  }, 60_000);
});
