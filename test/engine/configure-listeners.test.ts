/**
 * Found by review, session 34: `configure()` announced `policyConfigured` inside its try,
 * after the new settings were published, so a listener's throw came back as
 * `PolicyConfigureError` `Validation` (which means "old settings kept") for settings in
 * force, and a listener reconfiguring on the event was refused as `NestedConfiguration`.
 * The event now follows the try; a listener's throw goes to `onListenerError`.
 */
import { describe, expect, it } from "vitest";
import { Engine, ManualClock, type EngineEvent } from "../../src/engine/index.js";
import { RateLimitPolicy } from "../../src/policies/index.js";

function build() {
  const rl = new RateLimitPolicy({ broker: { maxOrders: 5, windowMs: 1000 }, assetBarriers: [], accountBarriers: [], accountAssetBarriers: [] });
  const failures: string[] = [];
  const engine = Engine.builder()
    .clock(new ManualClock(1_000))
    .onListenerError((error, event) => failures.push(`${event.kind}: ${(error as Error).name}: ${(error as Error).message}`))
    .policy(rl)
    .build();
  const broker = () => rl.settingsDraft().broker;
  return { engine, failures, broker };
}

const setMaxOrders = (engine: Engine, maxOrders: number) =>
  engine.configure().update("RateLimitPolicy", RateLimitPolicy, (d) => {
    d.broker = { maxOrders, windowMs: 1000 };
  });

describe("configure() and event listeners", () => {
  it("a throwing listener: the update returns normally and the new settings are in force", () => {
    const { engine, failures, broker } = build();
    engine.onEvent(() => {
      throw new Error("listener bug");
    });
    const heard: EngineEvent[] = [];
    engine.onEvent((e) => heard.push(e));

    expect(setMaxOrders(engine, 1)).toEqual([]);

    expect(broker()).toEqual({ maxOrders: 1, windowMs: 1000 });
    expect(heard).toEqual([{ kind: "policyConfigured", policy: "RateLimitPolicy" }]);
    expect(failures).toEqual(["policyConfigured: Error: listener bug"]);
  });

  it("a listener may configure on policyConfigured: it is not inside the configure closure", () => {
    const { engine, failures, broker } = build();
    let reacted = false;
    engine.onEvent((e) => {
      if (e.kind !== "policyConfigured" || reacted) return;
      reacted = true;
      setMaxOrders(engine, 3);
    });

    setMaxOrders(engine, 1);

    expect(failures).toEqual([]);
    expect(broker()).toEqual({ maxOrders: 3, windowMs: 1000 });
  });
});
