/** Trading states ACTIVE / REDUCING / HALTED per account, group and globally. */
import type { AccountGroupId, AccountId, PolicyGroupId } from "../../param/ids.js";
import type { Decimal } from "decimal.js";
import { PositionSize, Quantity } from "../../param/values.js";
import { ExactSum } from "../../param/exact-sum.js";
import { missingField, type PolicyReject } from "../../model/reject.js";
import type { Order } from "../../model/order.js";
import { scopeKey, type ControlScope, type TradingStateName } from "../../model/control-scope.js";
import type { ConfigurablePolicy } from "../../engine/pretrade/configurator.js";
import type { AccountRetirementRefusal } from "../../engine/account-retirement.js";
import type { PolicyPreTradeResult, PreTradeContext } from "../../engine/pretrade/policy.js";
import { ParamError } from "../../param/param-error.js";
import { SettingsValidationError } from "../../engine/errors.js";
import { snapshotFields } from "../snapshot-data.js";
import { halted, notReducing, openQuantityUnknown, quantityUnknown } from "./rejects.js";
import { unboundedQuantity } from "../../engine/account-book/order-footprint.js";
import { copyTradingStateSettings, type TradingStateEntry, type TradingStateSettings } from "./settings.js";

const RANK: Record<TradingStateName, number> = { ACTIVE: 0, REDUCING: 1, HALTED: 2 };
const MISSING_ACCOUNT: readonly PolicyReject[] = Object.freeze([missingField("account ID")]);
const MISSING_INSTRUMENT: readonly PolicyReject[] = Object.freeze([missingField("instrument")]);
const MISSING_SIDE: readonly PolicyReject[] = Object.freeze([missingField("side")]);
const MISSING_AMOUNT: readonly PolicyReject[] = Object.freeze([missingField("trade amount")]);

/** The state an order runs under, and where it was set (for the reject text). */
interface Effective {
  readonly state: TradingStateName;
  readonly scope: ControlScope;
}

/**
 * HALTED rejects every new order; REDUCING lets an order through only if it shrinks the
 * position and cannot flip it. Open orders count worst case: every open order on the
 * order's side is assumed to fill first (the account book's pending quantity), those on
 * the other side are ignored (they could only make room); while one on the order's side has
 * no bound on its units (`unboundedOpenOrders`: by volume, a buy, or a sell without a positive
 * limit price or whose volume / limit is past the decimal range), or while the book's total
 * of them was rounded (`pendingRounded`), that worst case cannot be known and the order is
 * refused. A BUY passes iff position < 0
 * and position + pending buys + quantity ≤ 0; a SELL iff position > 0 and
 * position − pending sells − quantity ≥ 0, both sums exact (`reducesPosition`). The strictest
 * of the account's, its group's and the global state applies. Checked in both stages (a request may wait between them) and
 * read-only, so dry runs need no variant; drop copies' rejects are discarded by the engine.
 * Its settings are its state: SetTradingState changes one scope, ConfigurePolicy replaces all.
 */
export class TradingStatePolicy implements ConfigurablePolicy<TradingStateSettings> {
  static readonly NAME = "TradingStatePolicy";
  readonly name = TradingStatePolicy.NAME;
  /** A built-in: a failing commit/rollback of its blocks only the account (OpenPit §E). */
  readonly builtIn = true;
  readonly policyGroupId: PolicyGroupId | undefined;
  /** Every scope not ACTIVE by its scope key, in the order set (settings, snapshots, `entries`). */
  #states = new Map<string, TradingStateEntry>();
  /**
   * The same entries by account, by group and the global one, rebuilt whenever `#states`
   * changes: an order's states are one lookup each, with no scope key made or looked up
   * (this runs in both stages of every order).
   */
  #byAccount = new Map<AccountId, TradingStateEntry>();
  #byGroup = new Map<AccountGroupId, TradingStateEntry>();
  #global: TradingStateEntry | undefined;

  constructor(settings: TradingStateSettings, options?: { policyGroupId?: PolicyGroupId }) {
    this.policyGroupId = options?.policyGroupId;
    this.publishSettings(settings);
  }

  settingsDraft(): TradingStateSettings {
    return { states: [...this.#states.values()].map((e) => ({ ...e })) };
  }

  publishSettings(next: TradingStateSettings): void {
    const states = new Map<string, TradingStateEntry>();
    for (const e of copyTradingStateSettings(next).states) {
      const key = scopeKey(e.scope);
      if (states.has(key)) throw new SettingsValidationError(`DuplicateScope: ${key} is listed twice`);
      if (e.state !== "ACTIVE") states.set(key, e);
    }
    this.#states = states;
    this.#index();
  }

  #index(): void {
    this.#byAccount = new Map();
    this.#byGroup = new Map();
    this.#global = undefined;
    for (const e of this.#states.values()) {
      const scope = e.scope;
      if (scope.kind === "account") this.#byAccount.set(scope.accountId, e);
      else if (scope.kind === "group") this.#byGroup.set(scope.group, e);
      else this.#global = e;
    }
  }

  snapshotState(): { settings: TradingStateSettings } {
    return { settings: this.settingsDraft() };
  }

  restoreState(data: unknown): void {
    const { settings } = snapshotFields(data, this.name, "snapshot", ["settings"]);
    this.publishSettings(settings as TradingStateSettings);
  }

  /**
   * Account retirement: its settings are its only state. A REDUCING or HALTED state set on
   * the account refuses (set it ACTIVE first: a re-created account must not silently
   * inherit, nor silently lose, an operator's halt); group and global states do not name it.
   */
  retireAccount(accountId: AccountId): AccountRetirementRefusal | undefined {
    return this.#states.has(scopeKey({ kind: "account", accountId })) ? "ConfigurationReferencesAccount" : undefined;
  }

  /** The state set on exactly this scope (ACTIVE when none). */
  stateOf(scope: ControlScope): TradingStateName {
    return this.#states.get(scopeKey(scope))?.state ?? "ACTIVE";
  }

  /** The reason given with the state set on exactly this scope ("" when none is set). */
  reasonOf(scope: ControlScope): string {
    return this.#states.get(scopeKey(scope))?.reason ?? "";
  }

  /** Sets one scope's state (ACTIVE clears it); returns the state it had. */
  setState(scope: ControlScope, state: TradingStateName, reason: string): TradingStateName {
    const key = scopeKey(scope);
    const previous = this.#states.get(key)?.state ?? "ACTIVE";
    if (state === "ACTIVE") this.#states.delete(key);
    else this.#states.set(key, { scope, state, reason });
    this.#index();
    return previous;
  }

  /** The settings `setState(scope, state, reason)` would leave, nothing changed (the caller bounds their size first). */
  settingsAfter(scope: ControlScope, state: TradingStateName, reason: string): TradingStateSettings {
    const key = scopeKey(scope);
    const states = [...this.#states].flatMap(([k, e]) => (k !== key ? [{ ...e }] : state === "ACTIVE" ? [] : [{ scope, state, reason }]));
    if (state !== "ACTIVE" && !this.#states.has(key)) states.push({ scope, state, reason });
    return { states };
  }

  /** Every scope not ACTIVE, in the order they were set. */
  entries(): readonly TradingStateEntry[] {
    return [...this.#states.values()];
  }

  checkPreTradeStart(ctx: PreTradeContext, order: Order): readonly PolicyReject[] | undefined {
    return this.#check(ctx, order);
  }

  performPreTradeCheck(ctx: PreTradeContext, order: Order): PolicyPreTradeResult | undefined {
    const rejects = this.#check(ctx, order);
    return rejects && { rejects };
  }

  #check(ctx: PreTradeContext, order: Order): readonly PolicyReject[] | undefined {
    // Drop copies pass: they are at the venue, and a missing field (an evaluation failure,
    // fatal to a drop copy) must not keep one out of the book.
    if (this.#states.size === 0 || ctx.isDropCopy) return undefined;
    const accountId = order.operation?.accountId;
    // The group is resolved only when a group state is set (nothing else reads it here).
    const effective = this.#effective(accountId, accountId === undefined || this.#byGroup.size === 0 ? undefined : ctx.accountGroup());
    if (effective === undefined) return accountId === undefined ? MISSING_ACCOUNT : undefined;
    if (effective.state === "HALTED") return halted(effective.scope);
    return this.#reducing(ctx, order, accountId!, effective.scope);
  }

  /**
   * The strictest state over account, group and global (ties: the most specific names it).
   * Undefined = ACTIVE, or no account to resolve account and group states with while
   * some are set (the caller fails closed on that).
   */
  #effective(accountId: AccountId | undefined, group: AccountGroupId | undefined): Effective | undefined {
    // No closure here: this runs twice per order, and a closure per call showed in profiles.
    let best: TradingStateEntry | undefined;
    if (accountId !== undefined) {
      if (this.#byAccount.size > 0) best = this.#byAccount.get(accountId);
      if (group !== undefined) best = stricter(best, this.#byGroup.get(group));
    } else if (this.#byAccount.size > 0 || this.#byGroup.size > 0) {
      return undefined;
    }
    return stricter(best, this.#global);
  }

  #reducing(ctx: PreTradeContext, order: Order, accountId: AccountId, scope: ControlScope): readonly PolicyReject[] | undefined {
    const op = order.operation!;
    if (op.instrument === undefined) return MISSING_INSTRUMENT;
    if (op.side === undefined) return MISSING_SIDE;
    if (op.tradeAmount === undefined) return MISSING_AMOUNT;
    const quantity = quantityOf(order);
    if (quantity === undefined) return quantityUnknown(scope);
    // An open order on this side whose units have no bound (accepted while ACTIVE): its pending
    // figure is no worst case (found by review: an open SELL of 100 by volume limited at -10,
    // counted 10, let a SELL of 20 pass a long 30, and filled at -5 it sold 20: short 10).
    if (ctx.book.unboundedOpenOrders(accountId, op.instrument, op.side) > 0) return openQuantityUnknown(scope, op.side);
    // So is one the book rounded: the exact sum below starts from its rounded total (found by
    // review, session 37: short 80000000001, open BUYs of 8e10 and 1e-18 held as 8e10, a BUY of
    // 1 passed, +1e-18 worst case; once the 8e10 filled the total read 0 and the book ended long).
    if (ctx.book.pendingRounded(accountId, op.instrument, op.side)) return openQuantityUnknown(scope, op.side);
    const position = ctx.book.position(accountId, op.instrument);
    const pending = ctx.book.pendingQuantity(accountId, op.instrument, op.side);
    const unrounded = ctx.book.positionUnrounded(accountId, op.instrument);
    return reducesPosition(position, pending, op.side, quantity, unrounded) ? undefined : notReducing(scope, op.side, unrounded ?? position, pending, quantity);
  }
}

/** `e` if it is stricter than `best` (ties keep `best`, the more specific scope). */
function stricter(best: TradingStateEntry | undefined, e: TradingStateEntry | undefined): TradingStateEntry | undefined {
  return e !== undefined && (best === undefined || RANK[e.state] > RANK[best.state]) ? e : best;
}

/**
 * Worst case: every open order on `side` fills first. True iff the position is on the
 * other side of zero and the order, after them, takes it at most to zero. A worst case past
 * the decimal range is past it on the order's own side (both terms are), so the order does
 * not reduce (found by review: the sum threw, an internal error after earlier policies'
 * start hooks had counted the order). The sign is that of the exact sum: past 29 digits the
 * domain rounds (found by review, session 37: short 1e11, an open BUY of 1e-18 and a BUY of
 * 1e11 are +1e-18, a flip, which the domain's sum read as 0, and the order passed), so when a
 * step of it was rounded the unrounded sum decides (`ExactSum`; nothing built while every
 * step is exact). So does the position itself when the book holds it rounded (`unrounded`,
 * `AccountBookView.positionUnrounded`; found by review, session 37: short 80000000001 and a
 * BUY fill of 1e-18 read as short 80000000001, and a BUY of 80000000001 passed, a flip).
 */
export function reducesPosition(position: PositionSize, pending: Quantity, side: "BUY" | "SELL", quantity: Quantity, unrounded?: Decimal): boolean {
  const held = unrounded !== undefined ? unrounded.cmp(0) : position.compare(ZERO_POSITION);
  if (side === "BUY" ? held >= 0 : held <= 0) return false;
  const after = AFTER;
  after.reset();
  try {
    if (unrounded === undefined) after.add(position);
    else after.addUnrounded(position, unrounded);
    after.add(PositionSize.fromQuantityAndSide(pending, side));
    after.add(PositionSize.fromQuantityAndSide(quantity, side));
  } catch (e) {
    if (e instanceof ParamError && e.code === "Overflow") return false;
    throw e;
  }
  const sign = after.compareExact(ZERO_POSITION);
  return side === "BUY" ? sign <= 0 : sign >= 0;
}

/** `reducesPosition`'s sum, reused (reset at every call; nothing re-enters it). */
const AFTER = new ExactSum(PositionSize);
const ZERO_POSITION = PositionSize.zero();

/**
 * The most the order can trade: as sent, or a SELL's volume at its positive limit price (it
 * sells at that price or above, so no more units); undefined when it cannot be known. A BUY by
 * volume buys more units the lower it fills, with no bound below its limit price (found by
 * review: sized at its limit, one that closed a short exactly flipped it when it filled lower).
 * So does a SELL at a limit at or below zero: it may fill at any higher price, nearer zero (a
 * SELL of 100 by volume limited at -10 sized as 10 units, filled at -5 as 20, and flipped a
 * long 10 into a short; found by review, session 35).
 */
function quantityOf(order: Order): Quantity | undefined {
  const amount = order.operation!.tradeAmount!;
  if (amount.kind === "quantity") return amount.value;
  // The book counts the same orders open as unbounded (order-footprint.ts).
  if (unboundedQuantity(order)) return undefined;
  try {
    return amount.value.calculateQuantity(order.operation!.price!);
  } catch (e) {
    if (e instanceof ParamError) return undefined;
    throw e;
  }
}
