/**
 * HoldingsStore's one-entry cache (the account whose slots were last found): over random
 * puts (empty ones prune the slot and, with the last slot, the account), gets and in-place
 * restores, asked with fresh bigint objects for the same ids, every read of the live store
 * equals the same read of a store that saw only that account's writes (so its cache never
 * held another account) and of a store freshly restored from its snapshot.
 */
import { describe, expect, it } from "vitest";
import { AccountId, PositionSize } from "../../../src/param/index.js";
import { HoldingsStore, type Holdings } from "../../../src/policies/spot-funds/holdings-store.js";
import { seededRandom } from "../../../bench/workload.js";

const IDS = [1n, 2n, 3n, 2n ** 63n + 5n];
const ASSETS = ["USD", "AAPL", "EUR"];
const AMOUNTS = ["0", "0", "1", "-2.5", "10.00"];
const id = (n: bigint): AccountId => AccountId.fromU64(BigInt.asUintN(64, n + 0n));

function reads(store: HoldingsStore, n: bigint): string[] {
  const a = id(n);
  const slots = store.slotsOf(a);
  return [
    `slots ${slots === undefined ? "none" : [...slots.keys()].join(",")}`,
    ...ASSETS.map((asset) => {
      const h = store.get(a, asset);
      return `${asset} ${h.available} ${h.held} ${h.incoming}`;
    }),
  ];
}

describe("HoldingsStore's one-entry cache", () => {
  it("reads like per-account stores and a freshly restored store after every step", () => {
    const random = seededRandom(101);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!;
    let pruned = 0;
    let restored = 0;
    for (let run = 0; run < 200; run++) {
      const store = new HoldingsStore();
      const alone = new Map(IDS.map((n) => [n, new HoldingsStore()]));
      for (let step = 0; step < 40; step++) {
        const n = pick(IDS);
        const accountId = id(n);
        const asset = pick(ASSETS);
        // Often an empty slot: it prunes the slot, and the account with its last one.
        const empty = random() < 0.4;
        const amount = () => PositionSize.fromString(empty ? "0" : pick(AMOUNTS));
        const h: Holdings = {
          available: amount(),
          held: amount(),
          incoming: amount(),
          averageEntryPrice: undefined,
          realizedPnl: undefined,
        };
        if (random() < 0.9) {
          const had = store.slotsOf(accountId) !== undefined;
          store.put(accountId, asset, h);
          alone.get(n)!.put(accountId, asset, h);
          if (had && store.slotsOf(accountId) === undefined) pruned++;
        } else {
          // Restored in place from a store that moved on: the cached slots are not the state any more.
          const other = new HoldingsStore();
          other.restore(store.snapshot());
          other.put(accountId, asset, h);
          store.restore(other.snapshot());
          alone.get(n)!.put(accountId, asset, h);
          restored++;
        }
        const fresh = new HoldingsStore();
        fresh.restore(store.snapshot());
        for (const m of IDS) {
          expect(reads(store, m)).toEqual(reads(alone.get(m)!, m));
          expect(reads(store, m)).toEqual(reads(fresh, m));
        }
      }
    }
    expect(pruned).toBeGreaterThan(100);
    expect(restored).toBeGreaterThan(300);
  });
});
