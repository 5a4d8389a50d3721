/**
 * Subscribe's response headers say the monitor is subscribed: sent once the subscription is in
 * place (before any event), so a monitor that waits for them and then acts hears its own
 * action's events. Without them it could not know: an action's call can overtake the
 * subscribe, and an event made before the subscription never reaches it.
 */
import { afterEach, describe, expect, it } from "vitest";
import { monitorEvents } from "../helpers/event-monitor.js";
import { ACCOUNT, startHarness, type Harness } from "./harness.js";

describe("Subscribe's headers", () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it("come before any event, once the monitor is subscribed; the action after them is heard", async () => {
    h = await startHarness();
    const monitor = monitorEvents(h.clients);
    await monitor.subscribed;
    expect(h.server.state.events.subscriberCount).toBe(1);
    expect(monitor.events).toEqual([]);
    await h.admin("blockAccount", { accountId: ACCOUNT, reason: "hold" });
    await monitor.received(3);
    expect(monitor.sequences()).toEqual([1n, 2n, 3n]);
  }, 10_000);

  it("a resume gets them too, with or without kept events to hand over", async () => {
    h = await startHarness();
    await h.admin("blockAccount", { accountId: ACCOUNT, reason: "hold" });
    const all = monitorEvents(h.clients, 0n);
    const none = monitorEvents(h.clients, 3n);
    await Promise.all([all.subscribed, none.subscribed]);
    expect(h.server.state.events.subscriberCount).toBe(2);
    await all.received(3);
    expect(none.events).toEqual([]);
  }, 10_000);
});
