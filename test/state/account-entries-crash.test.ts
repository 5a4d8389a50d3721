/**
 * Found by review: without a strict list, a start journaled an added account's group
 * (registerGroup) and its currency (setAccountCurrency) as two records. A crash between them
 * (a power loss mid-batch leaves a hole from a record's start to the end: docs/durability.md)
 * left the account in its group with no currency; the next start saw it as known (a group
 * makes it so) and only warned `account_entry_differs`, for good, so it was priced in the
 * fallback currency. Each start's entries now go in `applyAccountEntries` records, each
 * account whole in one of them, applied all or nothing. Here a start's own records are cut at
 * every record boundary (and torn inside each record), and the start after the crash must
 * reach the state an uninterrupted start reaches.
 */
import { cpSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { AccountGroupId, AccountId } from "../../src/param/index.js";
import { ADMIN_COMMAND_DECODERS } from "../../src/server/codec/decode-admin.js";
import { parseSidecarConfig, type SidecarConfig } from "../../src/server/config/sidecar-config.js";
import { decodeCommand } from "../../src/state/command-codec.js";
import { CONFIGURATION_ACTOR } from "../../src/state/commands.js";
import { readJournal } from "../../src/state/journal/journal-reader.js";
import { encodePlain } from "../../src/state/plain-data.js";
import type { SidecarState } from "../../src/state/sidecar-state.js";
import { openReservations } from "../helpers/recovery-rollbacks.js";
import { ACCOUNT, testConfig } from "../server/harness.js";
import { crash, crashCopies, journalRecords } from "./start-records.js";
import { useTempDirs } from "./journal/journal-test-helpers.js";
import { startState } from "./durable-state.js";

const tempDir = useTempDirs();

function config(dataDir: string, accounts: object): SidecarConfig {
  return parseSidecarConfig(
    testConfig({
      accounts: { defaultCurrency: "USD", ...accounts },
      durability: { mode: "sync", dataDir, snapshotEveryRecords: 0, snapshotEverySeconds: 0, segmentBytes: 1 << 20 },
    }),
  );
}
const records = journalRecords;

const TWO = AccountId.fromU64(2);
interface Look {
  snapshot: string;
  group2: unknown;
  currency2: unknown;
  known2: boolean;
  audit: string[];
}
const look = (state: SidecarState): Look => {
  const { sequence: _s, ...snap } = state.snapshot() as unknown as Record<string, unknown>;
  return {
    snapshot: Buffer.from(encodePlain(snap as never)).toString("base64"),
    group2: state.engine.accounts().groupOf(TWO),
    currency2: state.engine.accounts().ownCurrencyOf(TWO),
    known2: state.isKnownAccount(TWO),
    audit: state.audit.toData().records.map((r) => `${r.actor} ${r.action} ${r.time} ${r.outcome}`),
  };
};

/**
 * A start on `before` (leaves a reservation open, so the next start rolls it back), crashed;
 * then a start on `after`, crashed. For each record of that second start (and torn inside
 * each), a copy cut there is started on `after` again: it must reach the state a start on the
 * uncut copy reaches.
 */
async function everyCut(before: SidecarConfig, afterOf: (dir: string) => SidecarConfig, middle?: SidecarConfig) {
  const dir = tempDir();
  if (middle) {
    const { state: zero } = await startState({ ...middle, durability: { ...middle.durability, dataDir: dir } }, 500);
    await crash(zero);
  }
  const { state: first } = await startState({ ...before, durability: { ...before.durability, dataDir: dir } }, 1_000);
  openReservations(first, AccountId.fromU64(ACCOUNT), 1);
  await crash(first);
  const firstLast = records(dir).at(-1)!.seq;
  const { state: second } = await startState(afterOf(dir), 2_000);
  await crash(second);
  const startRecords = records(dir).filter((r) => r.seq > firstLast);

  const refDir = tempDir();
  cpSync(dir, refDir, { recursive: true });
  const { state: ref } = await startState(afterOf(refDir), 2_000);
  const want = look(ref);
  await crash(ref);

  const got: (Omit<Look, "snapshot"> & { cut: string; sameSnapshot: boolean })[] = [];
  for (const { cut, dir: d } of crashCopies(dir, startRecords, tempDir)) {
    const { state } = await startState(afterOf(d), 2_000);
    const { snapshot, ...rest } = look(state);
    await crash(state);
    got.push({ cut, ...rest, sameSnapshot: snapshot === want.snapshot });
  }
  const { snapshot: _x, ...wantRest } = want;
  return { kinds: startRecords.map((r) => r.kind), want: wantRest, got, expected: got.map((g) => ({ cut: g.cut, ...wantRest, sameSnapshot: true })) };
}

describe("a durable start crashed at each of its own records: accounts.list entries of accounts admitted anew", () => {
  it("non-strict list: an account the state never saw, added with a group and a currency, gets both or neither", async () => {
    const { kinds, want, got, expected } = await everyCut(config("x", { list: [{ id: 1 }] }), (d) => config(d, { list: [{ id: 1 }, { id: 2, group: 9, currency: "EUR" }] }));
    expect(want).toMatchObject({ group2: 9, currency2: "EUR" });
    expect(got).toEqual(expected);
    expect(want.audit).toEqual(["(configuration) applyAccountEntries 2000 applied"]);
    expect(kinds).toEqual(["closeChannel", "admin:applyAccountEntries", "served"]);
  });

  it("strict list: an account added with a group and a currency", async () => {
    const list = [{ id: String(ACCOUNT) }];
    const { kinds, want, got, expected } = await everyCut(config("x", { strict: true, list }), (d) => config(d, { strict: true, list: [...list, { id: 2, group: 9, currency: "EUR" }] }));
    expect(want).toMatchObject({ group2: 9, currency2: "EUR", known2: true });
    expect(got).toEqual(expected);
    expect(kinds).toEqual(["closeChannel", "admin:applyAccountEntries", "settings", "served"]);
  });

  it("strict list: an account taken off and put back in another group, with a currency (moved in the same record)", async () => {
    const list = [{ id: String(ACCOUNT) }];
    const earlier = config("x", { strict: true, list: [...list, { id: 2, group: 4 }] });
    const { kinds, want, got, expected } = await everyCut(
      config("x", { strict: true, list }),
      (d) => config(d, { strict: true, list: [...list, { id: 2, group: 9, currency: "EUR" }] }),
      earlier,
    );
    expect(want).toMatchObject({ group2: 9, currency2: "EUR", known2: true });
    expect(got).toEqual(expected);
    expect(kinds).toEqual(["closeChannel", "admin:applyAccountEntries", "settings", "served"]);
  });

  it("non-strict list: a group-only and a currency-only newcomer", async () => {
    const { kinds, got, expected } = await everyCut(config("x", { list: [{ id: 1 }] }), (d) => config(d, { list: [{ id: 1 }, { id: 2, group: 9 }, { id: 3, currency: "EUR" }] }));
    expect(got).toEqual(expected);
    expect(kinds).toEqual(["closeChannel", "admin:applyAccountEntries", "served"]);
  });

  it("a long list goes in records of 1000 entries, each account's group and currency in one of them", async () => {
    const added = Array.from({ length: 1001 }, (_, i) => ({ id: 10 + i, group: 9, currency: "EUR" }));
    const { kinds, got, expected } = await everyCut(config("x", { list: [{ id: 1 }] }), (d) => config(d, { list: [{ id: 1 }, ...added] }));
    expect(got).toEqual(expected);
    expect(kinds).toEqual(["closeChannel", "admin:applyAccountEntries", "admin:applyAccountEntries", "served"]);
  });
});

describe("applyAccountEntries", () => {
  it("applies whole or not at all: one entry it cannot apply fails the command, and nothing changes (live and on replay)", async () => {
    const dir = tempDir();
    const { state } = await startState(config(dir, { list: [{ id: 1 }] }), 1_000);
    const three = AccountId.fromU64(3);
    const bad = { kind: "applyAccountEntries", entries: [{ accountId: TWO, group: 9 as AccountGroupId, currency: "EUR" }, { accountId: three, group: 0 as AccountGroupId }] } as const;
    expect(() => state.admin(bad, CONFIGURATION_ACTOR)).toThrow(/entries\[1\]\.group: 0 is not an account group/);
    const repeated = { kind: "applyAccountEntries", entries: [{ accountId: TWO, group: 9 as AccountGroupId }, { accountId: TWO, currency: "EUR" }] } as const;
    expect(() => state.admin(repeated, CONFIGURATION_ACTOR)).toThrow(/entries\[1\]\.accountId: account 2 is named by an earlier entry/);
    const untouched = [state.engine.accounts().groupOf(TWO), state.engine.accounts().ownCurrencyOf(TWO), state.engine.accounts().groupOf(three)];
    expect(untouched).toEqual([undefined, undefined, undefined]);
    state.admin({ kind: "applyAccountEntries", entries: [{ accountId: TWO, group: 9 as AccountGroupId, currency: "EUR" }] }, CONFIGURATION_ACTOR);
    const records = state.audit.toData().records;
    expect(records.map((r) => `${r.actor} ${r.action} ${r.outcome}`)).toEqual([
      "(configuration) applyAccountEntries failed",
      "(configuration) applyAccountEntries failed",
      "(configuration) applyAccountEntries applied",
    ]);
    expect(records[0]!.accountIds).toEqual([TWO, three]);
    expect(state.audit.toData().records.at(-1)).toMatchObject({
      effect: { before: '{"accounts":[{"accountId":"2","groupId":null,"currency":null}]}', after: '{"accounts":[{"accountId":"2","groupId":9,"currency":"EUR"}]}' },
    });
    const live = look(state);
    await crash(state);
    const { state: replayed } = await startState(config(dir, { list: [{ id: 1 }] }), 3_000);
    const again = look(replayed);
    await crash(replayed);
    expect({ ...again, audit: again.audit.slice(0, 3) }).toEqual({ ...live, snapshot: again.snapshot });
    expect(again).toMatchObject({ group2: 9, currency2: "EUR" });
  });

  // With names bounded at 128 characters (session 39) an entry is at most about 228 bytes by the
  // estimate, so 1000 of them stay under 256 KiB: the count bound comes first. (A 400-character
  // currency once split 1000 entries 524 / 476 by size.)
  it("a list with the longest currency names (128 characters) goes in records of at most 1000 entries, under 256 KiB by the estimate", async () => {
    const dir = tempDir();
    const { state: first } = await startState(config(dir, { list: [{ id: 1 }] }), 1_000);
    await crash(first);
    const currency = "C".repeat(128);
    const list = [{ id: 1 }, ...Array.from({ length: 1100 }, (_, i) => ({ id: 10 + i, group: 9, currency }))];
    const { state, report } = await startState(config(dir, { list }), 2_000);
    await crash(state);
    expect(report.accountEntriesApplied).toHaveLength(1100);
    const sizes: number[] = [];
    readJournal(dir, {
      onRecord: (r) => {
        const c = decodeCommand(r.payload);
        if (c.kind === "admin" && c.command.kind === "applyAccountEntries") sizes.push(c.command.entries.length);
      },
    });
    expect(sizes).toEqual([1000, 100]);
  });

  it("is the configuration's own change: no AdminService call decodes to it", () => {
    expect(Object.keys(ADMIN_COMMAND_DECODERS)).not.toContain("applyAccountEntries");
  });
});
