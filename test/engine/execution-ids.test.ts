import { describe, expect, it } from "vitest";
import { DEFAULT_EXECUTION_ID_BOUNDS, Engine, EngineBuildError, ManualClock, PolicyCallbackError, SnapshotError, type EngineSnapshot } from "../../src/engine/index.js";
import { FORGET_PER_REPORT } from "../../src/engine/execution-ids.js";
import { reportFingerprint } from "../../src/engine/report-fingerprint.js";
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

/** The ids an engine remembers, as `account|id` in the order applied (the fingerprint left out). */
function remembered(engine: Engine): string[] {
  return engine.snapshotState().executionIds!.keys.map((k) => {
    const [account, , ...id] = k.split("|");
    return `${account}|${id.join("|")}`;
  });
}

/** A report that moves nothing (no trade, fee or lock) for ACCOUNT with execution id `id`. */
const bare = (id: string): ExecutionReport => ({ operation: { side: "BUY", accountId: ACCOUNT }, executionId: id });

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
    expect(remembered(engine)).toEqual([`${ACCOUNT}|B`, `${ACCOUNT}|C`]);
    expect(engine.executionIdStats()).toEqual({ remembered: 2, forgottenEarly: 1 });
    expect(engine.applyExecutionReport(fill("A")).duplicateExecutionId).toBeUndefined();
    expect(engine.applyExecutionReport(fill("C")).duplicateExecutionId).toBe(true);

    // A lower count forgets the oldest at once.
    engine.setExecutionIdBounds({ retainMs: 86_400_000, maxRemembered: 1 });
    expect(remembered(engine)).toEqual([`${ACCOUNT}|A`]);

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
    // Each with the time it is forgotten at: applied + the day's retention.
    expect(snapshot.executionIds!.keys.map((k) => k.split("|")[0])).toEqual([`${ACCOUNT}`, ""]);
    expect(remembered(engine)).toEqual([`${ACCOUNT}|E-1`, "|no-account"]);
    expect(snapshot.executionIds!.forgetAt).toEqual([86_401_000, 86_401_005]);

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
    expect(restored.snapshotState().executionIds!.keys).toEqual([]);
  });

  it("malformed ids in a snapshot are refused before anything changes", () => {
    const { engine } = spotEngine();
    seed(engine, "USD", "5");
    const good = engine.snapshotState();
    const target = spotEngine();
    seed(target.engine, "USD", "7");
    const bad = (ids: unknown) => ({ ...good, executionIds: ids }) as EngineSnapshot;
    expect(() => target.engine.restoreState(bad(new Map([["1|f|x", 1]])))).toThrow(new SnapshotError("Malformed", "engine snapshot: 'executionIds' must hold 'keys' and 'forgetAt' of one length"));
    expect(() => target.engine.restoreState(bad({ keys: ["1|f|x"], forgetAt: [] }))).toThrow("must hold 'keys' and 'forgetAt' of one length");
    expect(() => target.engine.restoreState(bad({ keys: ["1|x"], forgetAt: [1] }))).toThrow('engine snapshot: execution id entry 0 ("1|x") is malformed');
    expect(() => target.engine.restoreState(bad({ keys: ["1|f|x", "1|f|x"], forgetAt: [1, 2] }))).toThrow('execution id entry 1 ("1|f|x") is malformed');
    expect(() => target.engine.restoreState(bad({ keys: ["1|f|x"], forgetAt: [Number.NaN] }))).toThrow('execution id entry 0 ("1|f|x") is malformed');
    expect(slot(target.policy, "USD")).toEqual({ available: "7", held: "0", incoming: "0" });
  });

  it("bounds are checked: a retention under 1 ms or a negative count is a typed error", () => {
    expect(DEFAULT_EXECUTION_ID_BOUNDS).toEqual({ retainMs: 86_400_000, maxRemembered: 100_000 });
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
      engine.applyExecutionReport(bare(`X${i}`));
      if (i % 2 === 1) clock.advance(1);
    }
    // Two ids a millisecond: the last report (X9999, at 5999) forgot those applied by 5989.
    const kept = remembered(engine);
    expect(kept).toHaveLength(20);
    expect(kept[0]).toBe(`${ACCOUNT}|X9980`);
    // Now 6000: X9980 and X9981 (5990) have been remembered 10 ms, and are forgotten.
    const again = (id: string) => engine.applyExecutionReport(bare(id)).duplicateExecutionId;
    expect(again("X9982")).toBe(true);
    expect(again("X9980")).toBeUndefined();
    expect(remembered(engine)).toHaveLength(19);
    expect(engine.executionIdStats().forgottenEarly).toBe(0);
  });

  it("the same id with other content is another execution: applied, not dropped as a repeat", () => {
    const { engine, policy } = spotEngine();
    withOpenBuy(engine);
    // A gateway that puts the order's id where the execution's belongs: two fills, one id.
    engine.applyExecutionReport(fill("ORDER-7"));
    const second = { ...fillReport("BUY", "1", "100", { leaves: "0" }), executionId: "ORDER-7" };
    expect(engine.applyExecutionReport(second).duplicateExecutionId).toBeUndefined();
    expect(slot(policy, "AAPL")).toEqual({ available: "2", held: "0", incoming: "0" });
    // Each sent again exactly is a repeat.
    expect(engine.applyExecutionReport(second).duplicateExecutionId).toBe(true);
    expect(engine.applyExecutionReport(fill("ORDER-7")).duplicateExecutionId).toBe(true);
    expect(slot(policy, "AAPL")).toEqual({ available: "2", held: "0", incoming: "0" });
  });

  it("the fingerprint reads every field a report's effect depends on, decimals with their scale", () => {
    const base = fillReport("BUY", "1", "100", { leaves: "1", fee: ["0.5", "USD"] });
    const fp = reportFingerprint(base);
    expect(reportFingerprint({ ...base })).toBe(fp);
    const variants: ExecutionReport[] = [
      fillReport("SELL", "1", "100", { leaves: "1", fee: ["0.5", "USD"] }),
      fillReport("BUY", "2", "100", { leaves: "1", fee: ["0.5", "USD"] }),
      fillReport("BUY", "1", "100.0", { leaves: "1", fee: ["0.5", "USD"], lockPrice: "100" }),
      fillReport("BUY", "1", "100", { leaves: "0", fee: ["0.5", "USD"] }),
      fillReport("BUY", "1", "100", { leaves: "1", fee: ["0.5", "EUR"] }),
      fillReport("BUY", "1", "100", { leaves: "1", fee: ["0.5", "USD"], lockPrice: "101" }),
      fillReport("BUY", "1", "100", { leaves: "1", fee: ["0.5", "USD"], final: true }),
      { ...base, clientOrderId: "c-1" },
      { ...base, executionId: "not part of it" },
    ];
    expect(variants.map(reportFingerprint).filter((f) => f === fp)).toEqual([fp]);
    expect(new Set(variants.map(reportFingerprint)).size).toBe(variants.length);
  });

  it("a report forgets at most FORGET_PER_REPORT ids past their time; the rest are read as forgotten until then", () => {
    const { engine, clock } = spotEngine();
    engine.setExecutionIdBounds({ retainMs: 1_000, maxRemembered: 1_000 });
    for (let i = 0; i < 100; i++) engine.applyExecutionReport(bare(`W${i}`));
    // A quiet weekend later: the first report forgets FORGET_PER_REPORT, not a hundred.
    clock.advance(3 * 86_400_000);
    engine.applyExecutionReport(bare("Monday-1"));
    expect(engine.executionIdStats().remembered).toBe(100 - FORGET_PER_REPORT + 1);
    // W99 is past its time though not forgotten yet: applied again, not a repeat.
    expect(engine.applyExecutionReport(bare("W99")).duplicateExecutionId).toBeUndefined();
    expect(engine.applyExecutionReport(bare("W99")).duplicateExecutionId).toBe(true);
    for (let i = 0; i < 3; i++) engine.applyExecutionReport(bare(`Monday-${i + 2}`));
    expect(remembered(engine)).toEqual([`${ACCOUNT}|Monday-1`, `${ACCOUNT}|W99`, `${ACCOUNT}|Monday-2`, `${ACCOUNT}|Monday-3`, `${ACCOUNT}|Monday-4`]);
    expect(engine.executionIdStats().forgottenEarly).toBe(0);
  });

  it("an id keeps the retention it was applied under: a later change does not move it", () => {
    const { engine, clock } = spotEngine();
    engine.setExecutionIdBounds({ retainMs: 100, maxRemembered: 10 });
    engine.applyExecutionReport(bare("short"));
    engine.setExecutionIdBounds({ retainMs: 10_000, maxRemembered: 10 });
    engine.applyExecutionReport(bare("long"));
    clock.advance(100);
    expect(engine.applyExecutionReport(bare("short")).duplicateExecutionId).toBeUndefined();
    expect(engine.applyExecutionReport(bare("long")).duplicateExecutionId).toBe(true);
    // Shortened again: "long" keeps its 10 s, and blocks nothing behind it from being read as forgotten.
    engine.setExecutionIdBounds({ retainMs: 1, maxRemembered: 10 });
    engine.applyExecutionReport(bare("brief"));
    clock.advance(1);
    expect(engine.applyExecutionReport(bare("brief")).duplicateExecutionId).toBeUndefined();
    expect(engine.applyExecutionReport(bare("long")).duplicateExecutionId).toBe(true);
  });

  it("a snapshot holds no stale queue places: restored, the same reports forget the same ids, step by step", () => {
    // A hundred ids fall due at once; some still remembered past their time are applied again
    // (their old queue places go stale) while each report forgets its budget's worth.
    const again = [40, 45, 50, 55, 70, 75, 80, 85, 90, 95, 99, 60, 41, 42];
    const steps = [...Array.from({ length: 100 }, (_, i) => `W${i}`), ...again.map((n) => `W${n}`)];
    const run = (restoreAt: number | undefined) => {
      const { engine, clock } = spotEngine();
      engine.setExecutionIdBounds({ retainMs: 10, maxRemembered: 1_000 });
      let current = engine;
      const states: string[] = [];
      steps.forEach((id, i) => {
        if (i === restoreAt) {
          const fresh = spotEngine(new SpotFundsPolicy(), [], clock).engine;
          fresh.setExecutionIdBounds({ retainMs: 10, maxRemembered: 1_000 });
          fresh.restoreState(current.snapshotState());
          current = fresh;
        }
        if (i === 100) clock.advance(20);
        current.applyExecutionReport(bare(id));
        if (restoreAt === undefined || i >= restoreAt) states.push(JSON.stringify(current.snapshotState().executionIds));
      });
      return states;
    };
    const straight = run(undefined);
    for (const at of [101, 102, 103, 104, 110]) expect(run(at)).toEqual(straight.slice(at));
  });

  it("stale queue places stay bounded after a shorter retention (found by review: a hundred thousand places for two ids)", () => {
    const { engine, clock } = spotEngine();
    engine.applyExecutionReport(bare("A")); // remembered a day: the queue's front, not due
    engine.setExecutionIdBounds({ retainMs: 1, maxRemembered: 100_000 });
    for (let i = 0; i < 100_000; i++) {
      clock.advance(2);
      engine.applyExecutionReport(bare("X")); // each past its 1 ms: applied again
    }
    expect(engine.executionIdStats().remembered).toBe(2);
    const queue = (engine as unknown as { executionIds: { keys: string[]; head: number } }).executionIds;
    expect(queue.keys.length - queue.head).toBeLessThanOrEqual(2 + 1025);
    expect(remembered(engine)).toEqual([`${ACCOUNT}|A`, `${ACCOUNT}|X`]);
  });

  it("a lower count counts as forgotten early only the ids inside their retention (found by review)", () => {
    const { engine, clock } = spotEngine();
    engine.setExecutionIdBounds({ retainMs: 10, maxRemembered: 1_000 });
    for (let i = 0; i < 100; i++) engine.applyExecutionReport(bare(`E${i}`));
    clock.advance(1_000);
    engine.applyExecutionReport(bare("late")); // forgets 32; 68 past their time linger
    engine.setExecutionIdBounds({ retainMs: 10, maxRemembered: 1 });
    expect(engine.executionIdStats()).toEqual({ remembered: 1, forgottenEarly: 0 });
    engine.applyExecutionReport(bare("later"));
    expect(engine.executionIdStats()).toEqual({ remembered: 1, forgottenEarly: 1 });
  });
});
