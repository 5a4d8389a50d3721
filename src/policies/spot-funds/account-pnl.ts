/** SpotFunds' account-level realized P&L line: how each report moves it and when its barrier blocks. */
import type { PolicyBlock } from "../../engine/pretrade/policy.js";
import type { PnlOutcome } from "../../model/outcomes.js";
import { PnlHaltReason, PnlState } from "../../model/pnl-state.js";
import { DecimalCell } from "../../param/decimal-cell.js";
import type { AccountId } from "../../param/ids.js";
import { ParamError } from "../../param/param-error.js";
import { Pnl } from "../../param/values.js";
import { breachedSides, pnlBreachBlock, pnlCurrencyMismatchBlock, pnlHaltedBlock } from "./rejects.js";
import type { EffectivePnlBarrier } from "./resolved-settings.js";
import type { SpotFundsPnlBarrier } from "./settings.js";

const ZERO_STATE = PnlState.value(Pnl.zero());

/** A halted line read back: one value per reason (they carry nothing else). */
const HALTED = Object.fromEntries(Object.values(PnlHaltReason).map((r) => [r, Object.freeze(PnlState.halted(r))])) as Record<PnlHaltReason, PnlState>;

/**
 * One account's line as the ledger keeps it: the figure in place (`DecimalCell`), so an
 * engaged fill writes numbers into an object made once instead of a new state and figure
 * that live until the account's next such fill (what scavenges copied under load:
 * docs/performance.md, Session 9).
 */
class StoredLine {
  halted: PnlHaltReason | undefined = undefined;
  readonly figure = new DecimalCell(Pnl);

  write(state: PnlState): void {
    if (state.kind === "halted") {
      this.halted = state.reason;
    } else {
      this.halted = undefined;
      this.figure.set(state.value);
    }
  }

  read(): PnlState {
    return this.halted !== undefined ? HALTED[this.halted] : PnlState.value(this.figure.value);
  }
}

/**
 * The account-level realized P&L of SpotFunds (one figure per account, in whatever the
 * account currency is; changing the currency recomputes nothing). An account never
 * touched reads as 0. A halt is sticky until force-set (adjustment or configurator).
 * States are read and written as values; the ledger keeps their figures in place.
 */
export class AccountPnlLedger {
  private readonly lines = new Map<AccountId, StoredLine>();

  /** Accounts with a P&L line. */
  accountIds(): IterableIterator<AccountId> {
    return this.lines.keys();
  }

  /** The stored state, or undefined if the account was never touched. */
  get(accountId: AccountId): PnlState | undefined {
    return this.lines.get(accountId)?.read();
  }

  /** The state the barrier sees: untouched = 0. */
  stateOf(accountId: AccountId): PnlState {
    return this.lines.get(accountId)?.read() ?? ZERO_STATE;
  }

  /** Whether the line is halted (without building its state: every fill asks). */
  isHalted(accountId: AccountId): boolean {
    return this.lines.get(accountId)?.halted !== undefined;
  }

  /** Every account's line, in table order (as values). */
  snapshot(): Map<AccountId, PnlState> {
    const out = new Map<AccountId, PnlState>();
    for (const [accountId, line] of this.lines) out.set(accountId, line.read());
    return out;
  }

  restore(states: ReadonlyMap<AccountId, PnlState>): void {
    this.lines.clear();
    for (const [accountId, state] of states) this.set(accountId, state);
  }

  /** `undefined` forgets the account (a rollback to "never touched"). */
  set(accountId: AccountId, state: PnlState | undefined): void {
    if (state === undefined) return void this.lines.delete(accountId);
    let line = this.lines.get(accountId);
    if (line === undefined) this.lines.set(accountId, (line = new StoredLine()));
    line.write(state);
  }
}

/**
 * The block a state earns under a barrier: a barrier in another currency than the account's
 * (fails closed, whatever the P&L), halted, or a strict breach of a bound.
 */
export function barrierBlock(state: PnlState, barrier: EffectivePnlBarrier): PolicyBlock | undefined {
  if (barrier.currencyMismatch !== undefined) return pnlCurrencyMismatchBlock(barrier.currency!, barrier.currencyMismatch);
  if (state.kind === "halted") return pnlHaltedBlock(state.reason);
  const sides = breachedSides(barrier, state.value);
  return sides === undefined ? undefined : pnlBreachBlock(sides, state.value, barrier);
}

/** Halt reasons name the operator's next action, so the most fundamental one is reported. */
const HALT_PRIORITY: Record<PnlHaltReason, number> = {
  ArithmeticOverflow: 0,
  MissingAccountCurrency: 1,
  MissingFx: 2,
  MissingCostBasis: 3,
  MissingInitialPnl: 4,
};

export function worseHalt(current: PnlHaltReason | undefined, candidate: PnlHaltReason): PnlHaltReason {
  return current === undefined || HALT_PRIORITY[candidate] < HALT_PRIORITY[current] ? candidate : current;
}

/** What one execution report means for the account line. */
export interface AccountLineEvent {
  /** The report realized P&L (a reducing fill) or carried a non-zero fee. */
  readonly engaged: boolean;
  /** The report touched the position or carried a fee: a standing halt is re-reported. */
  readonly observed: boolean;
  /** Realized and fee contributions, already in the account currency. */
  readonly contributions: readonly Pnl[];
  /** Why the contribution could not be computed, if it could not. */
  readonly halt: PnlHaltReason | undefined;
}

export interface AccountLineResult {
  /** The value change, or the halt transition (a standing halt is not repeated). */
  readonly outcome: PnlOutcome | undefined;
  readonly block: PolicyBlock | undefined;
}

const NOTHING: AccountLineResult = { outcome: undefined, block: undefined };

/**
 * True when `applyAccountLine` would do nothing for a report, whatever the barrier: one
 * that does not engage the line (no realized P&L, no fee) and either does not observe it
 * or finds it not halted. Most fills (every opening one) are such; the caller then skips
 * the barrier's resolution and the event (test/policies/spot-funds/account-line.test.ts
 * compares the two).
 */
export function lineUntouched(ledger: AccountPnlLedger, accountId: AccountId, engaged: boolean, observed: boolean): boolean {
  return !engaged && (!observed || !ledger.isHalted(accountId));
}

/**
 * Moves the account line for one report and evaluates the effective barrier on the result.
 * Every report that engages a breached or halted account re-emits the block (the engine
 * keeps the first cause), so an operator's unblock is corrected by the next such report.
 */
export function applyAccountLine(
  ledger: AccountPnlLedger,
  accountId: AccountId,
  barrier: SpotFundsPnlBarrier | undefined,
  event: AccountLineEvent,
): AccountLineResult {
  const before = ledger.stateOf(accountId);
  if (before.kind === "halted") {
    return event.observed && barrier !== undefined ? { outcome: undefined, block: pnlHaltedBlock(before.reason) } : NOTHING;
  }
  if (!event.engaged) return NOTHING;
  let halt = event.halt;
  let delta = Pnl.zero();
  let absolute: Pnl | undefined;
  if (halt === undefined) {
    try {
      for (const c of event.contributions) delta = delta.add(c);
      absolute = before.value.add(delta);
    } catch (e) {
      if (!(e instanceof ParamError)) throw e;
      halt = "ArithmeticOverflow";
    }
  }
  if (absolute === undefined) {
    const reason = halt ?? "ArithmeticOverflow";
    ledger.set(accountId, PnlState.halted(reason));
    return { outcome: { kind: "halted", reason }, block: barrier === undefined ? undefined : pnlHaltedBlock(reason) };
  }
  const after = PnlState.value(absolute);
  ledger.set(accountId, after);
  return {
    outcome: { kind: "value", delta, absolute },
    block: barrier === undefined ? undefined : barrierBlock(after, barrier),
  };
}
