/**
 * Found by review (session 37): a start that journals a `settings` record (any change of an
 * execution setting or of the file's quote TTLs at a restart) wrote the file's quote TTLs in
 * it whole, every `marketData.instruments` entry (about 66 bytes each here), and only a strict
 * `accounts.list` was ever split. Under the replicated journal's record bound (64 992 bytes
 * under a stream `max_msg_size` of 64 KiB) a file listing about 960 such instruments or more
 * could not start once a setting changed: "command too large to journal", before it served.
 * Now the listed instruments' entries go in `quoteTtlPart` records sized by the bound, before a
 * `settings` record with the quote TTLs but no instrument that names them (settings-parts.ts);
 * they are put in force at that record, all at once. A replay reaches the same state, and a
 * crash at any of the start's records is completed by the next start.
 *
 * The file journal stands in for the replicated one, wrapped as
 * long-account-list-bounded.test.ts wraps it (records over 64 992 bytes refused, that bound
 * reported).
 */
import { cpSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { QuoteTtl } from "../../src/marketdata/index.js";
import { InstrumentId } from "../../src/param/index.js";
import { parseSidecarConfig, type SidecarConfig } from "../../src/server/config/sidecar-config.js";
import { encodeCommand } from "../../src/state/command-codec.js";
import type { Command, CommandBody, ExecutionSettings, InstrumentTtlSetting } from "../../src/state/commands.js";
import { FileJournal } from "../../src/state/journal/file-journal.js";
import { encodePlain } from "../../src/state/plain-data.js";
import { roomWithin } from "../../src/state/record-budget.js";
import { settingsRecords } from "../../src/state/settings-parts.js";
import type { SidecarState } from "../../src/state/sidecar-state.js";
import { testConfig } from "../server/harness.js";
import { crash, crashCopies, journalRecords } from "./start-records.js";
import { useTempDirs } from "./journal/journal-test-helpers.js";
import { startState } from "./durable-state.js";
import { BOUND, boundFileJournals } from "./bounded-file-journal.js";

boundFileJournals();

const tempDir = useTempDirs();

/** 1 500 listed instruments, ids 1..1 500, each with a ttlMs of 60 s: about 99 000 bytes of entries, two parts under the bound. */
const INSTRUMENTS = Array.from({ length: 1_500 }, (_, i) => ({ id: i + 1, underlyingAsset: `SYM${i}`, settlementAsset: "USD", ttlMs: 60_000 }));
/** The same list with instrument 1's ttlMs lowered to 30 s. */
const LOWERED = INSTRUMENTS.map((i, n) => (n === 0 ? { ...i, ttlMs: 30_000 } : i));
const entries = (list: readonly (typeof INSTRUMENTS)[number][]): InstrumentTtlSetting[] => list.map(({ id: _id, ...i }) => i);

function config(dataDir: string, reservationTtlMs: number, instruments: readonly object[] = INSTRUMENTS): SidecarConfig {
  return parseSidecarConfig(
    testConfig({
      marketData: { defaultTtlMs: 0, instruments },
      limits: { reservationTtlMs },
      durability: { mode: "sync", dataDir, snapshotEveryRecords: 0, snapshotEverySeconds: 0, segmentBytes: 1 << 22 },
    }),
  );
}
const records = journalRecords;
const ttlOf = (state: SidecarState, id: number) => state.marketData.effectiveTtl(InstrumentId.fromU64(id));

/** The whole state (its snapshot but the sequence) and what the tests ask of it. */
const look = (state: SidecarState) => {
  const { sequence: _s, ...snap } = state.snapshot() as unknown as Record<string, unknown>;
  return {
    snapshot: Buffer.from(encodePlain(snap as never)).toString("base64"),
    reservationTtlMs: state.executionSettings().reservationTtlMs,
    listed: state.executionSettings().quoteTtls?.instruments.length,
    ttl1: ttlOf(state, 1),
    ttl2: ttlOf(state, 2),
    ttlLast: ttlOf(state, INSTRUMENTS.length),
  };
};

/** A first start on `from`, then one on `to` (its records returned), both crashed. */
async function twoStarts(dir: string, from: SidecarConfig, to: SidecarConfig) {
  const { state: first } = await startState(from, 1_000);
  await crash(first);
  const before = records(dir).at(-1)!.seq;
  const { state: second, report } = await startState(to, 2_000);
  const live = look(second);
  await crash(second);
  return { report, live, startRecords: records(dir).filter((r) => r.seq > before) };
}

/** A start on `cfg` after the start of twoStarts: the same state, and nothing journaled but its `served`. */
async function replaysTheSame(dir: string, cfg: SidecarConfig, live: ReturnType<typeof look>) {
  const last = records(dir).at(-1)!.seq;
  const { state, report } = await startState(cfg, 2_000);
  const replayed = look(state);
  await crash(state);
  expect(report.settingsChanged).toBe(false);
  expect(records(dir).filter((r) => r.seq > last).map((r) => r.kind)).toEqual(["served"]);
  expect(replayed).toEqual(live);
}

describe("a start with 1 500 listed instruments on a journal bounded to 64 992 bytes a record", () => {
  it("a restart that raises limits.reservationTtlMs journals the instruments in parts within the bound, serves, and a replay reaches the same state", async () => {
    const dir = tempDir();
    const { report, live, startRecords } = await twoStarts(dir, config(dir, 5_000), config(dir, 10_000));
    expect(report.settingsChanged).toBe(true);
    expect(startRecords.map((r) => r.kind)).toEqual(["quoteTtlPart", "quoteTtlPart", "settings", "served"]);
    expect(Math.max(...startRecords.map((r) => r.bytes))).toBeLessThanOrEqual(BOUND);
    expect(live).toMatchObject({ reservationTtlMs: 10_000, listed: 1_500, ttl1: QuoteTtl.within(60_000), ttlLast: QuoteTtl.within(60_000) });
    await replaysTheSame(dir, config(dir, 10_000), live);
  });

  it("a restart whose file lowers one instrument's ttlMs puts it in force (the others unchanged), and a replay reaches the same state", async () => {
    const dir = tempDir();
    const { report, live, startRecords } = await twoStarts(dir, config(dir, 5_000), config(dir, 5_000, LOWERED));
    expect(report.settingsChanged).toBe(true);
    expect(startRecords.map((r) => r.kind)).toEqual(["quoteTtlPart", "quoteTtlPart", "settings", "served"]);
    expect(live).toMatchObject({ reservationTtlMs: 5_000, listed: 1_500, ttl1: QuoteTtl.within(30_000), ttl2: QuoteTtl.within(60_000) });
    await replaysTheSame(dir, config(dir, 5_000, LOWERED), live);
    // The TTLs the state keeps are the file's, in its order.
    const { state } = await startState(config(dir, 5_000, LOWERED), 3_000);
    expect(state.executionSettings().quoteTtls).toEqual({ defaultTtlMs: 0, instruments: entries(LOWERED) });
    await crash(state);
  });

  it("a crash at any of the start's records (cut before it, or torn inside) is completed by the next start: the state an uninterrupted start reaches", async () => {
    const dir = tempDir();
    const { live, startRecords } = await twoStarts(dir, config(dir, 5_000), config(dir, 10_000, LOWERED));
    expect(startRecords.map((r) => r.kind)).toEqual(["quoteTtlPart", "quoteTtlPart", "settings", "served"]);
    expect(live).toMatchObject({ reservationTtlMs: 10_000, ttl1: QuoteTtl.within(30_000) });

    const got: { cut: string; same: boolean; reservationTtlMs: number; ttl1: QuoteTtl }[] = [];
    for (const { cut, dir: d } of crashCopies(dir, startRecords, tempDir)) {
      // Cut before the settings record: the TTLs and settings are those of before the start.
      const { state } = await startState(config(d, 10_000, LOWERED), 2_000);
      const { snapshot, reservationTtlMs, ttl1 } = look(state);
      await crash(state);
      got.push({ cut, same: snapshot === live.snapshot, reservationTtlMs, ttl1 });
    }
    expect(got).toEqual(got.map((g) => ({ cut: g.cut, same: true, reservationTtlMs: 10_000, ttl1: QuoteTtl.within(30_000) })));
  }, 60_000);

  it("a crash between the parts leaves the settings and TTLs of before in force: a start on the file of before journals nothing but its served", async () => {
    const dir = tempDir();
    const { startRecords } = await twoStarts(dir, config(dir, 5_000), config(dir, 10_000, LOWERED));
    // Cut before part 1: part 0 is there, part 1 and the settings record are not.
    const cut = crashCopies(dir, [startRecords[1]!], tempDir)[0]!.dir;
    expect(records(cut).at(-1)!.kind).toBe("quoteTtlPart");
    const { state } = await startState(config(cut, 5_000), 2_000);
    expect(look(state)).toMatchObject({ reservationTtlMs: 5_000, ttl1: QuoteTtl.within(60_000) });
    expect(records(cut).filter((r) => r.seq > startRecords[0]!.seq).map((r) => r.kind)).toEqual(["served"]);
    await crash(state);
  });

  it("with a strict account list in parts too: the list's parts, then the instruments', then the settings record", async () => {
    const dir = tempDir();
    const id = (i: number) => String(10_000_000_000_000_000_000n + BigInt(i));
    const list = Array.from({ length: 3_000 }, (_, i) => ({ id: id(i) }));
    const withList = (reservationTtlMs: number, accounts: readonly object[]) =>
      parseSidecarConfig(
        testConfig({
          accounts: { defaultCurrency: "USD", strict: true, list: accounts },
          marketData: { defaultTtlMs: 0, instruments: LOWERED },
          limits: { reservationTtlMs },
          durability: { mode: "sync", dataDir: dir, snapshotEveryRecords: 0, snapshotEverySeconds: 0, segmentBytes: 1 << 22 },
        }),
      );
    const { live, startRecords } = await twoStarts(dir, withList(5_000, []), withList(10_000, list));
    expect(startRecords.map((r) => r.kind)).toEqual(["accountListPart", "accountListPart", "quoteTtlPart", "quoteTtlPart", "settings", "served"]);
    expect(Math.max(...startRecords.map((r) => r.bytes))).toBeLessThanOrEqual(BOUND);
    expect(live).toMatchObject({ reservationTtlMs: 10_000, listed: 1_500, ttl1: QuoteTtl.within(30_000) });
    await replaysTheSame(dir, withList(10_000, list), live);
  });

  it("a settings record puts the instruments of its parts in force only when every part it names precedes it, with the count it names", async () => {
    const dir = tempDir();
    const { state } = await startState(config(dir, 5_000), 1_000);
    const record = (c: CommandBody) => encodeCommand({ ...c, ts: 1_000 } as Command);
    const [a, b] = entries(LOWERED) as [InstrumentTtlSetting, InstrumentTtlSetting];
    const part = (n: number, instruments: InstrumentTtlSetting[]): CommandBody => ({ kind: "quoteTtlPart", part: n, instruments });
    const settings = (parts: number, instruments: number): CommandBody => ({
      kind: "settings",
      settings: { ...state.executionSettings(), quoteTtls: { defaultTtlMs: 0, instruments: [] } },
      ttlParts: { parts, instruments },
    });
    const listed = () => state.executionSettings().quoteTtls?.instruments.length;

    expect(state.replay(record(part(1, [a])))).toBeInstanceOf(Error);
    state.replay(record(part(0, [a])));
    expect(String(state.replay(record(settings(2, 2))))).toMatch(/names 2 marketData.instruments parts, 1 precede it/);
    expect([listed(), ttlOf(state, 1)]).toEqual([1_500, QuoteTtl.within(60_000)]);
    // What a crashed start's parts left is dropped by the next part 0.
    state.replay(record(part(0, [a])));
    state.replay(record(part(0, [a])));
    state.replay(record(part(1, [b])));
    expect(String(state.replay(record(settings(2, 3))))).toMatch(/names 3 listed instruments, its parts hold 2/);
    expect([listed(), ttlOf(state, 1)]).toEqual([1_500, QuoteTtl.within(60_000)]);
    state.replay(record(part(0, [a])));
    state.replay(record(part(1, [b])));
    expect(state.replay(record(settings(2, 2)))).toBeUndefined();
    // Instrument 1 lowered to 30 s; instrument 3 and on no longer listed: the default (infinite) applies.
    expect([listed(), ttlOf(state, 1), ttlOf(state, 2), ttlOf(state, 3)]).toEqual([2, QuoteTtl.within(30_000), QuoteTtl.within(60_000), QuoteTtl.infinite()]);
    await crash(state);
  });

  it("parts past the tenth and the hundredth fit the bound too, and so does the settings record that names them", () => {
    // A small bound, so a few thousand entries take over a hundred parts; entries of mixed
    // sizes, so for some list length a part fills to the last byte: measured at part 0, such a
    // part from part 100 on (an index two digits longer) was over the room.
    const bound = 700;
    const current: ExecutionSettings = { maxOpenHandlesPerChannel: 10, reservationTtlMs: 0, knownAccounts: undefined, pinning: true };
    const failures: string[] = [];
    for (let n = 2_000; n < 2_100; n++) {
      // Another mix for each n (a seeded generator): assets of 1 to 24 characters, a ttlMs of 1 to 9 digits or none.
      let seed = n;
      const next = () => (seed = (Math.imul(seed, 1_103_515_245) + 12_345) >>> 0);
      const instruments = Array.from({ length: n }, (_, i): InstrumentTtlSetting => {
        const assets = { underlyingAsset: `${i}${"x".repeat(next() % 24)}`, settlementAsset: "USD" };
        return next() % 4 === 0 ? assets : { ...assets, ttlMs: Math.floor(10 ** (next() % 9)) + (next() % 9) };
      });
      try {
        const out = settingsRecords(current, { ...current, quoteTtls: { defaultTtlMs: 0, instruments } }, bound, 1_000);
        const parts = out.filter((r) => r.kind === "quoteTtlPart");
        if (parts.length <= 100) failures.push(`${n}: ${parts.length} parts only`);
        if (parts.flatMap((p) => (p.kind === "quoteTtlPart" ? p.instruments : [])).length !== n) failures.push(`${n}: entries lost`);
        for (const r of out) if (encodeCommand({ ...r, ts: 1_000 } as Command).length > roomWithin(bound)) failures.push(`${n}: a ${r.kind} record over the room`);
      } catch (e) {
        failures.push(`${n}: ${e instanceof Error ? e.message : String(e)}`);
      }
    }
    expect(failures).toEqual([]);
  });
});
