/**
 * Session 29: a feed stream lost (the publisher cancelled) while a big message is applied in
 * slices. The message was received and accepted whole, so the rest of it is applied (execution
 * reports are the venue's facts: docs/security.md) — at once, not one slice per turn after the
 * stream left shutdown's list: a slice left for a later turn found the journal closed by a
 * shutdown meanwhile (JournalClosedError, uncaught) and its reports were never applied.
 */
import { afterEach, describe, expect, it } from "vitest";
import { createRequire } from "node:module";
import { REPORTS_PER_SLICE } from "../../src/server/services/feed-service.js";
import { ACCOUNT, holdingsOf, seed, startHarness, type Harness } from "./harness.js";
import { fill } from "./results.js";

// The moment the server's stream object hears of the cancel (its listeners have run then).
let heardCancel: (() => void) | undefined;
const serverCall = createRequire(import.meta.url)("@grpc/grpc-js/build/src/server-call.js");
const emit = serverCall.ServerDuplexStreamImpl.prototype.emit;
serverCall.ServerDuplexStreamImpl.prototype.emit = function (event: string, ...args: unknown[]) {
  const handled = emit.call(this, event, ...args);
  if (event === "cancelled") heardCancel?.();
  return handled;
};

describe("a feed stream lost while its big message is applied in slices", () => {
  let h: Harness;
  let closedByTest = false;
  afterEach(async () => {
    if (!closedByTest) await h.close();
  });

  it("has the rest of that message applied at once, before a shutdown can close the journal", async () => {
    h = await startHarness();
    const c = h.channel();
    await c.send(seed("USD", "1000000"));
    await c.end();
    const state = h.server.state;
    let firstSlice!: () => void;
    const ranFirst = new Promise<void>((r) => (firstSlice = r));
    const applyReports = state.applyReports.bind(state);
    state.applyReports = (reports, ...rest) => {
      firstSlice();
      return applyReports(reports, ...rest);
    };
    const slices = 60;
    const feed = h.feed();
    // Buys of 1 AAPL at 1 with no order behind them: each moves USD by −1 and AAPL by +1.
    void feed.publish(...Array.from({ length: REPORTS_PER_SLICE * slices }, () => fill({ qty: "1", price: "1", lockPrice: "1" }))).catch(() => {});
    await ranFirst;
    const cancelled = new Promise<void>((r) => (heardCancel = r));
    (feed as unknown as { stream: { call: { cancel(): void } } }).stream.call.cancel();
    await cancelled;
    // Applied whole by the time the server has heard of the cancel; then it shuts down.
    const holdings = await holdingsOf(h, ACCOUNT);
    closedByTest = true;
    await h.close();
    for (let turn = 0; turn < slices + 10; turn++) await new Promise((r) => setImmediate(r));
    expect(holdings.AAPL?.available).toBe(String(REPORTS_PER_SLICE * slices));
  });
});
