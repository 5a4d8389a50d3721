/**
 * The client-order-id policy's column store (KnownIds, its per-account IdHashIndex) against a
 * plain insertion-ordered Map over random sequences of inserts (new and replacing), removals,
 * lookups, expiry, account drops and snapshot-style rebuilds, with enough ids to make the
 * ring grow and compact and the hash tables form long probe runs (backward-shift deletion).
 */
import { describe, expect, it } from "vitest";
import type { AccountId } from "../../src/param/index.js";
import { IdHashIndex, hashClientOrderId } from "../../src/policies/client-order-id/id-hash-index.js";
import { KnownIds } from "../../src/policies/client-order-id/known-ids.js";
import { seededRandom } from "../../bench/workload.js";

interface ModelEntry {
  accountId: AccountId;
  clientOrderId: string;
  since: number;
  decision: unknown;
}

class Model {
  readonly entries = new Map<string, ModelEntry>();
  key(accountId: AccountId, id: string): string {
    return `${accountId}/${id}`;
  }
  insert(e: ModelEntry): void {
    const old = this.entries.get(this.key(e.accountId, e.clientOrderId));
    if (old) {
      old.since = e.since;
      old.decision = e.decision;
    } else this.entries.set(this.key(e.accountId, e.clientOrderId), e);
  }
  expire(now: number, retentionMs: number): void {
    if (retentionMs <= 0) return;
    for (const [k, e] of this.entries) {
      if (now - e.since < retentionMs) return;
      this.entries.delete(k);
    }
  }
}

const ACCOUNTS = [1n, 2n, 3n, 18446744073709551615n] as AccountId[];

/** Ids of every kind the store copies into its character pages: ASCII, non-ASCII, a lone surrogate, long ones (pages' text buffers grow), empty. */
function idText(k: number): string {
  if (k % 11 === 0) return `é${k}\ud800`;
  if (k % 41 === 0) return "L".repeat(600 + (k % 50));
  if (k === 1) return "";
  return `o${k}`;
}

/** expect(actual).toBe(expected) without vitest's cost while they agree: checked at every one of 240 000 steps (the test ran 9 s, past 20 s on a loaded machine). */
function agree(actual: unknown, expected: unknown): void {
  if (!Object.is(actual, expected)) expect(actual).toBe(expected);
}

describe("KnownIds", () => {
  it("matches an insertion-ordered map over random sequences", () => {
    for (let seed = 1; seed <= 40; seed++) {
      const random = seededRandom(seed);
      const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!;
      const idCount = pick([8, 200, 3000]);
      const retentionMs = pick([0, 50, 500, 1_000_000]);
      let known = new KnownIds();
      const model = new Model();
      let now = 0;
      for (let step = 0; step < 6000; step++) {
        const r = random();
        const accountId = pick(ACCOUNTS);
        const id = idText(Math.floor(random() * idCount));
        if (r < 0.5) {
          const decision = random() < 0.5 ? undefined : { step };
          known.insert(accountId, id, now, decision);
          model.insert({ accountId, clientOrderId: id, since: now, decision });
        } else if (r < 0.75) {
          const cell = known.find(accountId, id);
          const key = model.key(accountId, id);
          agree(cell >= 0, model.entries.has(key));
          if (cell >= 0) {
            agree(known.sinceAt(cell), model.entries.get(key)!.since);
            agree(known.decisionAt(cell), model.entries.get(key)!.decision);
            known.removeAt(cell);
            model.entries.delete(key);
          }
        } else if (r < 0.9) {
          now += Math.floor(random() * 20);
          known.expire(now, retentionMs);
          model.expire(now, retentionMs);
        } else if (r < 0.92) {
          known.dropAccount(accountId);
          for (const [k, e] of model.entries) if (e.accountId === accountId) model.entries.delete(k);
        } else if (r < 0.94) {
          const rebuilt = new KnownIds();
          for (const e of known.inOrder()) rebuilt.insert(e.accountId, e.clientOrderId, e.since, e.decision);
          known = rebuilt;
        } else {
          const cell = known.find(accountId, id);
          const entry = model.entries.get(model.key(accountId, id));
          agree(cell >= 0 ? known.sinceAt(cell) : undefined, entry?.since);
        }
        agree(known.size, model.entries.size);
        if (step % 97 === 0 || step === 5999) {
          expect(known.inOrder()).toEqual([...model.entries.values()].map((e) => ({ ...e, order: -1 })));
          for (const a of ACCOUNTS) {
            const mine = [...model.entries.values()].filter((e) => e.accountId === a);
            expect(known.sizeOf(a)).toBe(mine.length);
            expect(known.sinceOfAccount(a)).toEqual(mine.map((e) => e.since));
          }
        }
      }
    }
  });

  it("keeps acceptance order and every lookup through new pages and compaction", () => {
    const known = new KnownIds();
    const a = 7n as AccountId;
    // A long-lived id at the head, then many short-lived ones: with retentionMs 0 nothing
    // expires, so dead cells pile up behind it and force compaction (and new pages with more live).
    known.insert(a, "first", 0, "d0");
    for (let i = 0; i < 20_000; i++) {
      known.insert(a, `t${i}`, i, undefined);
      if (i % 3 !== 0) known.removeAt(known.find(a, `t${i}`));
      known.expire(i, 0);
    }
    const listed = known.inOrder();
    expect(listed[0]).toEqual({ accountId: a, clientOrderId: "first", since: 0, decision: "d0", order: -1 });
    expect(listed.length).toBe(1 + Math.ceil(20_000 / 3));
    expect(listed.slice(1).map((e) => e.clientOrderId)).toEqual(Array.from({ length: Math.ceil(20_000 / 3) }, (_, k) => `t${3 * k}`));
    for (const e of listed) expect(known.sinceAt(known.find(a, e.clientOrderId))).toBe(e.since);
    expect(known.find(a, "t1")).toBe(-1);
  });
});

describe("KnownIds id texts", () => {
  it("tells apart two ids of the same length with the same hash", () => {
    // Fixed-width ids until two share a hash (a birthday collision: about 8 * 10^4 ids).
    const seen = new Map<number, string>();
    let pair: [string, string] | undefined;
    for (let i = 0; i < 2_000_000 && pair === undefined; i++) {
      const id = `k${i.toString(36).padStart(6, "0")}`;
      const h = hashClientOrderId(id);
      const other = seen.get(h);
      if (other !== undefined) pair = [other, id];
      else seen.set(h, id);
    }
    expect(pair).toBeDefined();
    const [first, second] = pair!;
    expect(hashClientOrderId(first)).toBe(hashClientOrderId(second));
    const known = new KnownIds();
    const a = 1n as AccountId;
    known.insert(a, first, 5, "d");
    expect(known.find(a, second)).toBe(-1);
    known.insert(a, second, 6, "e");
    expect(known.inOrder().map((e) => [e.clientOrderId, e.since])).toEqual([
      [first, 5],
      [second, 6],
    ]);
    expect(known.sinceAt(known.find(a, first))).toBe(5);
    expect(known.sinceAt(known.find(a, second))).toBe(6);
  });
});

describe("IdHashIndex", () => {
  it("finds, adds and removes like a set under colliding hashes", () => {
    const random = seededRandom(5);
    const index = new IdHashIndex(1n);
    const texts: string[] = [];
    const present = new Set<number>();
    // Few distinct hash values (masked) so runs wrap around and overlap.
    const hashOf = (slot: number) => ((slot % 7) * 0x10001) | 1;
    for (let step = 0; step < 20_000; step++) {
      const slot = Math.floor(random() * 300);
      texts[slot] = `x${slot}`;
      if (random() < 0.5) {
        if (!present.has(slot)) {
          index.add(hashOf(slot), slot);
          present.add(slot);
        }
      } else {
        expect(index.remove(hashOf(slot), slot)).toBe(present.delete(slot));
      }
      const probe = Math.floor(random() * 300);
      texts[probe] = `x${probe}`;
      expect(index.find(`x${probe}`, hashOf(probe), { tagHasText: (tag, text) => texts[tag] === text })).toBe(present.has(probe) ? probe : -1);
      expect(index.size).toBe(present.size);
    }
  });

  // Found by review (session 31): a table never shrank, so an account that once held many ids
  // at a time kept its largest table while it held none.
  it("goes back to its first size once emptied, and grows again from there", () => {
    const index = new IdHashIndex(1n);
    const first = index.capacity;
    for (let tag = 0; tag < 1_000; tag++) index.add(hashClientOrderId(`x${tag}`), tag);
    expect(index.capacity).toBeGreaterThan(first);
    for (let tag = 0; tag < 1_000; tag++) expect(index.remove(hashClientOrderId(`x${tag}`), tag)).toBe(true);
    expect([index.size, index.capacity]).toEqual([0, first]);
    index.add(hashClientOrderId("y"), 7);
    expect(index.find("y", hashClientOrderId("y"), { tagHasText: (tag, text) => tag === 7 && text === "y" })).toBe(7);
  });

  it("hashes ids to non-zero 32-bit values", () => {
    expect(hashClientOrderId("")).not.toBe(0);
    expect(hashClientOrderId("abc")).toBe(hashClientOrderId("abc"));
    expect(hashClientOrderId("abc")).not.toBe(hashClientOrderId("abd"));
  });
});
