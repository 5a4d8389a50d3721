/**
 * A post-trade hook that throws. The engine throws PolicyCallbackError
 * carrying the other policies' result (README: "their changes stand; propagate its
 * adjustments"); SpotFunds emits a P&L halt only on the transition. The sidecar's door
 * (SidecarState.applyExecutionReport) announced `pnlHalted` only from the result it returned, so a
 * throw by any later policy lost the halt announcement for good (found by review, session 42).
 */
import { describe, expect, it } from "vitest";
import { Fee, Pnl } from "../../src/param/index.js";
import type { ExecutionReport } from "../../src/model/index.js";
import { RecordingJournal } from "../state/recording-journal.js";
import { doorOn } from "../state/door-workload.js";
import { report } from "../helpers/spot-funds.js";

const feeOnly = (): ExecutionReport => {
  const r = report({ fee: ["1", "EUR"] });
  return { ...r, financialImpact: { pnl: Pnl.fromString("0"), fee: Fee.fromString("0") } };
};

function setup(throwing: boolean) {
  const { state } = doorOn(new RecordingJournal(), undefined, [{ type: "RepeatedExecutionThrottlePolicy", settings: { default: { maxExecutions: 100, windowMs: 1000 } } }]);
  const engine = (state as unknown as { engine: import("../../src/engine/index.js").Engine }).engine;
  if (throwing) {
    const p = engine.policy("RepeatedExecutionThrottlePolicy")!;
    p.applyExecutionReport = () => {
      throw new Error("boom");
    };
  }
  const kinds: string[] = [];
  state.events.subscribe((e) => kinds.push(e.event.kind));
  return { state, kinds };
}

describe("a throwing post-trade hook in the sidecar", () => {
  it("control: the fee report in a currency without FX (MissingFx) announces pnlHalted", () => {
    const { state, kinds } = setup(false);
    const out = state.applyReports([feeOnly()]);
    expect(out[0]!.kind).toBe("postTrade");
    expect(kinds.filter((k) => k === "pnlHalted")).toHaveLength(1);
  });

  it("the halt SpotFunds reported is still announced when a later policy's hook throws", () => {
    const { state, kinds } = setup(true);
    const out = state.applyReports([feeOnly()]);
    // The report's answer is an error (the hook threw) ...
    expect(out[0]!.kind).toBe("error");
    // ... but SpotFunds' change stands and its halt transition happened now, never again.
    expect(kinds.filter((k) => k === "pnlHalted")).toHaveLength(1);
  });
});
