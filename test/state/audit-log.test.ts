/**
 * The audit trail in the door: one record per admin command (applied or failed) and per
 * denial, with the effect before and after for every command kind; retention bounds per
 * class; snapshots and journal replay give back the same records, bit for bit.
 */
import { describe, expect, it } from "vitest";
import { buildState } from "../../src/app/build-sidecar.js";
import { ManualClock } from "../../src/engine/index.js";
import { AccountGroupId, AccountId, InstrumentId, Pnl, Price } from "../../src/param/index.js";
import { PnlState } from "../../src/model/index.js";
import { parseSidecarConfig } from "../../src/server/config/sidecar-config.js";
import { AuditLog, UNAUTHENTICATED_ACTOR, type AuditFilter, type AuditRecord } from "../../src/state/audit-log.js";
import { encodeCommand } from "../../src/state/command-codec.js";
import type { AdminCommand } from "../../src/state/commands.js";
import type { SequencedEvent } from "../../src/state/event-hub.js";
import { decodePlain, encodePlain } from "../../src/state/plain-data.js";
import type { SidecarState, StateSnapshot } from "../../src/state/sidecar-state.js";
import { testConfig } from "../server/harness.js";
import { RecordingJournal } from "./recording-journal.js";

const A = AccountId.fromU64(42);
const B = AccountId.fromU64(43);
const G = AccountGroupId.fromU32(7);

function door(config: Record<string, unknown> = {}, clock = new ManualClock(1_000)): { state: SidecarState; clock: ManualClock; journal: RecordingJournal } {
  const state = buildState(parseSidecarConfig(testConfig(config)), clock);
  const journal = new RecordingJournal();
  state.attachJournal(journal);
  return { state, clock, journal };
}

const last = (s: SidecarState): AuditRecord => s.audit.query({ newestFirst: true, limit: 1 }).records[0]!;
const all = (s: SidecarState, filter: Partial<AuditFilter> = {}): AuditRecord[] => [...s.audit.query({ newestFirst: false, limit: 1_000_000, ...filter }).records];
/** Records keep JSON text; tests compare what it says. */
const effect = (r: AuditRecord) => [r.effect && JSON.parse(r.effect.before), r.effect && JSON.parse(r.effect.after)];
const operatorBlock = (reason: string) => ({ policy: "Engine", code: "AccountBlocked", reason, details: reason });

describe("audit records", () => {
  it("an applied change: sequence, the command's time, actor, action, request, before and after, the accounts it names", () => {
    const { state, clock } = door();
    clock.set(5_000.5);
    state.admin({ kind: "blockAccount", accountId: A, reason: "compliance hold" }, "alice");
    expect(last(state)).toEqual({
      sequence: 1n,
      time: 5_000.5,
      actor: "alice",
      action: "blockAccount",
      request: JSON.stringify({ accountId: "42", reason: "compliance hold" }),
      effect: { before: JSON.stringify({ accountId: "42", block: null }), after: JSON.stringify({ accountId: "42", block: operatorBlock("compliance hold") }) },
      outcome: "applied",
      reason: "",
      detail: "",
      accountIds: [A],
    });
  });

  it("a refused change is recorded as failed with the error, before = after; the error still reaches the caller", () => {
    const { state } = door();
    expect(() => state.admin({ kind: "replaceAccountBlockReason", accountId: A, reason: "x" })).toThrow("account is not blocked");
    const r = last(state);
    expect([r.actor, r.action, r.outcome, r.reason]).toEqual(["local", "replaceAccountBlockReason", "failed", "account is not blocked"]);
    expect(effect(r)).toEqual([
      { accountId: "42", block: null },
      { accountId: "42", block: null },
    ]);
  });

  it("every command kind records what it touches before and after", () => {
    const { state } = door();
    const effectOf = (command: AdminCommand) => {
      state.admin(command, "ops");
      const r = last(state);
      expect([r.action, r.outcome, r.reason]).toEqual([command.kind, "applied", ""]);
      return effect(r);
    };
    expect(effectOf({ kind: "blockAccount", accountId: A, reason: "hold" })).toEqual([
      { accountId: "42", block: null },
      { accountId: "42", block: operatorBlock("hold") },
    ]);
    expect(effectOf({ kind: "replaceAccountBlockReason", accountId: A, reason: "review" })).toEqual([
      { accountId: "42", block: operatorBlock("hold") },
      { accountId: "42", block: operatorBlock("review") },
    ]);
    expect(effectOf({ kind: "unblockAccount", accountId: A })).toEqual([
      { accountId: "42", block: operatorBlock("review") },
      { accountId: "42", block: null },
    ]);
    expect(effectOf({ kind: "registerGroup", accountIds: [A, B], group: G })).toEqual([
      { groups: [{ accountId: "42", groupId: null }, { accountId: "43", groupId: null }] },
      { groups: [{ accountId: "42", groupId: 7 }, { accountId: "43", groupId: 7 }] },
    ]);
    expect(effectOf({ kind: "blockGroup", group: G, reason: "desk" })).toEqual([
      { groupId: 7, block: null },
      { groupId: 7, block: operatorBlock("desk") },
    ]);
    expect(effectOf({ kind: "replaceGroupBlockReason", group: G, reason: "desk 2" })).toEqual([
      { groupId: 7, block: operatorBlock("desk") },
      { groupId: 7, block: operatorBlock("desk 2") },
    ]);
    expect(effectOf({ kind: "unblockGroup", group: G })).toEqual([
      { groupId: 7, block: operatorBlock("desk 2") },
      { groupId: 7, block: null },
    ]);
    expect(effectOf({ kind: "unregisterGroup", accountIds: [B], group: G })).toEqual([{ groups: [{ accountId: "43", groupId: 7 }] }, { groups: [{ accountId: "43", groupId: null }] }]);
    expect(effectOf({ kind: "setAccountCurrency", accountId: A, currency: "CHF" })).toEqual([
      { accountId: "42", currency: null },
      { accountId: "42", currency: "CHF" },
    ]);
    expect(effectOf({ kind: "setGroupCurrency", group: AccountGroupId.DEFAULT, currency: undefined })).toEqual([
      { groupId: 0, currency: "USD" },
      { groupId: 0, currency: null },
    ]);
    const rateLimit = (maxOrders: number, windowMs: number) => ({ policy: "RateLimitPolicy", settings: { broker: { maxOrders, windowMs } } });
    const [before, after] = effectOf({ kind: "configurePolicy", policy: "RateLimitPolicy", settings: { broker: { maxOrders: 2, windowMs: 60000 } } });
    expect(before).toMatchObject(rateLimit(1000000, 1000));
    expect(after).toMatchObject(rateLimit(2, 60000));
    expect(effectOf({ kind: "setPnlAccumulator", policy: "PnlBoundsKillSwitchPolicy", accountId: A, asset: "USD", pnl: Pnl.fromString("-12.50") })).toEqual([
      { policy: "PnlBoundsKillSwitchPolicy", accountId: "42", settlementAsset: "USD", pnl: null },
      { policy: "PnlBoundsKillSwitchPolicy", accountId: "42", settlementAsset: "USD", pnl: "-12.50" },
    ]);
    expect(effectOf({ kind: "setSpotFundsAccountPnl", policy: "SpotFundsPolicy", accountId: A, state: PnlState.halted("MissingFx") })).toEqual([
      { policy: "SpotFundsPolicy", accountId: "42", pnl: null, block: null },
      { policy: "SpotFundsPolicy", accountId: "42", pnl: { halted: "MissingFx" }, block: null },
    ]);
    const msft = { underlyingAsset: "MSFT", settlementAsset: "USD" };
    expect(effectOf({ kind: "registerInstrument", instrument: msft, id: InstrumentId.fromU64(9), ttlMs: undefined })).toEqual([
      { instrument: msft, instrumentId: null },
      { instrument: msft, instrumentId: "9" },
    ]);
    const push = (mark: string, accountIds: AccountId[] = [], groups: AccountGroupId[] = []): AdminCommand => ({
      kind: "pushQuote",
      target: { id: InstrumentId.fromU64(9) },
      quote: { mark: Price.fromString(mark) },
      accountIds,
      groups,
      patch: false,
    });
    expect(effectOf(push("10"))).toEqual([
      { instrumentId: "9", buckets: [{ groupId: 0, quote: null }] },
      { instrumentId: "9", buckets: [{ groupId: 0, quote: { mark: "10" } }] },
    ]);
    expect(effectOf(push("11", [A], [G]))).toEqual([
      { instrumentId: "9", buckets: [{ accountId: "42", quote: null }, { groupId: 7, quote: null }] },
      { instrumentId: "9", buckets: [{ accountId: "42", quote: { mark: "11" } }, { groupId: 7, quote: { mark: "11" } }] },
    ]);
    expect(all(state).map((r) => r.sequence)).toEqual(Array.from({ length: 16 }, (_, i) => BigInt(i + 1)));
  });

  it("a denial is journaled, recorded and announced with its actor; nothing else changes", () => {
    const { state, clock, journal } = door();
    // Everything but the trail itself, the journal position, the last command's time and the
    // event numbering and kept events (the denial's own event takes a number and is kept).
    const stateOf = () => Buffer.from(encodePlain({ ...state.snapshot(), audit: undefined, ts: 0, sequence: 0n, eventSequence: 0n, keptEvents: undefined })).toString();
    const before = stateOf();
    const seen: SequencedEvent[] = [];
    state.events.subscribe((e) => seen.push(e));
    clock.set(7_000);
    const record = state.recordDenial({ actor: "mallory", action: "blockAccount", detail: "BlockAccount account 42", reason: "role gateway may not call AdminService", accountIds: [A] });
    expect(record).toEqual({
      sequence: 1n,
      time: 7_000,
      actor: "mallory",
      action: "blockAccount",
      request: "{}",
      effect: undefined,
      outcome: "denied",
      reason: "role gateway may not call AdminService",
      detail: "BlockAccount account 42",
      accountIds: [A],
    });
    expect(journal.records).toHaveLength(1);
    expect(stateOf()).toBe(before);
    expect(seen).toEqual([{ sequence: 1n, actor: "mallory", event: { kind: "auditRecorded", record } }]);
  });

  it("events an admin command causes carry its actor, then its audit record; events nobody asked for carry none", () => {
    const { state } = door();
    const seen: SequencedEvent[] = [];
    state.events.subscribe((e) => seen.push(e));
    state.admin({ kind: "blockAccount", accountId: A, reason: "hold" }, "alice");
    expect(seen.map((e) => [e.actor, e.event.kind])).toEqual([
      ["alice", "accountBlocked"],
      // A block is a kill switch: monitors hear the cancel notices went out (to no channel here).
      ["alice", "cancelWorkingOrdersSent"],
      ["alice", "auditRecorded"],
    ]);
  });
});

describe("retention", () => {
  const record = (action: string, outcome: AuditRecord["outcome"] = "applied") =>
    ({ time: 0, actor: "a", action, request: "{}", effect: undefined, outcome, reason: "", detail: "", accountIds: [] }) as const;

  it("each class keeps its newest records up to its bound; a flood of one never pushes another out", () => {
    const log = new AuditLog({ records: 3, quoteRecords: 2, denials: 1, unauthenticatedDenials: 1 });
    for (let i = 0; i < 5; i++) log.append(record("blockAccount"));
    for (let i = 0; i < 50; i++) log.append(record("pushQuote"));
    for (let i = 0; i < 10; i++) log.append(record("openChannel", "denied"));
    const kept = log.query({ newestFirst: false, limit: 100 }).records;
    expect(kept.map((r) => [r.sequence, r.action])).toEqual([
      [3n, "blockAccount"],
      [4n, "blockAccount"],
      [5n, "blockAccount"],
      [54n, "pushQuote"],
      [55n, "pushQuote"],
      [65n, "openChannel"],
    ]);
    expect(log.dropped).toBe(2n + 48n + 9n);
    expect(log.size).toBe(6);
  });

  // Found by review (session 42): refusals of nobody identified shared the denials' class, so
  // anyone reaching the port pushed every principal's denial out at the throttled rate.
  it("refusals of nobody identified have a class of their own: a flood of them never pushes a principal's denial out", () => {
    const log = new AuditLog({ records: 3, quoteRecords: 2, denials: 2, unauthenticatedDenials: 3 });
    log.append({ ...record("blockAccount", "denied"), actor: "monitor" });
    for (let i = 0; i < 500; i++) log.append({ ...record("getJournalStatus", "denied"), actor: UNAUTHENTICATED_ACTOR });
    const kept = log.query({ newestFirst: false, limit: 100 }).records;
    expect(kept.map((r) => [r.sequence, r.actor, r.action])).toEqual([
      [1n, "monitor", "blockAccount"],
      [499n, UNAUTHENTICATED_ACTOR, "getJournalStatus"],
      [500n, UNAUTHENTICATED_ACTOR, "getJournalStatus"],
      [501n, UNAUTHENTICATED_ACTOR, "getJournalStatus"],
    ]);
    expect(log.dropped).toBe(497n);
    // A snapshot's records go back into the same classes.
    const again = new AuditLog({ records: 3, quoteRecords: 2, denials: 2, unauthenticatedDenials: 1 });
    again.restore(log.toData());
    expect(again.query({ newestFirst: false, limit: 100 }).records.map((r) => r.sequence)).toEqual([1n, 501n]);
  });

  it("the configured bound applies in the door (audit.retainRecords, audit.retainUnauthenticatedDenials)", () => {
    const { state } = door({ audit: { retainRecords: 2 } });
    for (let i = 0; i < 4; i++) state.admin({ kind: "blockAccount", accountId: AccountId.fromU64(100 + i), reason: `hold ${i}` });
    expect(all(state).map((r) => r.sequence)).toEqual([3n, 4n]);
    expect(state.audit.dropped).toBe(2n);
    const strangers = door({ audit: { retainUnauthenticatedDenials: 1 } }).state;
    strangers.recordDenial({ actor: "mallory", action: "unblockAccount", detail: "", reason: "denied" });
    for (let i = 0; i < 3; i++) strangers.recordDenial({ actor: UNAUTHENTICATED_ACTOR, action: "getJournalStatus", detail: "", reason: "UNAUTHENTICATED" });
    expect(all(strangers).map((r) => [r.sequence, r.actor])).toEqual([
      [1n, "mallory"],
      [4n, UNAUTHENTICATED_ACTOR],
    ]);
  });
});

describe("query", () => {
  function sample() {
    const { state, clock } = door();
    clock.set(2_000);
    state.admin({ kind: "blockAccount", accountId: A, reason: "a" }, "alice"); // 1
    clock.set(3_000);
    state.admin({ kind: "blockAccount", accountId: B, reason: "b" }, "bob"); // 2
    clock.set(4_000);
    expect(() => state.admin({ kind: "replaceAccountBlockReason", accountId: AccountId.fromU64(9), reason: "c" }, "alice")).toThrow(); // 3
    clock.set(5_000);
    state.recordDenial({ actor: "mallory", action: "unblockAccount", detail: "", reason: "denied", accountIds: [A] }); // 4
    clock.set(6_000);
    state.admin({ kind: "registerGroup", accountIds: [A, B], group: G }, "bob"); // 5
    return state;
  }
  const seqs = (state: SidecarState, filter: Partial<AuditFilter>) => {
    const { records, more } = state.audit.query({ newestFirst: false, limit: 100, ...filter });
    return { seqs: records.map((r) => Number(r.sequence)), more };
  };

  it("filters by actor, action, account, outcome, time range and sequence; oldest or newest first; limit", () => {
    const state = sample();
    expect(seqs(state, {}).seqs).toEqual([1, 2, 3, 4, 5]);
    expect(seqs(state, { actor: "alice" }).seqs).toEqual([1, 3]);
    expect(seqs(state, { action: "blockAccount" }).seqs).toEqual([1, 2]);
    expect(seqs(state, { accountId: A }).seqs).toEqual([1, 4, 5]);
    expect(seqs(state, { outcome: "failed" }).seqs).toEqual([3]);
    expect(seqs(state, { outcome: "denied" }).seqs).toEqual([4]);
    expect(seqs(state, { fromTime: 3_000, toTime: 5_000 }).seqs).toEqual([2, 3]);
    expect(seqs(state, { afterSequence: 2n, beforeSequence: 5n }).seqs).toEqual([3, 4]);
    expect(seqs(state, { newestFirst: true }).seqs).toEqual([5, 4, 3, 2, 1]);
    expect(seqs(state, { newestFirst: true, beforeSequence: 4n, limit: 2 })).toEqual({ seqs: [3, 2], more: true });
    expect(seqs(state, { afterSequence: 3n, limit: 2 })).toEqual({ seqs: [4, 5], more: false });
    expect(seqs(state, { accountId: B, actor: "bob", newestFirst: true })).toEqual({ seqs: [5, 2], more: false });
  });
});

describe("durability of the records", () => {
  function workload(state: SidecarState, clock: ManualClock) {
    for (let i = 0; i < 6; i++) {
      clock.set(1_000 + i * 10);
      state.admin({ kind: "blockAccount", accountId: AccountId.fromU64(100 + (i % 3)), reason: `hold ${i}` }, i % 2 ? "alice" : "bob");
      try {
        state.admin({ kind: "unregisterGroup", accountIds: [A], group: G }, "carol");
      } catch {
        // refused: recorded as failed
      }
      state.recordDenial({ actor: "mallory", action: "configurePolicy", detail: `try ${i}`, reason: "not an operator" });
    }
  }
  const auditBytes = (s: SidecarState) => Buffer.from(encodePlain(s.audit.toData())).toString();

  it("a replay of the journal makes the same records, bit for bit; a snapshot restores them", () => {
    const live = door();
    workload(live.state, live.clock);
    expect(live.state.audit.size).toBe(18);

    const replayed = door({}, new ManualClock(0));
    for (const payload of live.journal.records) replayed.state.replay(payload);
    expect(auditBytes(replayed.state)).toBe(auditBytes(live.state));

    const restored = door({}, new ManualClock(0));
    restored.state.restore(decodePlain(encodePlain(live.state.snapshot())) as StateSnapshot);
    expect(auditBytes(restored.state)).toBe(auditBytes(live.state));
    // Numbering goes on after a restore.
    restored.state.admin({ kind: "unblockAccount", accountId: A });
    expect(last(restored.state).sequence).toBe(19n);

    // A smaller bound at the restart keeps the newest records of each class.
    const smaller = door({ audit: { retainRecords: 2, retainDenials: 1 } }, new ManualClock(0));
    smaller.state.restore(decodePlain(encodePlain(live.state.snapshot())) as StateSnapshot);
    expect(all(smaller.state).map((r) => [r.sequence, r.outcome])).toEqual([
      [16n, "applied"],
      [17n, "failed"],
      [18n, "denied"],
    ]);
    expect(smaller.state.audit.dropped).toBe(15n);
  });

  it("a snapshot written before the audit trail existed restores with an empty trail", () => {
    const live = door();
    workload(live.state, live.clock);
    const { audit: _audit, ...old } = live.state.snapshot();
    const restored = door({}, new ManualClock(0));
    restored.state.restore(decodePlain(encodePlain(old)) as StateSnapshot);
    expect(restored.state.audit.size).toBe(0);
  });

  it("an admin record journaled before actors existed replays as 'local'", () => {
    const old = encodeCommand({ kind: "admin", command: { kind: "blockAccount", accountId: A, reason: "old" }, ts: 1_500 });
    expect(Buffer.from(old).toString()).not.toContain("actor");
    const { state } = door({}, new ManualClock(0));
    state.replay(old);
    expect([last(state).actor, last(state).time, last(state).action]).toEqual(["local", 1_500, "blockAccount"]);
  });
});
