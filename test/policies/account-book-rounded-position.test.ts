/**
 * Found by review of session 38's own change (the account book keeps a rounded position's
 * exact value): the figure beside it was the last figure plus the fill rounded again, so it
 * drifted from the exact value without bound; gross exposure valued that figure; and an exact
 * position past the decimal range was never noticed. The figure is now the exact value
 * rounded, gross exposure starts from the exact value, and a fill whose exact position rounds
 * past the range blocks the account as any overflowing fill does.
 */
import { describe, expect, it } from "vitest";
import { ACCOUNT, AAPL_USD, fill, order, quote, submit } from "../helpers/controls.js";
import { limited } from "./controls/gross-exposure-world.js";

const P = { price: "1", final: true } as const;
const MAX = "79228162514264337593543950335";
const NEAR_MAX = "79228162514264337593543950000";

const figures = (w: ReturnType<typeof limited>) => ({
  position: w.engine.book.position(ACCOUNT, AAPL_USD).toString(),
  unrounded: w.engine.book.positionUnrounded(ACCOUNT, AAPL_USD)?.toFixed(),
});

describe("the account book's rounded position", () => {
  it("the position is the exact one rounded: 20 BUY fills of 0.49 on long ...50000 are ...50009.8, not ...50000", () => {
    const w = limited(MAX);
    w.engine.applyExecutionReport(fill(NEAR_MAX, { side: "BUY", ...P }));
    for (let i = 0; i < 20; i++) w.engine.applyExecutionReport(fill("0.49", { side: "BUY", ...P }));
    // Exactly …50009.80; the domain's figure for it (29 digits) is …50010. The book reads …50000:
    // every fill rounded the rounded figure (…50000.49 -> …50000) and dropped 0.49 units.
    expect(figures(w)).toEqual({ position: "79228162514264337593543950010", unrounded: "79228162514264337593543950009.8" });
  });

  it("small scale too: short-side dust fills drift the figure one unit in the last place per fill", () => {
    const w = limited("1000");
    w.engine.applyExecutionReport(fill("80000000001", { side: "BUY", ...P }));
    w.engine.applyExecutionReport(fill("0.000000000000000001", { side: "SELL", ...P }));
    for (let i = 0; i < 20; i++) w.engine.applyExecutionReport(fill("0.000000000000000006", { side: "SELL", ...P }));
    expect(figures(w)).toEqual({ position: "80000000000.99999999999999988", unrounded: "80000000000.999999999999999879" });
  });

  it("gross exposure values the exact position: long exactly …50009.8 (read …50000), a BUY of 1 under a limit of …50005 is refused", () => {
    const w = limited("79228162514264337593543950005");
    quote(w, AAPL_USD, { mark: "1" });
    w.engine.applyExecutionReport(fill(NEAR_MAX, { side: "BUY", ...P }));
    for (let i = 0; i < 20; i++) w.engine.applyExecutionReport(fill("0.49", { side: "BUY", ...P }));
    // The account holds …50009.8 at 1 USD, already past the limit; a BUY of 1 takes it to …50010.8.
    expect(submit(w.engine, order({ side: "BUY", qty: "1", price: "1" })).map((r) => r.code)).toEqual(["GrossExposureLimitExceeded"]);
  });

  it("gross exposure, one rounding: long exactly 80000000000.999999999999999994 and a BUY of 1 past a limit of 80000000001.99999999999999999 is refused", () => {
    const w = limited("80000000001.99999999999999999");
    quote(w, AAPL_USD, { mark: "1" });
    w.engine.applyExecutionReport(fill("80000000001", { side: "BUY", ...P }));
    w.engine.applyExecutionReport(fill("0.000000000000000006", { side: "SELL", ...P }));
    expect(figures(w)).toEqual({ position: "80000000000.99999999999999999", unrounded: "80000000000.999999999999999994" });
    // Worst case after the BUY: exactly 80000000001.999999999999999994 USD > the limit.
    expect(submit(w.engine, order({ side: "BUY", qty: "1", price: "1" })).map((r) => r.code)).toEqual(["GrossExposureLimitExceeded"]);
  });

  it("a fill whose exact position rounds past the decimal range blocks the account; the position stays as it was", () => {
    const w = limited(MAX);
    w.engine.applyExecutionReport(fill("79228162514264337593543950334", { side: "BUY", ...P }));
    // MAX − 1 + 0.4 × 3 = MAX + 0.2, held as MAX: in the range.
    for (let i = 0; i < 3; i++) w.engine.applyExecutionReport(fill("0.4", { side: "BUY", ...P }));
    expect(figures(w)).toEqual({ position: MAX, unrounded: "79228162514264337593543950335.2" });
    expect(w.engine.accounts().blockOf(ACCOUNT)).toBeUndefined();
    // MAX + 0.6 rounds to MAX + 1: past the range.
    w.engine.applyExecutionReport(fill("0.4", { side: "BUY", ...P }));
    expect(figures(w)).toEqual({ position: MAX, unrounded: "79228162514264337593543950335.2" });
    expect(w.engine.accounts().blockOf(ACCOUNT)?.code).toBe("ArithmeticOverflow");
  });
});
