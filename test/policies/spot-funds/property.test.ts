/**
 * Randomized property test: thousands of orders, dry runs, fills, cancels and adjustments
 * for several accounts, checked step by step against an independent ledger written here
 * with bigint cents (no shared code with the policy's decimal arithmetic).
 */
import { describe, expect, it } from "vitest";
import { AccountId, type Asset } from "../../../src/param/index.js";
import { defaultSpotFundsSettings, SpotFundsPolicy } from "../../../src/policies/spot-funds/index.js";
import { balanceAdjustment, cancelReport, fillReport, spotEngine, spotOrder } from "../../helpers/spot-funds.js";
import { instrument } from "../../../src/param/index.js";
import { seededRandom } from "../../../bench/workload.js";

/** mulberry32: a tiny deterministic PRNG (the load harness's). */
const prng = seededRandom;

const CENTS = 100n;

/** "123.4" → 12340n; refuses anything finer than a cent (the model would be wrong). */
function cents(text: string): bigint {
  const negative = text.startsWith("-");
  const [whole, fraction = ""] = (negative ? text.slice(1) : text).split(".");
  const trimmed = fraction.replace(/0+$/, "");
  if (trimmed.length > 2) throw new Error(`${text} has sub-cent digits`);
  const value = BigInt(whole!) * CENTS + BigInt(trimmed.padEnd(2, "0") || "0");
  return negative ? -value : value;
}

function money(c: bigint): string {
  const negative = c < 0n;
  const abs = negative ? -c : c;
  return `${negative ? "-" : ""}${abs / CENTS}.${(abs % CENTS).toString().padStart(2, "0")}`;
}

interface Slot {
  available: bigint;
  held: bigint;
  incoming: bigint;
}

interface OpenOrder {
  readonly account: AccountId;
  readonly side: "BUY" | "SELL";
  readonly underlying: Asset;
  readonly lock: bigint;
  leaves: bigint;
}

/** The reference ledger: what SpotFunds must hold, computed the obvious way. */
class Ledger {
  private readonly slots = new Map<string, Slot>();
  deposited = new Map<string, bigint>();
  traded = new Map<string, bigint>();

  slot(account: AccountId, asset: Asset): Slot {
    const key = `${account}/${asset}`;
    let s = this.slots.get(key);
    if (!s) this.slots.set(key, (s = { available: 0n, held: 0n, incoming: 0n }));
    return s;
  }

  bump(map: Map<string, bigint>, account: AccountId, asset: Asset, by: bigint): void {
    const key = `${account}/${asset}`;
    map.set(key, (map.get(key) ?? 0n) + by);
  }

  /** Enforce: x ≤ available + min(held, 0). */
  fits(account: AccountId, asset: Asset, x: bigint): boolean {
    const s = this.slot(account, asset);
    return x <= s.available + (s.held < 0n ? s.held : 0n);
  }
}

const ACCOUNTS = [1, 2, 3, 4].map((n) => AccountId.fromU64(n));
const TRACK_ONLY = ACCOUNTS[3]!;
const UNDERLYINGS = ["AAPL", "MSFT"];
const ASSETS = ["USD", ...UNDERLYINGS];

function run(seed: number, steps: number): void {
  const random = prng(seed);
  const int = (lo: number, hi: number) => lo + Math.floor(random() * (hi - lo + 1));
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;

  const settings = defaultSpotFundsSettings();
  settings.accountLimitModes.set(TRACK_ONLY, "TrackOnly");
  const { engine, policy } = spotEngine(new SpotFundsPolicy(settings));
  for (const a of ACCOUNTS) engine.accounts().setCurrency(a, "USD");
  const ledger = new Ledger();
  const open: OpenOrder[] = [];
  let accepted = 0;
  let rejected = 0;

  const verify = (where: string) => {
    for (const account of ACCOUNTS) {
      const holdings = policy.holdings(account);
      for (const asset of ASSETS) {
        const h = holdings.get(asset);
        const actual = h ? [cents(h.available.toString()), cents(h.held.toString()), cents(h.incoming.toString())] : [0n, 0n, 0n];
        const s = ledger.slot(account, asset);
        expect(actual, `${where}: account ${account} ${asset}`).toEqual([s.available, s.held, s.incoming]);
      }
    }
  };

  const deposit = (account: AccountId, asset: Asset, amount: bigint) => {
    const result = engine.applyAccountAdjustment(account, [balanceAdjustment(asset, { balance: ["delta", money(amount)] })]);
    expect(result.ok).toBe(true);
    ledger.slot(account, asset).available += amount;
    ledger.bump(ledger.deposited, account, asset, amount);
  };

  for (const account of ACCOUNTS) deposit(account, "USD", BigInt(int(1_000, 50_000)) * CENTS);

  for (let step = 0; step < steps; step++) {
    const where = `seed ${seed} step ${step}`;
    const roll = random();
    if (roll < 0.4 || open.length === 0) {
      // A limit order (or its dry run): predicted from the ledger, then compared.
      const account = pick(ACCOUNTS);
      const side = random() < 0.55 ? "BUY" : "SELL";
      const underlying = pick(UNDERLYINGS);
      const qty = BigInt(int(1, 20));
      const price = BigInt(int(100, 30_000));
      const order = spotOrder({ account, side, qty: qty.toString(), price: money(price), instrument: instrument(underlying, "USD") });
      const enforce = account !== TRACK_ONLY;
      const fits = side === "BUY" ? ledger.fits(account, "USD", price * qty) : ledger.fits(account, underlying, qty * CENTS);
      const expected = !enforce || fits;
      if (random() < 0.15) {
        expect(engine.executePreTradeDryRun(order).isPass, where).toBe(expected);
        verify(`${where} (dry run)`);
        continue;
      }
      const result = engine.executePreTrade(order);
      expect(result.ok, `${where}: ${side} ${qty}@${money(price)} predicted ${expected}`).toBe(expected);
      if (!result.ok) {
        rejected++;
        expect(result.rejects.map((r) => r.code)).toEqual(["InsufficientFunds"]);
        verify(where);
        continue;
      }
      accepted++;
      if (random() < 0.1) {
        result.reservation.rollback();
        verify(`${where} (rolled back)`);
        continue;
      }
      result.reservation.commit();
      if (side === "BUY") {
        const usd = ledger.slot(account, "USD");
        usd.available -= price * qty;
        usd.held += price * qty;
        ledger.slot(account, underlying).incoming += qty * CENTS;
      } else {
        const u = ledger.slot(account, underlying);
        u.available -= qty * CENTS;
        u.held += qty * CENTS;
        ledger.slot(account, "USD").incoming += price * qty;
      }
      open.push({ account, side, underlying, lock: price, leaves: qty });
    } else if (roll < 0.75) {
      // A fill at a price near the lock, sometimes with a USD fee; full fills are final.
      const i = int(0, open.length - 1);
      const o = open[i]!;
      const qty = BigInt(int(1, Number(o.leaves)));
      const spread = Math.floor(Number(o.lock) / 10);
      const tradePrice = o.lock + BigInt(int(-spread, spread));
      const fee = random() < 0.3 ? BigInt(int(0, 500)) : 0n;
      const leaves = o.leaves - qty;
      const inst = instrument(o.underlying, "USD");
      const result = engine.applyExecutionReport(
        fillReport(o.side, qty.toString(), money(tradePrice), {
          account: o.account,
          instrument: inst,
          lockPrice: money(o.lock),
          leaves: leaves.toString(),
          final: leaves === 0n,
          ...(fee > 0n ? { fee: [money(fee), "USD"] as const } : {}),
        }),
      );
      expect(result.accountBlocks, where).toEqual([]);
      const usd = ledger.slot(o.account, "USD");
      const u = ledger.slot(o.account, o.underlying);
      if (o.side === "BUY") {
        usd.held -= o.lock * qty;
        usd.available += o.lock * qty - tradePrice * qty;
        u.available += qty * CENTS;
        u.incoming -= qty * CENTS;
        ledger.bump(ledger.traded, o.account, "USD", -tradePrice * qty);
        ledger.bump(ledger.traded, o.account, o.underlying, qty * CENTS);
      } else {
        u.held -= qty * CENTS;
        usd.incoming -= o.lock * qty;
        usd.available += tradePrice * qty;
        ledger.bump(ledger.traded, o.account, "USD", tradePrice * qty);
        ledger.bump(ledger.traded, o.account, o.underlying, -qty * CENTS);
      }
      usd.available -= fee;
      ledger.bump(ledger.traded, o.account, "USD", -fee);
      o.leaves = leaves;
      if (leaves === 0n) open.splice(i, 1);
    } else if (roll < 0.9) {
      // A cancel: the remainder is released.
      const i = int(0, open.length - 1);
      const o = open[i]!;
      const result = engine.applyExecutionReport(
        cancelReport(o.side, o.leaves.toString(), money(o.lock), { account: o.account, instrument: instrument(o.underlying, "USD") }),
      );
      expect(result.accountBlocks, where).toEqual([]);
      releaseInLedger(ledger, o);
      open.splice(i, 1);
    } else {
      // A batch: a deposit, then a withdrawal bounded at zero that may fail and undo both.
      const account = pick(ACCOUNTS);
      const asset = pick(ASSETS);
      const unit = asset === "USD" ? 1n : CENTS;
      const depositAmount = BigInt(int(0, 1_000)) * unit;
      const withdraw = BigInt(int(0, 3_000)) * unit;
      const s = ledger.slot(account, asset);
      const expectedOk = s.available + depositAmount - withdraw >= 0n;
      const result = engine.applyAccountAdjustment(account, [
        balanceAdjustment(asset, { balance: ["delta", money(depositAmount)] }),
        balanceAdjustment(asset, { balance: ["delta", money(-withdraw)], bounds: { balanceLower: "0" } }),
      ]);
      expect(result.ok, where).toBe(expectedOk);
      if (!result.ok) {
        expect(result.failedIndex).toBe(1);
        expect(result.rejects[0]?.code).toBe("AccountAdjustmentBoundsExceeded");
      } else {
        s.available += depositAmount - withdraw;
        ledger.bump(ledger.deposited, account, asset, depositAmount - withdraw);
      }
    }
    verify(where);
  }

  // Close everything: nothing may stay held or projected, and every balance reconciles
  // with what was deposited plus what was traded (fees included).
  for (const o of open.splice(0)) {
    engine.applyExecutionReport(cancelReport(o.side, o.leaves.toString(), money(o.lock), { account: o.account, instrument: instrument(o.underlying, "USD") }));
    releaseInLedger(ledger, o);
  }
  verify("after closing every order");
  for (const account of ACCOUNTS) {
    for (const asset of ASSETS) {
      const h = policy.holdings(account).get(asset);
      const key = `${account}/${asset}`;
      const expectedBalance = (ledger.deposited.get(key) ?? 0n) + (ledger.traded.get(key) ?? 0n);
      expect(cents(h?.held.toString() ?? "0")).toBe(0n);
      expect(cents(h?.incoming.toString() ?? "0")).toBe(0n);
      expect(cents(h?.available.toString() ?? "0") + cents(h?.held.toString() ?? "0"), key).toBe(expectedBalance);
    }
  }
  // Both outcomes must have been exercised for the run to mean anything.
  expect(accepted).toBeGreaterThan(steps / 10);
  expect(rejected).toBeGreaterThan(0);
}

function releaseInLedger(ledger: Ledger, o: OpenOrder): void {
  const usd = ledger.slot(o.account, "USD");
  const u = ledger.slot(o.account, o.underlying);
  if (o.side === "BUY") {
    usd.held -= o.lock * o.leaves;
    usd.available += o.lock * o.leaves;
    u.incoming -= o.leaves * CENTS;
  } else {
    u.held -= o.leaves * CENTS;
    u.available += o.leaves * CENTS;
    usd.incoming -= o.lock * o.leaves;
  }
}

describe("SpotFundsPolicy randomized ledger property", () => {
  for (const seed of [1, 42, 2024, 777_777]) {
    it(`seed ${seed}: 2500 random operations match the reference ledger`, () => {
      run(seed, 2_500);
    });
  }
});
