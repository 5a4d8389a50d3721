/** The prices a reservation was accepted at, by policy group, carried with the order to its reports. */
import { PolicyGroupId } from "../param/ids.js";
import { Price } from "../param/values.js";

/** `[["185"],[7,"200","201"]]`: default-group prices first, then `[group, prices…]` per group. */
export type PreTradeLockJson = [string[], ...[number, ...string[]][]] | [];

/**
 * The prices a reservation was accepted at, by policy group. It must be stored with the
 * order and attached to every execution report for it, so SpotFunds can release holds
 * at the reserved price. Immutable once built.
 */
export class PreTradeLock {
  static readonly EMPTY = new PreTradeLock([], undefined);

  /**
   * The default group's prices, and the other groups' (absent when there are none: the
   * usual lock is one default-group price, and a Map per accepted order was one of the
   * larger allocations of the order path).
   */
  private constructor(
    private readonly defaults: readonly Price[],
    private readonly others: ReadonlyMap<PolicyGroupId, readonly Price[]> | undefined,
  ) {}

  static of(entries: Iterable<readonly [PolicyGroupId, Price]>): PreTradeLock {
    // Indexed, and the list created with its first price (an array grown from `[]`
    // reserves 17 slots): every accepted order and every fill builds a lock.
    const list = Array.isArray(entries) ? (entries as readonly (readonly [PolicyGroupId, Price])[]) : [...entries];
    let defaults: Price[] | undefined;
    let others: Map<PolicyGroupId, Price[]> | undefined;
    for (let i = 0; i < list.length; i++) {
      const entry = list[i]!;
      const group = entry[0];
      const price = entry[1];
      if (group === PolicyGroupId.DEFAULT) {
        if (defaults === undefined) defaults = [price];
        else defaults.push(price);
        continue;
      }
      others ??= new Map();
      const prices = others.get(group);
      if (prices) prices.push(price);
      else others.set(group, [price]);
    }
    return defaults === undefined && others === undefined ? PreTradeLock.EMPTY : new PreTradeLock(defaults ?? [], others);
  }

  /**
   * The lock of one price (what every accepted order pushes), as `of([[group, price]])`
   * builds it without the list and the pair: every execution report carries one.
   */
  static single(group: PolicyGroupId, price: Price): PreTradeLock {
    return group === PolicyGroupId.DEFAULT ? new PreTradeLock([price], undefined) : PreTradeLock.of([[group, price]]);
  }

  /**
   * The default group's prices when no other group has any (the usual lock), else
   * `undefined`: the entries of such a lock without building `entries()`'s pairs.
   */
  defaultsOnly(): readonly Price[] | undefined {
    return this.others === undefined ? this.defaults : undefined;
  }

  /** Prices registered under `group`, in registration order. */
  prices(group: PolicyGroupId = PolicyGroupId.DEFAULT): readonly Price[] {
    if (group === PolicyGroupId.DEFAULT) return this.defaults;
    return this.others?.get(group) ?? [];
  }

  /**
   * Every (group, price), default group first, then the other groups in the order they
   * first appeared. Built once per lock (it is immutable): every accepted order's answer
   * lists its lock.
   */
  entries(): readonly (readonly [PolicyGroupId, Price])[] {
    return (this.flat ??= this.flatten());
  }

  private flat: readonly (readonly [PolicyGroupId, Price])[] | undefined = undefined;

  private flatten(): readonly (readonly [PolicyGroupId, Price])[] {
    const out: (readonly [PolicyGroupId, Price])[] = this.defaults.map((p) => [PolicyGroupId.DEFAULT, p] as const);
    if (this.others) for (const [group, prices] of this.others) for (const p of prices) out.push([group, p]);
    return out;
  }

  isEmpty(): boolean {
    return this.defaults.length === 0 && this.others === undefined;
  }

  toJSON(): PreTradeLockJson {
    if (this.isEmpty()) return [];
    const json: [string[], ...[number, ...string[]][]] = [this.defaults.map(String)];
    if (this.others) for (const [group, prices] of this.others) json.push([group, ...prices.map(String)]);
    return json;
  }

  static fromJSON(json: unknown): PreTradeLock {
    if (!Array.isArray(json)) throw new TypeError("pre-trade lock JSON must be an array");
    if (json.length === 0) return PreTradeLock.EMPTY;
    const [defaults, ...groups] = json as unknown[];
    if (!Array.isArray(defaults)) throw new TypeError("pre-trade lock JSON: first element must be the default-group price list");
    const entries: [PolicyGroupId, Price][] = defaults.map((p) => [PolicyGroupId.DEFAULT, Price.fromString(String(p))]);
    for (const g of groups) {
      if (!Array.isArray(g) || typeof g[0] !== "number") {
        throw new TypeError("pre-trade lock JSON: group entries are [groupId, price...]");
      }
      const group = PolicyGroupId.fromU16(g[0]);
      for (const p of g.slice(1)) entries.push([group, Price.fromString(String(p))]);
    }
    return PreTradeLock.of(entries);
  }
}
