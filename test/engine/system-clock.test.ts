/**
 * The clock live commands and an embedded engine read by default (engine/clock.ts,
 * systemClock): epoch milliseconds that never step back and follow the wall clock's forward
 * steps. Found by review (session 33): the sidecar anchored the monotonic clock at the wall
 * clock once, so a host that started before NTP set its clock kept audit times an hour off
 * for its whole run, and after a VM pause an hour-old quote read as fresh; and the embedded
 * engine's default clock counted from process start, so a snapshot restored into a new
 * process held times in its future (a rate window never passed, ids were never forgotten).
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { buildState } from "../../src/app/build-sidecar.js";
import { Engine, FORWARD_STEP_MS, systemClock, WALL_READ_EVERY_MS } from "../../src/engine/index.js";
import { recoverState } from "../../src/state/recovery.js";
import { durableConfig, holdAccounts, oneCommandThenCrash } from "../state/durable-state.js";
import { AccountId, InstrumentId, Price } from "../../src/param/index.js";
import { ClientOrderIdPolicy, OrderValidationPolicy, RateLimitPolicy } from "../../src/policies/index.js";
import { parseSidecarConfig } from "../../src/server/config/sidecar-config.js";
import { ACCOUNT, order, submit } from "../helpers/start-policies.js";
import { testConfig } from "../server/harness.js";
import { RecordingJournal } from "../state/recording-journal.js";

const HOUR = 3_600_000;
const REAL = 1_796_000_000_000;
let wall = 0;
let mono = 0;
afterEach(() => vi.restoreAllMocks());

/** Date.now and performance.now driven by hand (what a host's clocks do, simulated). */
function fakeClocks(wallAt: number, monoAt: number): void {
  wall = wallAt;
  mono = monoAt;
  vi.spyOn(Date, "now").mockImplementation(() => wall);
  vi.spyOn(performance, "now").mockImplementation(() => mono);
}

describe("systemClock", () => {
  it("runs on the monotonic clock from the wall clock's time, follows forward steps over a second, never steps back", () => {
    let w = REAL;
    let m = 5_000;
    let reads = 0;
    const clock = systemClock(() => (reads++, w), () => m);
    expect(clock.nowMs()).toBe(REAL);
    const step = WALL_READ_EVERY_MS;
    m += step;
    w += step;
    expect(clock.nowMs()).toBe(REAL + step);
    // The wall clock a second ahead or less (slewing, jitter): the monotonic time stands.
    m += step;
    w += step + FORWARD_STEP_MS;
    expect(clock.nowMs()).toBe(REAL + 2 * step);
    // Stepped forward an hour (NTP setting a clock that was behind, a VM pause): followed.
    m += step;
    w += step + HOUR;
    expect(clock.nowMs()).toBe(w);
    const followed = w;
    // Stepped back two hours: not followed, time runs on from where it was.
    m += step;
    w -= 2 * HOUR;
    expect(clock.nowMs()).toBe(followed + step);
    // Read at most every WALL_READ_EVERY_MS of running time: a step is followed within it.
    const before = reads;
    w += 2 * HOUR + 5 * FORWARD_STEP_MS;
    m += 1;
    expect(clock.nowMs()).toBe(followed + step + 1);
    expect(reads).toBe(before);
    m += step;
    expect(clock.nowMs()).toBe(w);
    expect(reads).toBe(before + 1);
  });
});

describe("the sidecar's command times after the wall clock is stepped", () => {
  function state(ttlMs = 0) {
    const s = buildState(parseSidecarConfig(testConfig({ marketData: { defaultTtlMs: ttlMs, instruments: [{ id: 1, underlyingAsset: "AAPL", settlementAsset: "USD" }] } })), systemClock());
    s.attachJournal(new RecordingJournal());
    return s;
  }

  it("started an hour behind, then set by NTP: audit records carry the real epoch time", () => {
    fakeClocks(REAL - HOUR, 5_000);
    const s = state();
    mono += 60_000;
    wall = REAL + 60_000;
    mono += 3 * HOUR;
    wall += 3 * HOUR;
    s.admin({ kind: "blockAccount", accountId: AccountId.fromU64(7), reason: "risk" });
    const record = s.audit.query({ newestFirst: false, limit: 100 }).records.at(-1)!;
    expect(record.action).toBe("blockAccount");
    expect(record.time).toBe(REAL + 60_000 + 3 * HOUR);
  });

  it("a VM pause of an hour: a quote published just before it (TTL 5 s) is stale right after", () => {
    fakeClocks(REAL, 5_000);
    const s = state(5_000);
    s.admin({ kind: "pushQuote", target: { id: InstrumentId.fromU64(1) }, quote: { mark: Price.fromString("100") }, accountIds: [], groups: [], patch: false } as never);
    wall += HOUR; // the monotonic clock did not count the pause; the wall clock is set on resume
    mono += WALL_READ_EVERY_MS; // seen within this much running time
    s.admin({ kind: "blockAccount", accountId: AccountId.fromU64(7), reason: "tick" });
    expect(s.marketData.lookup(InstrumentId.fromU64(1), undefined, undefined, "AccountThenGroupThenDefault")).toMatchObject({ ok: false, error: "QuoteExpired" });
  });
});

describe("an embedded engine's default clock across snapshotState / restoreState in a new process", () => {
  it("a rate window restored passes after its length", () => {
    fakeClocks(REAL, 3 * HOUR); // the first process has run three hours
    const build = () =>
      Engine.builder()
        .policy(new OrderValidationPolicy())
        .policy(new RateLimitPolicy({ assetBarriers: [], accountBarriers: [{ accountId: ACCOUNT, limit: { maxOrders: 1, windowMs: 1_000 } }], accountAssetBarriers: [] }))
        .build();
    const first = build();
    expect(submit(first, order()).ok).toBe(true);
    const snapshot = first.snapshotState();
    mono = 1_000; // a new process, one second after its start, ten seconds later
    wall += 10_000;
    const second = build();
    second.restoreState(snapshot);
    mono += 5_000;
    wall += 5_000;
    const r = submit(second, order());
    expect(r.ok ? "accepted" : r.rejects.map((x) => `${x.code}: ${x.details}`)).toBe("accepted");
  });

  it("client order ids restored are forgotten after retentionMs", () => {
    fakeClocks(REAL, 3 * HOUR);
    const make = () => Engine.builder().policy(new OrderValidationPolicy()).policy(new ClientOrderIdPolicy({ retentionMs: 1_000 })).build();
    const first = make();
    expect(submit(first, { ...order(), clientOrderId: "A-1" }).ok).toBe(true);
    const snapshot = first.snapshotState();
    mono = 1_000;
    wall += 10_000;
    const second = make();
    second.restoreState(snapshot);
    mono += 60_000;
    wall += 60_000;
    const r = submit(second, { ...order(), clientOrderId: "A-1" });
    expect(r.ok ? "accepted" : r.rejects.map((x) => x.code)).toBe("accepted");
  });
});

// Found by review of the clock's change: after a start on a host whose clock is behind the
// journal, the door added an offset on top of systemClock, which then also followed NTP's
// correction: the hour was counted twice, and time ran an hour ahead for good. The start now
// moves the clock itself forward (atLeast), and only what a later step passes is followed.
describe("a start on a host whose clock is an hour behind, then set by NTP", () => {
  it("resumes from the journal's time and then follows the real time, not an hour ahead of it", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "openpit-clock-"));
    try {
      await oneCommandThenCrash(dir, REAL);
      const config = durableConfig(dir);
      // Ten seconds later, on a host an hour behind.
      let w = REAL + 10_000 - HOUR;
      let m = 0;
      const second = buildState(config, systemClock(() => w, () => m));
      await recoverState(second, config.durability);
      m += 1;
      holdAccounts(second, 1, 1);
      expect(second.lastTs).toBe(REAL + 1);
      // NTP sets the clock to the real time.
      m += WALL_READ_EVERY_MS;
      w = REAL + 10_000 + 1 + WALL_READ_EVERY_MS;
      holdAccounts(second, 2, 1);
      expect(second.lastTs).toBe(w);
      await second.journal.close();
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
