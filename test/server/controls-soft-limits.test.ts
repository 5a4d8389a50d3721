/** SoftLimitPolicy through the wire: SoftLimitCrossed events reach monitors once per crossing, also over a restart. */
import { describe, expect, it } from "vitest";
import { ACCOUNT } from "./harness.js";
import { fill } from "./results.js";
import { controlsConfig, execute, recordEvents, sidecarsPerTest } from "./controls-world.js";

const POLICIES = [
  { type: "MaxOpenOrdersPolicy", settings: { default: { maxOpenOrders: 10 } } },
  { type: "SoftLimitPolicy", settings: { shares: ["0.5", "0.9"] } },
];

const crossed = (usage: string, share: string) => ({
  accountId: ACCOUNT.toString(),
  policy: "MaxOpenOrdersPolicy",
  limit: "openOrders",
  usage,
  max: "10",
  share,
});

const softEvents = (events: unknown[]) =>
  events.filter((e) => typeof e === "object" && e !== null && "softLimitCrossed" in e).map((e) => (e as { softLimitCrossed: unknown }).softLimitCrossed);

describe("soft limits through the wire", () => {
  const sidecars = sidecarsPerTest();

  it("sends one SoftLimitCrossed per share crossed, with usage and limit, re-armed after falling below", async () => {
    const h = await sidecars.harness(controlsConfig(POLICIES));
    const monitor = await recordEvents(h.clients, () => h.server.state.events.subscriberCount);
    const ch = h.channel();
    for (let i = 0; i < 4; i++) await ch.one(execute());
    expect(softEvents(monitor.events)).toEqual([]);
    await ch.one(execute());
    await ch.one(execute());
    for (let i = 0; i < 3; i++) await ch.one(execute());
    await h.feed().publish(fill({ qty: "10", price: "100" }), fill({ qty: "10", price: "100" }), fill({ qty: "10", price: "100" }), fill({ qty: "10", price: "100" }), fill({ qty: "10", price: "100" }));
    await ch.one(execute());
    await monitor.until(3);
    expect(softEvents(monitor.events)).toEqual([crossed("5", "0.5"), crossed("9", "0.9"), crossed("5", "0.5")]);
    expect(monitor.events[0]).toMatchObject({ sequence: "1" });
    monitor.stop();
  });

  it("does not send a crossing again after a restart in durable mode", async () => {
    const dir = sidecars.dataDir();
    const first = await sidecars.durable(controlsConfig(POLICIES), dir, 1_000);
    const ch = first.channel();
    for (let i = 0; i < 5; i++) await ch.one(execute());
    await first.stop();
    const second = await sidecars.durable(controlsConfig(POLICIES), dir, 2_000);
    const monitor = await recordEvents(second.clients, () => second.sidecar.server.state.events.subscriberCount);
    const again = second.channel();
    for (let i = 0; i < 4; i++) await again.one(execute());
    await monitor.until(1);
    expect(softEvents(monitor.events)).toEqual([crossed("9", "0.9")]);
    monitor.stop();
  });
});
