/**
 * A seeded random workload as plain operation descriptors, so the same list can be applied
 * to a live world and to restored ones (handles are picked modulo what is open then).
 */
import { seededRandom } from "../../../bench/workload.js";
import type { PnlHaltReason } from "../../../src/model/index.js";

export type Then = "commit" | "rollback" | "open";
export type PnlValue = string | { readonly halted: PnlHaltReason };

export interface BalanceItem {
  readonly asset: string;
  readonly amount?: readonly ["abs" | "delta", string];
  readonly held?: readonly ["abs" | "delta", string];
  readonly lowerBound?: string;
  readonly averageEntryPrice?: string;
  readonly realizedPnl?: PnlValue;
}

export type Op =
  | { readonly k: "advance"; readonly ms: number }
  | {
      readonly k: "quote";
      readonly inst: number;
      readonly mark?: string;
      readonly bid?: string;
      readonly ask?: string;
      readonly target: "default" | { readonly account: number } | { readonly group: number };
      readonly patch: boolean;
    }
  | { readonly k: "clearQuotes"; readonly inst: number }
  | { readonly k: "ttl"; readonly inst: number; readonly account: number | null; readonly ms: number | null }
  | { readonly k: "registerInstrument"; readonly underlying: string }
  | {
      readonly k: "order";
      readonly mode: "execute" | "start" | "dryRun" | "startDryRun" | "dropCopy";
      /** -1 = no account on the order. */
      readonly acc: number;
      readonly inst: number;
      readonly side: "BUY" | "SELL";
      readonly qty?: string;
      readonly volume?: string;
      readonly price?: string;
      readonly then: Then;
    }
  | { readonly k: "request"; readonly pick: number; readonly discard: boolean; readonly then: Then }
  | { readonly k: "finalize"; readonly pick: number; readonly commit: boolean }
  | {
      readonly k: "fill";
      readonly pick: number;
      readonly fraction: number;
      readonly priceDelta: string;
      readonly pnl: string;
      readonly fee?: readonly [string, string];
      readonly final: boolean;
    }
  | { readonly k: "cancel"; readonly pick: number }
  | { readonly k: "adjust"; readonly acc: number; readonly items: readonly BalanceItem[] }
  | { readonly k: "accountPnl"; readonly acc: number; readonly value: PnlValue }
  | { readonly k: "block" | "unblock" | "replaceReason"; readonly acc: number }
  | { readonly k: "blockGroup" | "unblockGroup"; readonly group: number }
  | { readonly k: "group"; readonly acc: number; readonly group: number; readonly register: boolean }
  | { readonly k: "currency"; readonly acc: number; readonly asset: string | null }
  | { readonly k: "groupCurrency"; readonly group: number; readonly asset: string | null }
  | { readonly k: "configure"; readonly which: number; readonly value: number; readonly acc: number };

/** Clock steps around every window (200/300/500/1000 ms) and TTL (150/250/400/600 ms) edge. */
const STEPS = [0, 0, 0, 0, 0.5, 1, 49, 50, 99, 100, 149, 150, 199, 200, 249, 250, 299, 300, 399, 400, 499, 500, 599, 600, 999, 1000, 1001];
const HALTS: readonly PnlHaltReason[] = ["MissingFx", "MissingCostBasis", "ArithmeticOverflow"];
const PRICES: Record<number, readonly number[]> = { 0: [180, 220], 1: [300, 420], 2: [20000, 40000], 3: [1, 1.3], 4: [90, 130] };

export function generateWorkload(seed: number, length: number): Op[] {
  const r = seededRandom(seed);
  const int = (n: number) => Math.floor(r() * n);
  const chance = (p: number) => r() < p;
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)]!;
  const decimal = (lo: number, hi: number, scale: number) => (lo + r() * (hi - lo)).toFixed(scale);
  const priceOf = (inst: number) => {
    const [lo, hi] = PRICES[inst]!;
    return decimal(lo!, hi!, pick([0, 1, 2, 2, 4]));
  };
  const qty = () => pick(["1", "2", "5", "10", "0.5", "3.25", "40", "60", "120", "0"]);
  const then = (): Then => pick(["commit", "commit", "rollback", "open", "open"]);
  const acc = () => (chance(0.02) ? -1 : int(4));
  const pnlValue = (): PnlValue => (chance(0.15) ? { halted: pick(HALTS) } : decimal(-600, 300, pick([0, 2])));

  const ops: Op[] = [];
  const gen: [number, () => Op][] = [
    [14, () => ({ k: "advance", ms: pick(STEPS) })],
    [
      8,
      () => {
        const inst = int(5);
        const mark = priceOf(inst);
        const target = chance(0.7) ? "default" : chance(0.5) ? { account: int(4) } : { group: int(2) };
        return { k: "quote", inst, mark, ...(chance(0.6) ? { bid: priceOf(inst), ask: priceOf(inst) } : {}), target, patch: chance(0.3) };
      },
    ],
    [1, () => ({ k: "clearQuotes", inst: int(5) })],
    [1, () => ({ k: "ttl", inst: int(5), account: chance(0.5) ? int(4) : null, ms: chance(0.3) ? null : pick([100, 150, 300, 800]) })],
    [0.3, () => ({ k: "registerInstrument", underlying: pick(["ETH", "SOL"]) })],
    [
      30,
      () => {
        const inst = int(5);
        const market = chance(0.3);
        const volume = chance(0.1);
        return {
          k: "order",
          mode: pick(["execute", "execute", "execute", "execute", "start", "dryRun", "startDryRun", "dropCopy"]),
          acc: acc(),
          inst,
          side: chance(0.65) ? "BUY" : "SELL",
          ...(volume ? { volume: decimal(10, 3000, 2) } : { qty: qty() }),
          ...(market ? {} : { price: priceOf(inst) }),
          then: then(),
        };
      },
    ],
    [5, () => ({ k: "request", pick: int(1000), discard: chance(0.15), then: then() })],
    [4, () => ({ k: "finalize", pick: int(1000), commit: chance(0.6) })],
    [
      12,
      () => ({
        k: "fill",
        pick: int(1000),
        fraction: pick([0.25, 0.5, 1, 1]),
        priceDelta: pick(["0", "0", "1.5", "-2", "10", "-0.25"]),
        pnl: decimal(-300, 280, pick([0, 2])),
        ...(chance(0.5) ? { fee: [pick(["0.5", "1", "2.25", "0"]), pick(["USD", "USD", "EUR", "AAPL"])] as const } : {}),
        final: chance(0.2),
      }),
    ],
    [3, () => ({ k: "cancel", pick: int(1000) })],
    [
      7,
      () => ({
        k: "adjust",
        acc: int(4),
        items: Array.from({ length: 1 + int(2) }, (): BalanceItem => {
          const asset = pick(["USD", "USD", "EUR", "AAPL", "MSFT", "BTC", "SAP"]);
          // Positions usually come with a cost basis and a P&L start, or every sale would halt P&L.
          const position = asset !== "USD" && asset !== "EUR" && chance(0.7);
          return {
            asset,
            ...(chance(0.8) ? { amount: [chance(0.6) ? "abs" : "delta", decimal(chance(0.1) ? -500 : 0, 50000, pick([0, 2]))] as const } : {}),
            ...(chance(0.1) ? { held: ["delta", decimal(-5, 5, 0)] as const } : {}),
            ...(chance(0.15) ? { lowerBound: "0" } : {}),
            ...(position || chance(0.1) ? { averageEntryPrice: decimal(50, 300, 2) } : {}),
            ...(position ? { realizedPnl: "0" } : chance(0.08) ? { realizedPnl: pnlValue() } : {}),
          };
        }),
      }),
    ],
    [3, () => ({ k: "accountPnl", acc: int(4), value: chance(0.5) ? "0" : pnlValue() })],
    [0.8, () => ({ k: "block", acc: int(4) })],
    [4, () => ({ k: "unblock", acc: int(4) })],
    [0.5, () => ({ k: "replaceReason", acc: int(4) })],
    [0.4, () => ({ k: "blockGroup", group: int(2) })],
    [0.8, () => ({ k: "unblockGroup", group: int(2) })],
    [1, () => ({ k: "group", acc: int(4), group: int(2), register: chance(0.6) })],
    [1, () => ({ k: "currency", acc: int(4), asset: chance(0.3) ? null : pick(["USD", "EUR"]) })],
    [0.5, () => ({ k: "groupCurrency", group: int(3), asset: chance(0.3) ? null : pick(["USD", "EUR"]) })],
    [3, () => ({ k: "configure", which: int(12), value: 1 + int(60), acc: int(4) })],
  ];
  const total = gen.reduce((s, [w]) => s + w, 0);
  for (let i = 0; i < length; i++) {
    let x = r() * total;
    for (const [w, make] of gen) {
      x -= w;
      if (x < 0) {
        ops.push(make());
        break;
      }
    }
    if (ops.length === i) ops.push(gen[0]![1]());
  }
  return ops;
}
