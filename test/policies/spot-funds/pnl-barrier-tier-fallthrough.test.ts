/**
 * OpenPit parity (checked by review, passing): SpotFunds account-P&L barrier cascade when a tier's currency does not match
 * the account currency.
 *
 * OpenPit reference:
 *  - mirror HEAD 71ad2fc, crates/openpit/src/pretrade/policies/spot_funds/market_data.rs:392-406
 *    (currency-blind: account -> group -> global, first present wins);
 *  - 3dec858 (code-search index), same file, `SpotFundsSettings::pnl_barrier_for`:
 *      if account barrier present -> it (always; mismatch later fails closed in
 *      rejects.rs `account_pnl_barrier_currency_mismatch_block`);
 *      else group.filter(matches_currency).or_else(|| global.filter(matches_currency)),
 *      matches_currency = account_currency.map_or(true, |c| barrier.currency == c).
 *    So a mismatching GROUP barrier FALLS THROUGH to a matching global barrier.
 */
import { describe, expect, it } from "vitest";
import { PnlState } from "../../../src/model/index.js";
import { AccountGroupId, AccountId, Pnl } from "../../../src/param/index.js";
import { defaultSpotFundsSettings, SpotFundsPolicy } from "../../../src/policies/spot-funds/index.js";
import { ResolvedSpotFundsSettings } from "../../../src/policies/spot-funds/resolved-settings.js";
import { ACCOUNT, accountPnlAdjustment, spotEngine } from "../../helpers/spot-funds.js";

const pnl = (s: string) => Pnl.fromString(s);
const GROUP = AccountGroupId.fromU32(7);
const OTHER = AccountId.fromU64(99224417);

type TierState = "absent" | "match" | "mismatch" | "blind";
const ACC_CCY = "USD";
const currencyFor = (t: TierState): string | undefined => (t === "match" ? "USD" : t === "mismatch" ? "EUR" : undefined);
const BOUND = { account: "-10", group: "-50", global: "-100" } as const;

/** OpenPit 3dec858 `pnl_barrier_for`, transcribed. Returns [tier, failClosed]. */
function openpit(a: TierState, g: TierState, gl: TierState, accountCurrency: string | undefined): [string | undefined, boolean] {
  const matches = (t: TierState) => accountCurrency === undefined || currencyFor(t) === undefined || currencyFor(t) === accountCurrency;
  if (a !== "absent") return ["account", accountCurrency !== undefined && currencyFor(a) !== undefined && currencyFor(a) !== accountCurrency];
  if (g !== "absent" && matches(g)) return ["group", false];
  if (gl !== "absent" && matches(gl)) return ["global", false];
  return [undefined, false];
}

const STATES: TierState[] = ["absent", "match", "mismatch", "blind"];

describe("P&L barrier tier cascade vs OpenPit (3dec858 market_data.rs pnl_barrier_for)", () => {
  for (const a of STATES)
    for (const g of STATES)
      for (const gl of STATES)
        for (const accountCurrency of [ACC_CCY, undefined]) {
          it(`account=${a} group=${g} global=${gl} accountCurrency=${accountCurrency ?? "unknown"}`, () => {
            const s = defaultSpotFundsSettings();
            const mk = (t: TierState, lower: string) => {
              const c = currencyFor(t);
              return c === undefined ? { lower: pnl(lower) } : { currency: c, lower: pnl(lower) };
            };
            if (gl !== "absent") s.pnlBarrier = mk(gl, BOUND.global);
            if (g !== "absent") s.accountGroupPnlBarriers.set(GROUP, mk(g, BOUND.group));
            if (a !== "absent") s.accountPnlBarriers.set(ACCOUNT, mk(a, BOUND.account));
            if (a === "absent" && g === "absent" && gl === "absent") return; // needs >= 1 barrier
            const resolved = new ResolvedSpotFundsSettings(s);
            const got = resolved.pnlBarrierFor(ACCOUNT, { accountGroup: () => GROUP }, () => accountCurrency);
            const [tier, failClosed] = openpit(a, g, gl, accountCurrency);
            expect(got?.lower?.toString()).toBe(tier === undefined ? undefined : BOUND[tier as keyof typeof BOUND]);
            expect(got?.currencyMismatch !== undefined).toBe(failClosed);
          });
        }
});

describe("engine level: a mismatching group barrier falls through to a matching global barrier", () => {
  it("account in group 7 (EUR barrier), global USD barrier, account currency USD -> global bound enforced", () => {
    const s = defaultSpotFundsSettings();
    s.pnlBarrier = { currency: "USD", lower: pnl("-100") };
    s.accountGroupPnlBarriers.set(GROUP, { currency: "EUR", lower: pnl("-50") });
    const { engine } = spotEngine(new SpotFundsPolicy(s));
    engine.accounts().registerGroup([OTHER], GROUP);
    engine.accounts().setCurrency(OTHER, "USD");
    // -60: inside global (-100), would breach the (skipped) EUR group barrier.
    expect(engine.applyAccountAdjustment(OTHER, [accountPnlAdjustment(PnlState.value(pnl("-60")))]).ok).toBe(true);
    expect(engine.accounts().blockOf(OTHER)).toBeUndefined();
    // -150: breaches the global USD barrier reached by falling through.
    engine.applyAccountAdjustment(OTHER, [accountPnlAdjustment(PnlState.value(pnl("-150")))]);
    expect(engine.accounts().blockOf(OTHER)).toMatchObject({ policy: "SpotFundsPolicy", code: "PnlKillSwitchTriggered" });
  });
});
