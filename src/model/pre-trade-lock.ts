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
  static readonly EMPTY = new PreTradeLock(new Map());

  private constructor(private readonly byGroup: ReadonlyMap<PolicyGroupId, readonly Price[]>) {}

  static of(entries: Iterable<readonly [PolicyGroupId, Price]>): PreTradeLock {
    const byGroup = new Map<PolicyGroupId, Price[]>();
    for (const [group, price] of entries) {
      const list = byGroup.get(group);
      if (list) list.push(price);
      else byGroup.set(group, [price]);
    }
    if (byGroup.size === 0) return PreTradeLock.EMPTY;
    const lock = new PreTradeLock(byGroup);
    // Default-group prices only (the usual lock): the entries given are already the flat
    // list, in order; a copy keeps the lock immune to the caller's later changes.
    if (byGroup.size === 1 && byGroup.has(PolicyGroupId.DEFAULT) && Array.isArray(entries)) lock.flat = entries.slice();
    return lock;
  }

  /** Prices registered under `group`, in registration order. */
  prices(group: PolicyGroupId = PolicyGroupId.DEFAULT): readonly Price[] {
    return this.byGroup.get(group) ?? [];
  }

  /**
   * Every (group, price), default group first. Built once per lock (it is immutable) and
   * shared: every accepted order's answer lists its lock, and a generator with a fresh
   * pair per price was one of the larger allocations on the order path.
   */
  entries(): readonly (readonly [PolicyGroupId, Price])[] {
    return (this.flat ??= this.flatten());
  }

  private flat: readonly (readonly [PolicyGroupId, Price])[] | undefined;

  private flatten(): readonly (readonly [PolicyGroupId, Price])[] {
    const out: (readonly [PolicyGroupId, Price])[] = [];
    const defaults = this.byGroup.get(PolicyGroupId.DEFAULT);
    if (defaults) for (const p of defaults) out.push([PolicyGroupId.DEFAULT, p]);
    for (const [group, prices] of this.byGroup) {
      if (group !== PolicyGroupId.DEFAULT) for (const p of prices) out.push([group, p]);
    }
    return out;
  }

  isEmpty(): boolean {
    return this.byGroup.size === 0;
  }

  toJSON(): PreTradeLockJson {
    if (this.byGroup.size === 0) return [];
    const json: [string[], ...[number, ...string[]][]] = [this.prices().map(String)];
    for (const [group, prices] of this.byGroup) {
      if (group !== PolicyGroupId.DEFAULT) json.push([group, ...prices.map(String)]);
    }
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
