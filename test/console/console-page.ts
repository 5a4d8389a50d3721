/**
 * The console page in Chromium, for the page's own tests: one browser per file, and per test
 * a harness with its HTTP listener and a fresh page. Skipped where Chromium is missing.
 */
import { chromium, type Browser, type Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, beforeEach } from "vitest";
import { startHarness, type Harness } from "../server/harness.js";
import { missingPaths, toolchainReady } from "../server/client-toolchain.js";

const CHROMIUM = "/usr/bin/chromium";
export const chromiumReady = toolchainReady("web console (Chromium)", missingPaths([CHROMIUM]), "chromium");

export interface ConsolePage {
  readonly h: Harness;
  /** The HTTP listener's port (the page is at /console/). */
  readonly port: number;
  readonly page: Page;
}

/** Call inside a describe: the current test's harness, port and page (`config`: the harness's configuration, default testConfig()). */
export function useConsolePage(config?: () => Record<string, unknown>): ConsolePage {
  let browser: Browser;
  let current: { h: Harness; port: number; page: Page } | undefined;
  beforeAll(async () => {
    // A hang guard, not a speed assertion (Chromium's first start on a loaded CI machine).
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox"] });
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
  });
  beforeEach(async () => {
    const h = await startHarness(config?.());
    const port = await h.server.http.listen("127.0.0.1:0");
    current = { h, port, page: await browser.newPage() };
  });
  afterEach(async () => {
    await current?.page.close();
    await current?.h.close();
    current = undefined;
  });
  const now = () => {
    if (current === undefined) throw new Error("useConsolePage: read outside a test");
    return current;
  };
  return {
    get h() {
      return now().h;
    },
    get port() {
      return now().port;
    },
    get page() {
      return now().page;
    },
  };
}

/**
 * The page's timers on a clock the test moves (Playwright's): installed and paused, so that
 * nothing fires until `page.clock.runFor` (after `install` alone the fake time still flows).
 */
export async function pauseClock(page: Page): Promise<void> {
  const start = new Date("2026-01-01T00:00:00Z");
  await page.clock.install({ time: start });
  await page.clock.pauseAt(new Date(start.getTime() + 1_000));
}
