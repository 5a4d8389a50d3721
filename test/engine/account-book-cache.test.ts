/**
 * The account book's one-entry cache (the account last found): over random sequences of
 * reserves, releases, reports, retirements and restores, asked with fresh bigint objects
 * for the same ids, every read of the live book equals the same read of a book freshly
 * restored from its data (whose cache is empty, so it reads through the map) and of a book
 * that saw only that account's steps (so its cache never held another account). The
 * instruments are fresh objects each step, with the two instruments interleaved: an entry's
 * last-slot cache must match by assets, not by object, and never hand out the other slot.
 */
import { describe, expect, it } from "vitest";
import { AccountBook } from "../../src/engine/account-book/index.js";
import { AccountId, Price, Quantity, instrument, type Side } from "../../src/param/index.js";
import { seededRandom } from "../../bench/workload.js";

const INSTRUMENTS = [instrument("AAPL", "USD"), instrument("MSFT", "USD")];
const IDS = [1n, 2n, 3n, 2n ** 63n + 5n];
const QTYS = ["1", "2.5", "10", "0.125"];

/** A fresh bigint object each time (as a decoded order carries), never the one stored. */
const id = (n: bigint): AccountId => AccountId.fromU64(BigInt.asUintN(64, n + 0n));

function reads(book: AccountBook, ids: readonly bigint[] = IDS): string[] {
  const out: string[] = [];
  for (const n of ids) {
    const a = id(n);
    out.push(`${n} open ${book.openOrders(a)} retirable ${book.isRetirable(a)}`);
    for (const e of book.instruments(a)) out.push(`${n} ${e.instrument.underlyingAsset} ${e.position} ${e.pendingBuy} ${e.pendingSell} ${e.worst}`);
    for (const i of INSTRUMENTS) out.push(`${n} ${i.underlyingAsset} ${book.position(a, i)} ${book.pendingQuantity(a, i, "BUY")} ${book.pendingQuantity(a, i, "SELL")} ${book.entry(a, i) === undefined}`);
  }
  return out;
}

describe("AccountBook's one-entry cache", () => {
  it("reads like a freshly restored book after every step of random sequences", () => {
    const random = seededRandom(35);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!;
    let forgotten = 0;
    let restored = 0;
    for (let run = 0; run < 200; run++) {
      const book = new AccountBook();
      // The same steps on a book per account: its cache can never hold another account's entry.
      const alone = new Map(IDS.map((n) => [n, new AccountBook()]));
      for (let step = 0; step < 40; step++) {
        const n = pick(IDS);
        const accountId = id(n);
        const single = alone.get(n)!;
        const picked = pick(INSTRUMENTS);
        const inst = instrument(picked.underlyingAsset, picked.settlementAsset);
        const side: Side = random() < 0.5 ? "BUY" : "SELL";
        const quantity = Quantity.fromString(pick(QTYS));
        const r = random();
        const final = random() < 0.5;
        for (const b of [book, single]) {
          if (r < 0.45) b.reserve({ accountId, instrument: inst, side, quantity });
          else if (r < 0.6) b.release({ accountId, instrument: inst, side, quantity });
          else if (r < 0.85) b.applyReport({ operation: { accountId, instrument: inst, side }, fill: { lastTrade: { price: Price.fromString("1"), quantity }, isFinal: final, leavesQuantity: quantity } });
          // Retirement forgets an entry the cache may hold.
          else if (r < 0.95) b.forget(accountId);
        }
        if (r >= 0.85 && r < 0.95) forgotten++;
        else if (r >= 0.95) {
          // Restored in place from a book that moved on: the cached entry is not the state any more.
          const other = new AccountBook();
          other.restore(book.toData());
          other.reserve({ accountId, instrument: inst, side, quantity });
          book.restore(other.toData());
          single.reserve({ accountId, instrument: inst, side, quantity });
          restored++;
        }
        for (const m of IDS) expect(reads(book, [m])).toEqual(reads(alone.get(m)!, [m]));
        // Reading first warms the cache with the last account read.
        reads(book);
        const fresh = new AccountBook();
        fresh.restore(book.toData());
        expect(reads(book)).toEqual(reads(fresh));
        // A reserve after a forget must create a new entry, not write into the forgotten one.
        const again = new AccountBook();
        again.restore(book.toData());
        expect(again.toData()).toEqual(book.toData());
      }
    }
    expect(forgotten).toBeGreaterThan(500);
    expect(restored).toBeGreaterThan(200);
  });

  it("keeps each instrument's figures apart when an account's orders alternate between instruments", () => {
    const book = new AccountBook();
    const a = id(7n);
    // Fresh instrument objects each time; AAPL/EUR shares its underlying with AAPL/USD.
    const pattern = [
      ["AAPL", "USD", "1"],
      ["AAPL", "EUR", "5"], // after AAPL/USD: the same underlying
      ["MSFT", "USD", "2"],
      ["AAPL", "USD", "1"], // after MSFT/USD: the same settlement
      ["MSFT", "USD", "2"],
      ["AAPL", "USD", "1"],
    ] as const;
    for (let step = 0; step < 60; step++) {
      const [underlying, settlement, qty] = pattern[step % pattern.length]!;
      book.reserve({ accountId: a, instrument: instrument(underlying, settlement), side: "BUY", quantity: Quantity.fromString(qty) });
    }
    // Ten rounds of the pattern: AAPL/USD 3 × 1, MSFT/USD 2 × 2, AAPL/EUR 1 × 5 per round.
    expect(book.pendingQuantity(a, instrument("AAPL", "USD"), "BUY").toString()).toBe("30");
    expect(book.pendingQuantity(a, instrument("MSFT", "USD"), "BUY").toString()).toBe("40");
    expect(book.pendingQuantity(a, instrument("AAPL", "EUR"), "BUY").toString()).toBe("50");
    expect(book.openOrders(a)).toBe(60);
    expect([...book.instruments(a)].map((e) => `${e.instrument.underlyingAsset}/${e.instrument.settlementAsset}`)).toEqual(["AAPL/USD", "AAPL/EUR", "MSFT/USD"]);
  });
});
