/**
 * grossExposurePair (the policy's one-pass figure) against the two from-scratch
 * grossExposure calls it replaced, over random books, quotes and orders: same values, same
 * scales (the reject text prints them), same failure naming the same instrument.
 */
import { describe, expect, it } from "vitest";
import { ManualClock } from "../../../src/engine/index.js";
import { AccountBook } from "../../../src/engine/account-book/index.js";
import { MarketDataService, QuoteTtl } from "../../../src/marketdata/index.js";
import { PositionSize, Quantity, type Side } from "../../../src/param/index.js";
import { grossExposure, grossExposurePair, worstQuantity, worstWith } from "../../../src/policies/gross-exposure-limit/exposure.js";
import { seededRandom } from "../../../bench/workload.js";
import { EXPOSURE_ACCOUNT, EXPOSURE_INSTRUMENTS, randomExposureWorld } from "../../helpers/exposure-world.js";

const ACCOUNT = EXPOSURE_ACCOUNT;
const INSTRUMENTS = EXPOSURE_INSTRUMENTS;
const QUANTITIES = ["0", "0", "1", "2.5", "10", "0.125", "7"];
const PRICES = ["100", "50.5", "0.01", "185.25", "3"];

describe("grossExposurePair", () => {
  it("equals grossExposure without and with the override, over random books, quotes and orders", () => {
    const random = seededRandom(12);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!;
    let compared = 0;
    let failures = 0;
    let converted = 0;
    for (let run = 0; run < 1500; run++) {
      const { clock, md, book } = randomExposureWorld(random, 0.9, QUANTITIES, PRICES);
      if (random() < 0.3) clock.advance(1_500); // some quotes go stale
      for (const asset of ["USD", "EUR"]) {
        const ordered = pick(INSTRUMENTS.filter((i) => i.settlementAsset === asset));
        const [before, after] = worstWith(book.entry(ACCOUNT, ordered), random() < 0.5 ? "BUY" : "SELL", Quantity.fromString(pick(QUANTITIES)));
        const pair = grossExposurePair(book, md, ACCOUNT, undefined, asset, ordered, before, after);
        const now = grossExposure(book, md, ACCOUNT, undefined, asset);
        const next = now.ok ? grossExposure(book, md, ACCOUNT, undefined, asset, { instrument: ordered, worst: after }) : now;
        compared++;
        if (!next.ok) {
          failures++;
          expect(pair).toEqual({ ok: false, instrument: next.instrument, reason: next.reason });
        } else {
          expect(pair.ok).toBe(true);
          if (!pair.ok || !now.ok) continue;
          // toString shows the scale: equal text = equal value and equal trailing zeros.
          expect([pair.now.toString(), pair.next.toString()]).toEqual([now.notional.toString(), next.notional.toString()]);
          if ([...book.instruments(ACCOUNT)].some((e) => e.instrument.settlementAsset !== asset && !e.worst.isZero())) converted++;
        }
      }
    }
    // Both branches were exercised.
    expect(compared).toBe(3000);
    expect(failures).toBeGreaterThan(20);
    expect(compared - failures).toBeGreaterThan(700);
    // Instruments settling in EUR were valued in USD and back, through the direct or reverse rate.
    expect(converted).toBeGreaterThan(200);
  });

  it("worstWith equals worstQuantity before and after, values and scales, over random entries", () => {
    const random = seededRandom(5);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!;
    const signed = ["0", "3", "-3", "2.5", "-0.125", "10", "-10.50"];
    for (let i = 0; i < 2_000; i++) {
      const figures = { instrument: INSTRUMENTS[0]!, position: PositionSize.fromString(pick(signed)), pendingBuy: Quantity.fromString(pick(QUANTITIES)), pendingSell: Quantity.fromString(pick(QUANTITIES)) };
      const entry = { ...figures, worst: worstQuantity(figures.position, figures.pendingBuy, figures.pendingSell), positionUnrounded: undefined };
      const side: Side = random() < 0.5 ? "BUY" : "SELL";
      const extra = Quantity.fromString(pick(QUANTITIES));
      const expected = [
        worstQuantity(entry.position, entry.pendingBuy, entry.pendingSell),
        side === "BUY" ? worstQuantity(entry.position, entry.pendingBuy.add(extra), entry.pendingSell) : worstQuantity(entry.position, entry.pendingBuy, entry.pendingSell.add(extra)),
      ];
      // These figures never reach 29 digits: nothing is rounded (`inexact` false).
      expect(worstWith(entry, side, extra).map(String)).toEqual([...expected.map(String), "false"]);
      // Without a book entry (an instrument never touched) the same figures come out.
      if (entry.position.isZero() && entry.pendingBuy.isZero() && entry.pendingSell.isZero()) {
        expect(worstWith(undefined, side, extra).map(String)).toEqual([...expected.map(String), "false"]);
      }
    }
  });

  it("needs no price when nothing is at stake", () => {
    const md = new MarketDataService({ defaultTtl: QuoteTtl.infinite(), clock: new ManualClock(0) });
    const zero = PositionSize.zero();
    expect(grossExposurePair(new AccountBook(), md, ACCOUNT, undefined, "USD", INSTRUMENTS[4]!, zero, zero)).toEqual({ ok: true, now: zero, next: zero });
  });
});
