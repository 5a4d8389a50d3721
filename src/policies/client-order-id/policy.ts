/** Duplicate client order ids: one live order per (account, id), and safe retries answered with the first decision. */
import type { AccountId, PolicyGroupId } from "../../param/ids.js";
import type { Order } from "../../model/order.js";
import type { ExecutionReport } from "../../model/execution-report.js";
import type { PolicyReject } from "../../model/reject.js";
import type { ConfigurablePolicy } from "../../engine/pretrade/configurator.js";
import type { AccountRetirementRefusal, RetirementContext } from "../../engine/account-retirement.js";
import type { Mutation, Mutations } from "../../engine/pretrade/mutations.js";
import type { PolicyPreTradeResult, PostTradeContext, PreTradeContext } from "../../engine/pretrade/policy.js";
import { snapshotArray, snapshotFields } from "../snapshot-data.js";
import { duplicate } from "./rejects.js";
import { validateClientOrderIdSettings, type ClientOrderIdSettings } from "./settings.js";

/** One known id: when its order was accepted, and the answer it got (kept for retries). */
interface Entry {
  readonly accountId: AccountId;
  readonly clientOrderId: string;
  readonly since: number;
  /** The channel's answer to the first order (opaque here; the door stores and replays it). */
  decision: unknown;
}

/** An entry as snapshot data. */
type EntryData = Entry;


function keyOf(accountId: AccountId, clientOrderId: string): string {
  return `${accountId}\u0000${clientOrderId}`;
}

/** The main-stage mutation: a class, not closures, since one is made per accepted order with an id. */
class ReleaseOnRollback implements Mutation {
  constructor(
    private readonly release: (key: string, since: number) => void,
    private readonly key: string,
    readonly record: { readonly accountId: AccountId; readonly clientOrderId: string; readonly since: number },
  ) {}

  commit(): void {}

  rollback(): void {
    this.release(this.key, this.record.since);
  }
}

/**
 * An order may carry a client order id. From the moment the main stage accepts it (live or
 * drop copy) until its final execution report (one carrying the id), its rollback (explicit,
 * disconnect, TTL, fencing, another policy's reject) or `retentionMs`, the id is known for
 * the account: another order with it is rejected DUPLICATE_CLIENT_ORDER_ID (start and main
 * stage, so two open requests cannot both pass). A retry (`order.retry`) of a known id is
 * answered by the door with the first order's decision, without running the engine: no
 * second reservation. A rejected order leaves no id behind, so its retry is checked anew
 * (nothing was reserved the first time). Dry runs read only. State: the known ids with their
 * decisions, snapshotted; open reservations rebuild their release from the mutation record.
 */
export class ClientOrderIdPolicy implements ConfigurablePolicy<ClientOrderIdSettings> {
  static readonly NAME = "ClientOrderIdPolicy";
  readonly name = ClientOrderIdPolicy.NAME;
  readonly policyGroupId: PolicyGroupId | undefined;
  #settings: ClientOrderIdSettings;
  /** Insertion order = acceptance order (command time never steps back): expiry prunes from the front. */
  #known = new Map<string, Entry>();
  /**
   * The entries in acceptance order, for expiry (only while retentionMs > 0): a released
   * entry stays here until its time and is then skipped. Expiry used to iterate `#known`
   * from the front, but a Map keeps its deleted slots until it rehashes, so each call
   * walked every id expired since: cost grew with the order rate.
   */
  #expiryQueue: Entry[] = [];
  /** Each queued entry's map key, index for index (not rebuilt when the entry expires). */
  #expiryKeys: string[] = [];
  #expiryHead = 0;
  /** One function for every order's rollback (made once: a closure per order showed in profiles). */
  readonly #releaseKey = (key: string, since: number): void => {
    if (this.#known.get(key)?.since === since) this.#known.delete(key);
  };
  /** Each account's key prefix: turning the bigint id into text on every check was a measurable share of the hot path. */
  #prefixes = new Map<AccountId, string>();
  #lastAccount: AccountId | undefined;
  #lastId: string | undefined;
  #lastKey = "";

  constructor(settings: ClientOrderIdSettings, options?: { policyGroupId?: PolicyGroupId }) {
    const owned = { ...settings };
    validateClientOrderIdSettings(owned);
    this.#settings = owned;
    this.policyGroupId = options?.policyGroupId;
  }

  settingsDraft(): ClientOrderIdSettings {
    return { ...this.#settings };
  }

  publishSettings(next: ClientOrderIdSettings): void {
    const owned = { ...next };
    validateClientOrderIdSettings(owned);
    this.#settings = owned;
    this.#rebuildExpiryQueue();
  }

  snapshotState(): { settings: ClientOrderIdSettings; known: EntryData[] } {
    return { settings: { ...this.#settings }, known: [...this.#known.values()].map((e) => ({ ...e })) };
  }

  restoreState(data: unknown): void {
    const { settings, known } = snapshotFields(data, this.name, "snapshot", ["settings", "known"]);
    this.publishSettings(settings as ClientOrderIdSettings);
    this.#known = new Map();
    for (const e of snapshotArray<EntryData>(known, this.name, "known")) this.#known.set(this.#keyOf(e.accountId, e.clientOrderId), { ...e });
    this.#rebuildExpiryQueue();
  }

  restoreMutation(record: unknown): Mutation {
    const { accountId, clientOrderId, since } = snapshotFields(record, this.name, "mutation record", ["accountId", "clientOrderId", "since"]);
    return this.#release(accountId as AccountId, clientOrderId as string, since as number);
  }

  /**
   * Account retirement: NonZeroState while an id of the account is still known (not past
   * `retentionMs` at the command's time): a re-created account must not be able to reuse
   * an id its old orders may still carry at the venue, and a retry must not lose its first
   * answer. Ids past retention (not yet pruned) are removed on commit. With retentionMs 0
   * only a final report carrying the id (or a rollback) releases it.
   */
  retireAccount(accountId: AccountId, mutations: Mutations, ctx: RetirementContext): AccountRetirementRefusal | undefined {
    let leftover = false;
    for (const entry of this.#known.values()) {
      if (entry.accountId !== accountId) continue;
      if (!this.#expired(entry, ctx.nowMs)) return "NonZeroState";
      leftover = true;
    }
    if (leftover) {
      mutations.push(() => {
        for (const [key, entry] of this.#known) if (entry.accountId === accountId) this.#known.delete(key);
      }, undefined);
    }
    return undefined;
  }

  /** How many ids are known (all accounts). */
  get size(): number {
    return this.#known.size;
  }

  /** The first order's decision for a retry, or undefined when the id is not known (then the retry runs as a new order). */
  firstDecision(accountId: AccountId, clientOrderId: string, nowMs: number): unknown {
    this.#expire(nowMs);
    return this.#known.get(this.#keyOf(accountId, clientOrderId))?.decision;
  }

  /** The door keeps the answer the accepted order got, for its retries. */
  rememberDecision(accountId: AccountId, clientOrderId: string, decision: unknown): void {
    const entry = this.#known.get(this.#keyOf(accountId, clientOrderId));
    if (entry) entry.decision = decision;
  }

  checkPreTradeStart(ctx: PreTradeContext, order: Order): readonly PolicyReject[] | undefined {
    const id = order.clientOrderId;
    if (id === undefined) return undefined;
    return this.#isKnown(order, id, ctx.nowMs) ? duplicate(id) : undefined;
  }

  performPreTradeCheck(ctx: PreTradeContext, order: Order, mutations: Mutations): PolicyPreTradeResult | undefined {
    const id = order.clientOrderId;
    const accountId = order.operation?.accountId;
    if (id === undefined || accountId === undefined) return undefined;
    if (this.#isKnown(order, id, ctx.nowMs)) return ctx.isDropCopy ? undefined : { rejects: duplicate(id) };
    const since = ctx.nowMs;
    const entry: Entry = { accountId, clientOrderId: id, since, decision: undefined };
    this.#known.set(this.#keyOf(accountId, id), entry);
    if (this.#settings.retentionMs > 0) {
      this.#expiryQueue.push(entry);
      this.#expiryKeys.push(this.#keyOf(accountId, id));
    }
    // Released if the order does not go ahead (its reservation rolls back); a commit keeps it.
    mutations.push(this.#release(accountId, id, since));
    return undefined;
  }

  performPreTradeCheckDryRun(ctx: PreTradeContext, order: Order): PolicyPreTradeResult | undefined {
    const id = order.clientOrderId;
    return id !== undefined && this.#isKnownAt(order, id, ctx.nowMs) ? { rejects: duplicate(id) } : undefined;
  }

  checkPreTradeStartDryRun(ctx: PreTradeContext, order: Order): readonly PolicyReject[] | undefined {
    const id = order.clientOrderId;
    return id !== undefined && this.#isKnownAt(order, id, ctx.nowMs) ? duplicate(id) : undefined;
  }

  /** A final report carrying the id releases it. */
  applyExecutionReport(_ctx: PostTradeContext, report: ExecutionReport): undefined {
    const id = report.clientOrderId;
    const accountId = report.operation?.accountId;
    if (id !== undefined && accountId !== undefined && report.fill?.isFinal === true) this.#known.delete(this.#keyOf(accountId, id));
    return undefined;
  }

  #isKnown(order: Order, id: string, now: number): boolean {
    this.#expire(now);
    return this.#isKnownAt(order, id, now);
  }

  /** Read-only (dry runs): an entry past its retention counts as gone without being removed. */
  #isKnownAt(order: Order, id: string, now: number): boolean {
    const accountId = order.operation?.accountId;
    if (accountId === undefined) return false;
    const entry = this.#known.get(this.#keyOf(accountId, id));
    return entry !== undefined && !this.#expired(entry, now);
  }

  #expired(entry: Entry, now: number): boolean {
    const retention = this.#settings.retentionMs;
    return retention > 0 && now - entry.since >= retention;
  }

  #expire(now: number): void {
    const queue = this.#expiryQueue;
    let head = this.#expiryHead;
    while (head < queue.length && this.#expired(queue[head]!, now)) {
      const entry = queue[head]!;
      const key = this.#expiryKeys[head++]!;
      // Only if it is still this entry: a released id may have been taken again since.
      if (this.#known.get(key) === entry) this.#known.delete(key);
    }
    if (head > 1024 && head * 2 > queue.length) {
      queue.splice(0, head);
      this.#expiryKeys.splice(0, head);
      head = 0;
    }
    this.#expiryHead = head;
  }

  /** The known entries in acceptance order (Map order = insertion order), when ids expire at all. */
  #rebuildExpiryQueue(): void {
    this.#expiryQueue = this.#settings.retentionMs > 0 ? [...this.#known.values()] : [];
    this.#expiryKeys = this.#settings.retentionMs > 0 ? [...this.#known.keys()] : [];
    this.#expiryHead = 0;
  }

  /**
   * The map key. The last one is remembered: the start stage, the main stage, the insert and
   * the rollback record of one order all ask for the same key, and a reused string keeps
   * its hash, so only the first lookup hashes it.
   */
  #keyOf(accountId: AccountId, clientOrderId: string): string {
    if (accountId === this.#lastAccount && clientOrderId === this.#lastId) return this.#lastKey;
    let prefix = this.#prefixes.get(accountId);
    if (prefix === undefined) this.#prefixes.set(accountId, (prefix = keyOf(accountId, "")));
    this.#lastAccount = accountId;
    this.#lastId = clientOrderId;
    return (this.#lastKey = prefix + clientOrderId);
  }

  /** Removes the entry only if it is still the one this order made (a later order may reuse the id). */
  #release(accountId: AccountId, clientOrderId: string, since: number): Mutation {
    return new ReleaseOnRollback(this.#releaseKey, this.#keyOf(accountId, clientOrderId), { accountId, clientOrderId, since });
  }
}
