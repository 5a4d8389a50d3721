/**
 * Found by review, session 34: a policy keeps its state in itself, so one instance built
 * into two engines (or a builder built twice) shared that state: a deposit into one engine
 * let the other accept orders, and the second build re-pointed the instance at the second
 * engine's registry (attachAccounts/attachPeers). `build()` now refuses both.
 */
import { describe, expect, it } from "vitest";
import { Engine, EngineBuildError, ManualClock, type PreTradePolicy } from "../../src/engine/index.js";
import { SpotFundsPolicy } from "../../src/policies/index.js";
import { buy, seed } from "../helpers/spot-funds.js";

function buildError(fn: () => unknown): { kind: string; message: string } {
  try {
    fn();
  } catch (e) {
    if (e instanceof EngineBuildError) return { kind: e.kind, message: e.message };
    throw e;
  }
  return { kind: "none", message: "" };
}

describe("one policy instance, one engine", () => {
  it("building a second engine around a policy instance already in an engine is refused (PolicyInAnotherEngine)", () => {
    const spot = new SpotFundsPolicy();
    const a = Engine.builder().clock(new ManualClock(1_000)).policy(spot).build();

    expect(buildError(() => Engine.builder().policy({ name: "Other" }).policy(spot).build())).toEqual({
      kind: "PolicyInAnotherEngine",
      message: "policy 'SpotFundsPolicy' is already in an engine: each engine needs its own policy instances",
    });
    // The first engine is untouched and works as before.
    seed(a, "USD", "10000");
    expect(a.executePreTrade(buy("10", "100")).ok).toBe(true);
  });

  it("a plain-object policy is an instance too: a new object per engine", () => {
    const pass: PreTradePolicy = { name: "Pass", checkPreTradeStart: () => undefined };
    Engine.builder().policy(pass).build();

    expect(buildError(() => Engine.builder().policy(pass).build()).kind).toBe("PolicyInAnotherEngine");
    expect(buildError(() => Engine.builder().policy({ ...pass }).build()).kind).toBe("none");
  });

  it("a second build() of the same builder is refused (AlreadyBuilt)", () => {
    const builder = Engine.builder().clock(new ManualClock(1_000)).policy(new SpotFundsPolicy());
    builder.build();

    expect(buildError(() => builder.build())).toEqual({
      kind: "AlreadyBuilt",
      message: "this builder has built its engine already: its policy instances are in that engine (build another engine from a new builder with new policy instances)",
    });
  });

  it("a refused build takes no instance: the policies can go into the next engine", () => {
    const spot = new SpotFundsPolicy();
    const builder = Engine.builder().policy(spot).policy({ name: "Dup" }).policy({ name: "Dup" });

    expect(buildError(() => builder.build()).kind).toBe("DuplicatePolicyName");
    expect(buildError(() => Engine.builder().policy(spot).build()).kind).toBe("none");
  });
});
