/** SpotFunds' per-(account, asset) holdings: available, held, incoming, average price and realized P&L. */
import type { AccountId } from "../../param/ids.js";
import type { Asset } from "../../param/instrument.js";
import type { DecimalValue } from "../../param/decimal-value.js";
import { DecimalCell } from "../../param/decimal-cell.js";
import { PositionSize, type Price } from "../../param/values.js";
import type { PnlState } from "../../model/pnl-state.js";

/**
 * One (account, asset) slot. `available` is spendable, `held` is locked by open orders,
 * `incoming` is the informational projection of what open orders will bring in (it never
 * gates). `averageEntryPrice` and `realizedPnl` describe the net position
 * (`available + held`) in the account currency; `realizedPnl` undefined = never tracked.
 * Slots are read and written as immutable values (the store keeps their amounts in place).
 */
export interface Holdings {
  readonly available: PositionSize;
  readonly held: PositionSize;
  readonly incoming: PositionSize;
  readonly averageEntryPrice: Price | undefined;
  readonly realizedPnl: PnlState | undefined;
}

export const ZERO = PositionSize.zero();

/**
 * `max(x, 0)`: the part of a signed flow that is an outflow to reserve (or release). A zero
 * gives `ZERO` (scale 0), as OpenPit's `non_negative` (Rust's `max` returns its second
 * argument on a tie): a lock of 0.00 consumes "0", not "0.00" (found by review, session 38).
 */
export function atLeastZero(x: PositionSize): PositionSize {
  return x.isPositive() ? x : ZERO;
}

/** What a missing slot reads as. */
export const EMPTY_HOLDINGS: Holdings = Object.freeze({
  available: ZERO,
  held: ZERO,
  incoming: ZERO,
  averageEntryPrice: undefined,
  realizedPnl: undefined,
});

/**
 * True when the slot carries nothing worth keeping. A realized P&L of exactly zero is
 * dropped with it: a flat slot starts tracking at zero again on its next opening fill, so
 * nothing observable is lost, while a halted P&L keeps the slot alive (halts are sticky).
 */
export function isEmptyHoldings(h: Holdings): boolean {
  return (
    h.available.isZero() &&
    h.held.isZero() &&
    h.incoming.isZero() &&
    h.averageEntryPrice === undefined &&
    (h.realizedPnl === undefined || (h.realizedPnl.kind === "value" && h.realizedPnl.value.isZero()))
  );
}

/**
 * Value equality of two slots: the same decimals with the same scale, the same average and
 * the same P&L state. Identity is not enough: a slot read back from a snapshot is an equal
 * value but never the same object, and a restored run must take the branch the live one did.
 */
export function sameHoldings(a: Holdings, b: Holdings): boolean {
  if (a === b) return true;
  return (
    sameDecimal(a.available, b.available) &&
    sameDecimal(a.held, b.held) &&
    sameDecimal(a.incoming, b.incoming) &&
    sameDecimal(a.averageEntryPrice, b.averageEntryPrice) &&
    samePnlState(a.realizedPnl, b.realizedPnl)
  );
}

function sameDecimal(a: DecimalValue | undefined, b: DecimalValue | undefined): boolean {
  return a === b || (a !== undefined && b !== undefined && a.toString() === b.toString());
}

function samePnlState(a: PnlState | undefined, b: PnlState | undefined): boolean {
  if (a === b) return true;
  if (a === undefined || b === undefined) return false;
  if (a.kind === "halted") return b.kind === "halted" && a.reason === b.reason;
  return b.kind === "value" && sameDecimal(a.value, b.value);
}

/** A slot rebuilt from snapshot data with every field present (absent optional fields were dropped by the codec). */
export function holdingsFrom(data: Holdings): Holdings {
  return {
    available: data.available,
    held: data.held,
    incoming: data.incoming,
    averageEntryPrice: data.averageEntryPrice ?? undefined,
    realizedPnl: data.realizedPnl ?? undefined,
  };
}

/**
 * One slot as the store keeps it. The three amounts, which every order and fill moves, are
 * kept in place (`DecimalCell`); the average and the P&L, which only a position's fills
 * change, are kept as the values written. Made once per (account, asset) and then
 * overwritten, so most of a fill allocates no state that outlives it: a new slot value
 * and new amounts per fill, over thousands of accounts, lived until that account's next
 * fill and were most of what scavenges copied (docs/performance.md, Session 9).
 */
class StoredHoldings {
  readonly available = new DecimalCell(PositionSize);
  readonly held = new DecimalCell(PositionSize);
  readonly incoming = new DecimalCell(PositionSize);
  averageEntryPrice: Price | undefined = undefined;
  realizedPnl: PnlState | undefined = undefined;

  write(h: Holdings): void {
    this.available.set(h.available);
    this.held.set(h.held);
    this.incoming.set(h.incoming);
    this.averageEntryPrice = h.averageEntryPrice;
    this.realizedPnl = h.realizedPnl;
  }

  /** The slot as a value: new amounts (short-lived: callers compute the next value from them). */
  read(): Holdings {
    return {
      available: this.available.value,
      held: this.held.value,
      incoming: this.incoming.value,
      averageEntryPrice: this.averageEntryPrice,
      realizedPnl: this.realizedPnl,
    };
  }
}

/**
 * `(account, asset) → Holdings` as two plain Maps (account first, so one account's slots
 * are found without a scan and the whole table can be snapshotted as data). Empty slots
 * are pruned on write, so a rejected or rolled-back reservation leaves no trace. Slots are
 * stored in place (`StoredHoldings`) and read as values.
 */
export class HoldingsStore {
  private readonly accounts = new Map<AccountId, Map<Asset, StoredHoldings>>();
  /**
   * The slots last found, and their account: an order reads and writes each of its assets'
   * slots of one account, and a Map lookup by a bigint key hashes the bigint every time
   * (about 35 ns, against a few for the comparison). Cleared whenever an account's slots go.
   */
  #lastId: AccountId | undefined = undefined;
  #lastSlots: Map<Asset, StoredHoldings> | undefined = undefined;

  get(accountId: AccountId, asset: Asset): Holdings {
    return this.slots(accountId)?.get(asset)?.read() ?? EMPTY_HOLDINGS;
  }

  put(accountId: AccountId, asset: Asset, holdings: Holdings): void {
    let slots = this.slots(accountId);
    if (isEmptyHoldings(holdings)) {
      if (slots?.delete(asset) && slots.size === 0) {
        this.accounts.delete(accountId);
        this.#remember(undefined, undefined);
      }
      return;
    }
    if (slots === undefined) {
      slots = new Map();
      this.accounts.set(accountId, slots);
      this.#remember(accountId, slots);
    }
    let slot = slots.get(asset);
    if (slot === undefined) slots.set(asset, (slot = new StoredHoldings()));
    slot.write(holdings);
  }

  /** The account's slots, if it has any (through the one-entry cache). */
  private slots(accountId: AccountId): Map<Asset, StoredHoldings> | undefined {
    if (accountId === this.#lastId) return this.#lastSlots;
    const slots = this.accounts.get(accountId);
    if (slots !== undefined) this.#remember(accountId, slots);
    return slots;
  }

  #remember(accountId: AccountId | undefined, slots: Map<Asset, StoredHoldings> | undefined): void {
    this.#lastId = accountId;
    this.#lastSlots = slots;
  }

  /** Every slot, account by account, in table order (as values). */
  snapshot(): Map<AccountId, Map<Asset, Holdings>> {
    const out = new Map<AccountId, Map<Asset, Holdings>>();
    for (const accountId of this.accounts.keys()) out.set(accountId, this.slotsOf(accountId)!);
    return out;
  }

  /** Replaces the whole table, keeping the given order (it is the order later scans see). */
  restore(table: ReadonlyMap<AccountId, ReadonlyMap<Asset, Holdings>>): void {
    this.accounts.clear();
    this.#remember(undefined, undefined);
    for (const [accountId, slots] of table) {
      for (const [asset, h] of slots) this.put(accountId, asset, holdingsFrom(h));
    }
    this.#remember(undefined, undefined);
  }

  /** Accounts with at least one non-empty slot (empty slots are pruned on write). */
  accountIds(): IterableIterator<AccountId> {
    return this.accounts.keys();
  }

  /** The account's slots as values, in table order (a copy). */
  slotsOf(accountId: AccountId): Map<Asset, Holdings> | undefined {
    const slots = this.accounts.get(accountId);
    if (slots === undefined) return undefined;
    const out = new Map<Asset, Holdings>();
    for (const [asset, slot] of slots) out.set(asset, slot.read());
    return out;
  }
}
