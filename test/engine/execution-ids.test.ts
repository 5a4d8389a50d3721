import { describe, expect, it } from "vitest";
import { DEFAULT_EXECUTION_ID_BOUNDS, Engine, EngineBuildError, ManualClock, PolicyCallbackError, SnapshotError, type EngineSnapshot } from "../../src/engine/index.js";
import type { ExecutionReport } from "../../src/model/index.js";
import { SpotFundsPolicy } from "../../src/policies/spot-funds/index.js";
import { ACCOUNT, ACCOUNT_2, commit, buy, fillReport, seed, slot, spotEngine } from "../helpers/spot-funds.js";

/** A buy of 1 at 100 committed, so a fill of it moves 100 USD from held into AAPL. */
function withOpenBuy(engine: Engine, account = ACCOUNT): void {
  seed(engine, "USD", "1000", account);
  commit(engine, buy("2", "100", { account }));
}

const fill = (id: string | undefined, account = ACCOUNT): ExecutionReport => {
  const r = fillReport("BUY", "1", "100", { account, leaves: "1" });
  return id === undefined ? r : { ...r, executionId: id };
};

describe("execution ids", () => {
  it("a report naming an id already applied for its account changes nothing and says so", () => {
    const { engine, policy } = spotEngine();
    withOpenBuy(engine);
    const first = engine.applyExecutionReport(fill("E-1"));
    expect(first.duplicateExecutionId).toBeUndefined();
    expect(slot(policy, "USD")).toEqual({ available: "800", held: "100", incoming: "0" });
    expect(slot(policy, "AAPL")).toEqual({ available: "1", held: "0", incoming: "1" });

    const again = engine.applyExecutionReport(fill("E-1"));
    expect(again).toEqual({ accountBlocks: [], accountPnls: [], accountAdjustments: [], duplicateExecutionId: true });
    expect(slot(policy, "USD")).toEqual({ available: "800", held: "100", incoming: "0" });
    expect(slot(policy, "AAPL")).toEqual({ available: "1", held: "0", incoming: "1" });

    // Another id is another execution: the order's second unit fills.
    engine.applyExecutionReport(fill("E-2"));
    expect(slot(policy, "USD")).toEqual({ available: "800", held: "0", incoming: "0" });
    expect(slot(policy, "AAPL")).toEqual({ available: "2", held: "0", incoming: "0" });
  });

  it("without an id a report is applied every time it is sent", () => {
    const { engine, policy } = spotEngine();
    withOpenBuy(engine);
    engine.applyExecutionReport(fill(undefined));
    engine.applyExecutionReport(fill(undefined));
    expect(slot(policy, "AAPL")).toEqual({ available: "2", held: "0", incoming: "0" });
  });

  it("ids are per account: the same id on another account is another execution", () => {
    const { engine, policy } = spotEngine();
    withOpenBuy(engine, ACCOUNT);
    withOpenBuy(engine, ACCOUNT_2);
    engine.applyExecutionReport(fill("E-1", ACCOUNT));
    expect(engine.applyExecutionReport(fill("E-1", ACCOUNT_2)).duplicateExecutionId).toBeUndefined();
    expect(slot(policy, "AAPL", ACCOUNT_2)).toEqual({ available: "1", held: "0", incoming: "1" });
  });

  it("an id is forgotten once the retention has passed since it was applied, by the engine clock", () => {
    const clock = new ManualClock(1_000);
    const { engine, policy } = spotEngine(new SpotFundsPolicy(), [], clock);
    engine.setExecutionIdBounds({ retainMs: 500, maxRemembered: 10 });
    withOpenBuy(engine);
    engine.applyExecutionReport(fill("E-1"));
    clock.set(1_499);
    expect(engine.applyExecutionReport(fill("E-1")).duplicateExecutionId).toBe(true);
    clock.set(1_500);
    expect(engine.applyExecutionReport(fill("E-1")).duplicateExecutionId).toBeUndefined();
    expect(slot(policy, "AAPL")).toEqual({ available: "2", held: "0", incoming: "0" });
  });

  it("past maxRemembered the oldest is forgotten first; 0 remembers none", () => {
    const { engine, clock } = spotEngine();
    engine.setExecutionIdBounds({ retainMs: 86_400_000, maxRemembered: 2 });
    for (const id of ["A", "B", "C"]) {
      engine.applyExecutionReport(fill(id));
      clock.advance(1);
    }
    expect([...engine.snapshotState().executionIds!.keys()]).toEqual([`${ACCOUNT}|B`, `${ACCOUNT}|C`]);
    expect(engine.applyExecutionReport(fill("A")).duplicateExecutionId).toBeUndefined();
    expect(engine.applyExecutionReport(fill("C")).duplicateExecutionId).toBe(true);

    // A lower count forgets the oldest at once.
    engine.setExecutionIdBounds({ retainMs: 86_400_000, maxRemembered: 1 });
    expect([...engine.snapshotState().executionIds!.keys()]).toEqual([`${ACCOUNT}|A`]);

    engine.setExecutionIdBounds({ retainMs: 86_400_000, maxRemembered: 0 });
    expect(engine.applyExecutionReport(fill("Z")).duplicateExecutionId).toBeUndefined();
    expect(engine.applyExecutionReport(fill("Z")).duplicateExecutionId).toBeUndefined();
  });

  it("the id is remembered before the policies run: one that threw part-way is not applied again", () => {
    let calls = 0;
    const throwing = {
      name: "Thrower",
      applyExecutionReport: () => {
        calls++;
        throw new Error("boom");
      },
    };
    const { engine } = spotEngine(new SpotFundsPolicy(), [throwing]);
    expect(() => engine.applyExecutionReport(fill("E-1"))).toThrow(PolicyCallbackError);
    expect(engine.applyExecutionReport(fill("E-1")).duplicateExecutionId).toBe(true);
    expect(calls).toBe(1);
  });

  it("a snapshot carries the ids in the order applied, and a restored engine recognises them", () => {
    const { engine, clock } = spotEngine();
    engine.applyExecutionReport(fill("E-1"));
    clock.advance(5);
    engine.applyExecutionReport({ ...fill(undefined, ACCOUNT), operation: { side: "BUY" }, executionId: "no-account" });
    const snapshot = engine.snapshotState();
    expect([...snapshot.executionIds!]).toEqual([
      [`${ACCOUNT}|E-1`, 1_000],
      ["|no-account", 1_005],
    ]);

    const restored = spotEngine(new SpotFundsPolicy(), [], new ManualClock(2_000)).engine;
    restored.restoreState(snapshot);
    expect(restored.applyExecutionReport(fill("E-1")).duplicateExecutionId).toBe(true);
    // Not the same id without an account.
    expect(restored.applyExecutionReport(fill("no-account")).duplicateExecutionId).toBeUndefined();
  });

  it("a snapshot from before ids were kept restores with none", () => {
    const { engine } = spotEngine();
    engine.applyExecutionReport(fill("E-1"));
    const { executionIds: _, ...older } = engine.snapshotState();
    const restored = spotEngine().engine;
    restored.restoreState(older as EngineSnapshot);
    expect(restored.snapshotState().executionIds!.size).toBe(0);
  });

  it("malformed ids in a snapshot are refused before anything changes", () => {
    const { engine } = spotEngine();
    seed(engine, "USD", "5");
    const good = engine.snapshotState();
    const target = spotEngine();
    seed(target.engine, "USD", "7");
    const bad = (ids: unknown) => ({ ...good, executionIds: ids }) as EngineSnapshot;
    expect(() => target.engine.restoreState(bad([["x", 1]]))).toThrow(new SnapshotError("Malformed", "engine snapshot: 'executionIds' must be a Map"));
    expect(() => target.engine.restoreState(bad(new Map([["no-bar", 1]])))).toThrow('engine snapshot: execution id entry "no-bar" is malformed');
    // Out of order: a queue whose oldest is not first would forget the wrong ones.
    expect(() => target.engine.restoreState(bad(new Map([["1|a", 5], ["1|b", 4]])))).toThrow('execution id entry "1|b" is malformed');
    expect(slot(target.policy, "USD")).toEqual({ available: "7", held: "0", incoming: "0" });
  });

  it("bounds are checked: a retention under 1 ms or a negative count is a typed error", () => {
    expect(DEFAULT_EXECUTION_ID_BOUNDS).toEqual({ retainMs: 86_400_000, maxRemembered: 1_000_000 });
    const { engine } = spotEngine();
    expect(engine.executionIdBounds()).toEqual(DEFAULT_EXECUTION_ID_BOUNDS);
    const refused = (b: { retainMs: number; maxRemembered: number }) => {
      try {
        engine.setExecutionIdBounds(b);
      } catch (e) {
        return e instanceof EngineBuildError ? `${e.kind}: ${e.message}` : String(e);
      }
      return "accepted";
    };
    expect(refused({ retainMs: 0, maxRemembered: 1 })).toBe("InvalidExecutionIdBounds: execution id retention must be a whole number of milliseconds, at least 1 (got 0)");
    expect(refused({ retainMs: 1.5, maxRemembered: 1 })).toBe("InvalidExecutionIdBounds: execution id retention must be a whole number of milliseconds, at least 1 (got 1.5)");
    expect(refused({ retainMs: 1, maxRemembered: -1 })).toBe("InvalidExecutionIdBounds: the number of execution ids remembered must be a whole number, at least 0 (got -1)");
    expect(engine.executionIdBounds()).toEqual(DEFAULT_EXECUTION_ID_BOUNDS);
    expect(() => Engine.builder().policy(new SpotFundsPolicy()).executionIdBounds({ retainMs: 0, maxRemembered: 0 }).build()).toThrow(EngineBuildError);
    const built = Engine.builder().policy(new SpotFundsPolicy()).executionIdBounds({ retainMs: 7, maxRemembered: 3 }).build();
    expect(built.executionIdBounds()).toEqual({ retainMs: 7, maxRemembered: 3 });
  });

  it("forgetting keeps its place over many ids: the queue holds only what is remembered", () => {
    const { engine, clock } = spotEngine();
    engine.setExecutionIdBounds({ retainMs: 10, maxRemembered: 3000 });
    for (let i = 0; i < 10_000; i++) {
      engine.applyExecutionReport({ operation: { side: "BUY", accountId: ACCOUNT }, executionId: `X${i}` });
      if (i % 2 === 1) clock.advance(1);
    }
    // Two ids a millisecond: the last report (X9999, at 5999) forgot those applied by 5989.
    const kept = [...engine.snapshotState().executionIds!.keys()];
    expect(kept).toHaveLength(20);
    expect(kept[0]).toBe(`${ACCOUNT}|X9980`);
    // Now 6000: X9980 and X9981 (5990) have been remembered 10 ms, and are forgotten.
    const again = (id: string) => engine.applyExecutionReport({ operation: { side: "BUY", accountId: ACCOUNT }, executionId: id }).duplicateExecutionId;
    expect(again("X9982")).toBe(true);
    expect(again("X9980")).toBeUndefined();
    expect(engine.snapshotState().executionIds!.size).toBe(19);
  });
});
