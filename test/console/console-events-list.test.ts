/**
 * Found by review (session 37): the live events list across a reconnection the server cannot
 * resume (NOT_KEPT). The page says "events after #N were missed", then subscribes without
 * Last-Event-ID, and a new subscriber is told the retained events first (recovery's
 * rollbacks, event-hub.ts `retained`): the list showed them again at its top as the newest,
 * and resumed after them, so a drop before any new event got NOT_KEPT again, each time. They
 * are shown once, and the resume point never moves back.
 */
import { request } from "node:http";
import { describe, expect, it } from "vitest";
import { AccountId } from "../../src/param/index.js";
import { OTHER_ACCOUNT, testConfig } from "../server/harness.js";
import { chromiumReady, useConsolePage } from "./console-page.js";

/** The first `events` account-event blocks of a fresh subscription to the console's stream, as the server writes them. */
function firstEvents(port: number, events: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, path: "/console/api/events", headers: { "x-openpit-console": "1" } }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => {
        text += chunk;
        if (text.split("event: account-event").length - 1 >= events && text.endsWith("\n\n")) {
          req.destroy();
          resolve(text);
        }
      });
    });
    req.on("error", (e) => (e.message.includes("socket hang up") ? undefined : reject(e)));
    req.end();
  });
}

describe.runIf(chromiumReady)("the console page: the events list after a resume that is not kept", () => {
  const c = useConsolePage(() => testConfig({ limits: { eventsKeptForResume: 3 } }));

  it("shows each event once: the retained ones are not prepended again as new", async () => {
    const { h, port, page } = c;
    const rollback = (id: bigint, retain: boolean) =>
      h.server.state.events.publish({ kind: "reservationsRolledBack", accountId: AccountId.fromU64(OTHER_ACCOUNT), reservationIds: [id], reason: "expired" }, retain);
    // Recovery's rollbacks: retained for every later subscriber.
    rollback(1n, true);
    rollback(2n, true);
    const firstStream = await firstEvents(port, 2);
    let calls = 0;
    await page.route("**/console/api/events", async (route) => {
      calls++;
      // The first stream shows the two and drops.
      if (calls === 1) return route.fulfill({ status: 200, contentType: "text/event-stream", body: firstStream });
      // While it is down, more events than are kept.
      if (calls === 2) for (let i = 10n; i < 16n; i++) rollback(i, false);
      await route.continue();
    });
    await page.goto(`http://127.0.0.1:${port}/console/`);
    await page.locator("#events li", { hasText: "#2 reservationsRolledBack" }).waitFor({ timeout: 10_000 });
    await page.locator("#events li.missed", { hasText: "events after #2 were missed" }).waitFor({ timeout: 10_000 });
    await page.locator("#events-state", { hasText: "live" }).waitFor({ timeout: 10_000 });
    // A new event after the reconnection: the retained ones came before it on that stream.
    rollback(20n, false);
    const newest = `#${h.server.state.events.lastSequence} `;
    await page.locator("#events li", { hasText: newest }).waitFor({ timeout: 10_000 });
    const list = await page.locator("#events li").allTextContents();
    expect(list.map((t) => t.split(" ")[0])).toEqual([newest.trim(), "events", "#2", "#1"]);
  });
});
