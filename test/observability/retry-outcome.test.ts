/**
 * Found by review (session 31): a safe retry (ClientOrderIdPolicy) answered with its first
 * decision ran nothing, yet openpit_commands_total counted it as another accepted decision:
 * a gateway retrying after lost answers inflated "decisions by outcome". It counts as
 * `retried`, and the answer on the wire is still the first decision's.
 */
import { describe, expect, it } from "vitest";
import { as } from "../server/results.js";
import { order, seed } from "../server/harness.js";
import { controlsConfig } from "../server/controls-world.js";
import { closeObservedAfterEach, sample, startObserved } from "./observed-sidecar.js";

const CONFIG = controlsConfig([{ type: "ClientOrderIdPolicy", settings: { retentionMs: 0 } }, { type: "SpotFundsPolicy", settings: {} }]);

describe("a safe retry in the metrics", () => {
  closeObservedAfterEach();

  it("counts as retried, not as another accepted decision", async () => {
    const o = await startObserved({ config: { ...CONFIG, durability: { mode: "ephemeral" }, metrics: { listen: "127.0.0.1:0", latencySampleEvery: 1 } } });
    const ch = o.channel();
    await ch.send(seed("USD", "100000"));
    const execute = (retry: boolean) => ({ case: "executePreTrade" as const, value: { order: order({ qty: "1", price: "100", clientOrderId: "c1", retry }), commitOnAccept: false } });
    const first = as(await ch.one(execute(false)), "execute");
    const retries = [as(await ch.one(execute(true)), "execute"), as(await ch.one(execute(true)), "execute")];
    for (const r of retries) expect(r).toEqual(first);
    const text = await o.scrape();
    expect(sample(text, "openpit_open_reservations")).toBe(1);
    expect(sample(text, 'openpit_commands_total{kind="execute",outcome="accepted"}')).toBe(1);
    expect(sample(text, 'openpit_commands_total{kind="execute",outcome="retried"}')).toBe(2);
  });
});
