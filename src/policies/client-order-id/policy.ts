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

/**
 * A known id as held: the entry plus its place in acceptance order across all accounts
 * (`seq`), which the snapshot lists entries in. Ids are kept per account (no key text is
 * built per order, and each account's map is small); `seq` keeps the one global order a
 * single map used to give.
 */
interface Known extends Entry {
  readonly seq: number;
}

/** The main-stage mutation: a class, not closures, since one is made per accepted order with an id. */
class ReleaseOnRollback implements Mutation {
  constructor(
    private readonly policy: ClientOrderIdPolicy,
    readonly record: { readonly accountId: AccountId; readonly clientOrderId: string; readonly since: number },
  ) {}

  commit(): void {}

  rollback(): void {
    this.policy.releaseIfSame(this.record.accountId, this.record.clientOrderId, this.record.since);
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
  /** Per account, per client order id. Acceptance order across accounts is each entry's `seq`. */
  #known = new Map<AccountId, Map<string, Known>>();
  #count = 0;
  #nextSeq = 0;
  /**
   * The entries in acceptance order (command time never steps back), for expiry (only
   * while retentionMs > 0): a released entry stays here until its time and is then
   * skipped. Expiry used to iterate the map from the front, but a Map keeps its deleted
   * slots until it rehashes, so each call walked every id expired since.
   */
  #expiryQueue: Known[] = [];
  #expiryHead = 0;

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
    return { settings: { ...this.#settings }, known: this.#inOrder().map((e) => ({ accountId: e.accountId, clientOrderId: e.clientOrderId, since: e.since, decision: e.decision })) };
  }

  restoreState(data: unknown): void {
    const { settings, known } = snapshotFields(data, this.name, "snapshot", ["settings", "known"]);
    this.publishSettings(settings as ClientOrderIdSettings);
    this.#known = new Map();
    this.#count = 0;
    this.#nextSeq = 0;
    for (const e of snapshotArray<EntryData>(known, this.name, "known")) this.#insert(e.accountId, e.clientOrderId, e.since, e.decision);
    this.#rebuildExpiryQueue();
  }

  restoreMutation(record: unknown): Mutation {
    const { accountId, clientOrderId, since } = snapshotFields(record, this.name, "mutation record", ["accountId", "clientOrderId", "since"]);
    return new ReleaseOnRollback(this, { accountId: accountId as AccountId, clientOrderId: clientOrderId as string, since: since as number });
  }

  /**
   * Account retirement: NonZeroState while an id of the account is still known (not past
   * `retentionMs` at the command's time): a re-created account must not be able to reuse
   * an id its old orders may still carry at the venue, and a retry must not lose its first
   * answer. Ids past retention (not yet pruned) are removed on commit. With retentionMs 0
   * only a final report carrying the id (or a rollback) releases it.
   */
  retireAccount(accountId: AccountId, mutations: Mutations, ctx: RetirementContext): AccountRetirementRefusal | undefined {
    const ids = this.#known.get(accountId);
    if (ids === undefined || ids.size === 0) return undefined;
    for (const entry of ids.values()) if (!this.#expired(entry, ctx.nowMs)) return "NonZeroState";
    mutations.push(() => {
      const gone = this.#known.get(accountId);
      if (gone === undefined) return;
      this.#count -= gone.size;
      this.#known.delete(accountId);
    }, undefined);
    return undefined;
  }

  /** How many ids are known (all accounts). */
  get size(): number {
    return this.#count;
  }

  /** The first order's decision for a retry, or undefined when the id is not known (then the retry runs as a new order). */
  firstDecision(accountId: AccountId, clientOrderId: string, nowMs: number): unknown {
    this.#expire(nowMs);
    return this.#known.get(accountId)?.get(clientOrderId)?.decision;
  }

  /** The door keeps the answer the accepted order got, for its retries. */
  rememberDecision(accountId: AccountId, clientOrderId: string, decision: unknown): void {
    const entry = this.#known.get(accountId)?.get(clientOrderId);
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
    const entry = this.#insert(accountId, id, since, undefined);
    if (this.#settings.retentionMs > 0) this.#expiryQueue.push(entry);
    // Released if the order does not go ahead (its reservation rolls back); a commit keeps it.
    mutations.push(new ReleaseOnRollback(this, { accountId, clientOrderId: id, since }));
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
    if (id !== undefined && accountId !== undefined && report.fill?.isFinal === true) this.#remove(accountId, id);
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
    const entry = this.#known.get(accountId)?.get(id);
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
      const entry = queue[head++]!;
      // Only if it is still this entry: a released id may have been taken again since.
      const ids = this.#known.get(entry.accountId);
      if (ids !== undefined && ids.get(entry.clientOrderId) === entry) {
        ids.delete(entry.clientOrderId);
        this.#count--;
      }
    }
    if (head > 1024 && head * 2 > queue.length) {
      queue.splice(0, head);
      head = 0;
    }
    this.#expiryHead = head;
  }

  /** The known entries in acceptance order, when ids expire at all. */
  #rebuildExpiryQueue(): void {
    this.#expiryQueue = this.#settings.retentionMs > 0 ? this.#inOrder() : [];
    this.#expiryHead = 0;
  }

  /** Every known entry in acceptance order (snapshots, settings changes: not the hot path). */
  #inOrder(): Known[] {
    const all: Known[] = [];
    for (const ids of this.#known.values()) for (const e of ids.values()) all.push(e);
    return all.sort((a, b) => a.seq - b.seq);
  }

  /**
   * Adds (or replaces) the account's entry for the id. A replaced entry keeps its place in
   * the acceptance order, as a Map's `set` on an existing key did.
   */
  #insert(accountId: AccountId, clientOrderId: string, since: number, decision: unknown): Known {
    let ids = this.#known.get(accountId);
    if (ids === undefined) this.#known.set(accountId, (ids = new Map()));
    const previous = ids.get(clientOrderId);
    if (previous === undefined) this.#count++;
    const entry: Known = { accountId, clientOrderId, since, decision, seq: previous === undefined ? this.#nextSeq++ : previous.seq };
    ids.set(clientOrderId, entry);
    return entry;
  }

  #remove(accountId: AccountId, clientOrderId: string): void {
    if (this.#known.get(accountId)?.delete(clientOrderId) === true) this.#count--;
  }

  /** @internal A rolled-back order's release: removes the entry only if it is still the one that order made (a later order may reuse the id). */
  releaseIfSame(accountId: AccountId, clientOrderId: string, since: number): void {
    if (this.#known.get(accountId)?.get(clientOrderId)?.since === since) this.#remove(accountId, clientOrderId);
  }
}
