import { describe, expect, it } from "vitest";
import { StageTrace, stageTrace } from "../../src/transport/stage-trace.js";

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

describe("stage trace", () => {
  it("is off unless OPENPIT_TRACE_SAMPLE is set", () => {
    expect(process.env.OPENPIT_TRACE_SAMPLE).toBeUndefined();
    expect(stageTrace).toBeUndefined();
  });

  it("stamps a sampled order's stages in order and measures the turn it ran in", async () => {
    const trace = new StageTrace(2);
    const t = trace.touch();
    trace.deserialized(4n, t);
    trace.deserialized(5n, t); // not sampled (5 % 2 ≠ 0)
    trace.delivered(4n, 0, 3);
    trace.feed(7, () => "applied");
    const value = trace.order(4n, () => 42);
    const flushed = trace.written(4n)!;
    trace.serialized(4n);
    flushed();
    trace.received(4n);
    expect(value).toBe(42);
    await nextTurn();
    const dump = trace.dump();
    expect(dump.orders).toHaveLength(1);
    const o = dump.orders[0]!;
    expect(o.cid).toBe("4");
    const stages = [o.deserialized, o.delivered, o.engineStart, o.engineEnd, o.written, o.serialized, o.flushed];
    expect([...stages].sort((a, b) => a - b)).toEqual(stages);
    expect(o.answersBuffered).toBe(3);
    // The feed batch ran in the same turn, before the order.
    expect(o.turnReportsBefore).toBe(7);
    expect(dump.turns).toHaveLength(1);
    expect(dump.turns[0]).toMatchObject({ orders: 1, feedMessages: 1, reports: 7 });
    expect(Object.keys(dump.received)).toEqual(["4"]);
    // A dump starts the next run empty.
    expect(trace.dump().orders).toHaveLength(0);
  });
});
