import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { expect, it } from "vitest";

const run = promisify(execFile);

it("the in-process example prints an accepted, committed order and exact rejects", async () => {
  const { stdout } = await run(process.execPath, ["--import", "tsx", "examples/in-process.ts"], { timeout: 20_000 });
  expect(stdout.split("\n")).toEqual([
    "seed 10000 USD: ok",
    'buy 10 AAPL @ 185.50: accepted, lock [["185.50"]], reservation committed',
    "buy 0 AAPL @ 185: rejected InvalidFieldValue (order) [OrderValidationPolicy] order quantity must be non-zero: requested quantity 0 is not allowed",
    "buy 600 AAPL @ 1: rejected OrderQtyExceedsLimit (order) [OrderSizeLimitPolicy] order quantity exceeded: requested 600, max allowed: 500",
    "buy 50 AAPL @ 185: rejected InsufficientFunds (order) [SpotFundsPolicy] spot funds insufficient: asset USD: available 8145.00, requested 9250",
    "sell 1 GME @ 20: rejected ShortSaleRestriction (order) [RestrictedList] instrument restricted: GME is on the restricted list",
    "",
  ]);
});
