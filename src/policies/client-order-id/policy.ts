/** Duplicate client order ids: one live order per (account, id), and safe retries answered with the first decision. */
import type { AccountId, PolicyGroupId } from "../../param/ids.js";
import type { Order } from "../../model/order.js";
import type { ExecutionReport } from "../../model/execution-report.js";
import type { PolicyReject } from "../../model/reject.js";
import type { ConfigurablePolicy } from "../../engine/pretrade/configurator.js";
import type { AccountRetirementRefusal, RetirementContext } from "../../engine/account-retirement.js";
import type { Mutation, Mutations } from "../../engine/pretrade/mutations.js";
import type { PolicyPreTradeResult, PostTradeContext, PreTradeContext } from "../../engine/pretrade/policy.js";
import { SnapshotError } from "../../engine/errors.js";
import { snapshotArray, snapshotFields } from "../snapshot-data.js";
import { KnownIds, type KnownIdEntry } from "./known-ids.js";
import { duplicate, retryCommandDiffers, retryDiffers } from "./rejects.js";
import { firstDifference, orderFingerprint } from "./order-fingerprint.js";
import { codeOfSnapshot, commandCode, commandDifference, type RetryCommand } from "./retry-command.js";
import { validateClientOrderIdSettings, type ClientOrderIdSettings } from "./settings.js";

/**
 * A known id as snapshot data: its account, the id, when its order was accepted, and the answer
 * it got with the fingerprint of the order that got it and the command that sent it (kept for
 * retries; no fingerprint in snapshots made before session 34's fix, no command in those made
 * before the command was checked: see `firstAnswer`).
 */
type EntryData = KnownIdEntry;

/**
 * The main-stage mutation: a class, not closures, since one is made per accepted order with
 * an id. It names its entry by the acceptance's number, not by its time: once a final report
 * has released the id, a later order may take it again in the same millisecond, and this
 * order's rollback must not release that one (found by review). A record restored from a
 * snapshot made before there were numbers carries none (-1) and matches on the time.
 */
class ReleaseOnRollback implements Mutation {
  constructor(
    private readonly policy: ClientOrderIdPolicy,
    private readonly accountId: AccountId,
    private readonly clientOrderId: string,
    private readonly since: number,
    private readonly order: number,
  ) {}

  /** Made when asked (a snapshot of an open reservation), not one more object per order. */
  get record(): { readonly accountId: AccountId; readonly clientOrderId: string; readonly since: number; readonly order: number } {
    return { accountId: this.accountId, clientOrderId: this.clientOrderId, since: this.since, order: this.order };
  }

  commit(): void {}

  rollback(): void {
    this.policy.releaseIfSame(this.accountId, this.clientOrderId, this.since, this.order);
  }
}

/** What a retry gets (`firstAnswer`): the first order's decision, or a reject (it is not that order). */
export type RetryAnswer = { readonly decision: unknown; readonly rejects?: undefined } | { readonly decision?: undefined; readonly rejects: readonly PolicyReject[] };

/**
 * An order may carry a client order id. From the moment the main stage accepts it (live or
 * drop copy) until its final execution report (one carrying the id), its rollback (explicit,
 * disconnect, TTL, fencing, another policy's reject) or `retentionMs`, the id is known for
 * the account: another order with it is rejected DUPLICATE_CLIENT_ORDER_ID (start and main
 * stage, so two open requests cannot both pass). A retry (`order.retry`) of a known id is
 * answered by the door with the first order's decision, without running the engine: no
 * second reservation — if it is the same order (same fingerprint, order-fingerprint.ts) sent
 * by the same command (retry-command.ts); another order or command under the id is rejected
 * DUPLICATE_CLIENT_ORDER_ID, also without running the engine. A rejected order leaves no id behind, so its retry is checked anew
 * (nothing was reserved the first time). Dry runs read only. State: the known ids with their
 * decisions, snapshotted; open reservations rebuild their release from the mutation record.
 */
export class ClientOrderIdPolicy implements ConfigurablePolicy<ClientOrderIdSettings> {
  static readonly NAME = "ClientOrderIdPolicy";
  readonly name = ClientOrderIdPolicy.NAME;
  /** A built-in: a failing commit/rollback of its blocks only the account (OpenPit §E). */
  readonly builtIn = true;
  readonly policyGroupId: PolicyGroupId | undefined;
  #settings: ClientOrderIdSettings;
  /** The known ids, in acceptance order across accounts (columns, no object per id: see KnownIds). */
  #known = new KnownIds();
  /** Orders accepted with an id so far: the next one's number (ReleaseOnRollback). State: snapshotted. */
  #accepted = 0;

  constructor(settings: ClientOrderIdSettings, options?: { policyGroupId?: PolicyGroupId }) {
    const owned = { ...settings };
    validateClientOrderIdSettings(owned);
    this.#settings = owned;
    this.policyGroupId = options?.policyGroupId;
  }

  settingsDraft(): ClientOrderIdSettings {
    return { ...this.#settings };
  }

  /**
   * Ids past the old retention at `nowMs` are forgotten first. Expiry is lazy (judged by the
   * retention in force when an id is next looked at), so a raised retention, or 0, used to
   * bring back ids the old one had already let go unless some order had pruned them first: a
   * retry then got the old order's answer and the engine did not run — nothing reserved for
   * an order the gateway sent on (found by review). Known ids stay, under the new retention.
   */
  publishSettings(next: ClientOrderIdSettings, nowMs: number): void {
    const owned = { ...next };
    validateClientOrderIdSettings(owned);
    this.#known.expire(nowMs, this.#settings.retentionMs);
    this.#settings = owned;
  }

  snapshotState(): { settings: ClientOrderIdSettings; known: EntryData[]; accepted: number } {
    return { settings: { ...this.#settings }, known: this.#known.inOrder(), accepted: this.#accepted };
  }

  restoreState(data: unknown): void {
    const { settings, known } = snapshotFields(data, this.name, "snapshot", ["settings", "known"]);
    // The snapshot's settings, then its ids as they were (nothing to prune: they replace ours).
    const owned = { ...(settings as ClientOrderIdSettings) };
    validateClientOrderIdSettings(owned);
    this.#settings = owned;
    this.#known = new KnownIds();
    const entries = snapshotArray<Partial<EntryData> & Omit<EntryData, "order">>(known, this.name, "known");
    for (const e of entries) {
      // A snapshot made before fingerprints has none: kept as unknown (see `firstAnswer`).
      const fingerprint = (e as { fingerprint?: unknown }).fingerprint;
      if (fingerprint !== undefined && typeof fingerprint !== "string") throw new SnapshotError("Malformed", `${this.name}: known id's fingerprint must be a string`, this.name);
      // Nor a command before retries were checked against it: 0, unknown, answered as before.
      const command = codeOfSnapshot((e as { command?: unknown }).command, (e as { commitOnAccept?: unknown }).commitOnAccept);
      if (typeof command === "string") throw new SnapshotError("Malformed", `${this.name}: ${command}`, this.name);
      this.#known.insert(e.accountId, e.clientOrderId, e.since, e.decision, e.order ?? -1, fingerprint, command);
    }
    // A snapshot made before the count: numbers start afresh (its entries carry none).
    const accepted = (data as { accepted?: unknown }).accepted;
    this.#accepted = typeof accepted === "number" ? accepted : 0;
  }

  restoreMutation(record: unknown): Mutation {
    const { accountId, clientOrderId, since } = snapshotFields(record, this.name, "mutation record", ["accountId", "clientOrderId", "since"]);
    const order = (record as { order?: unknown }).order;
    return new ReleaseOnRollback(this, accountId as AccountId, clientOrderId as string, since as number, typeof order === "number" ? order : -1);
  }

  /**
   * Account retirement: NonZeroState while an id of the account is still known (not past
   * `retentionMs` at the command's time): a re-created account must not be able to reuse
   * an id its old orders may still carry at the venue, and a retry must not lose its first
   * answer. Ids past retention (not yet pruned) are removed on commit. With retentionMs 0
   * only a final report carrying the id (or a rollback) releases it.
   */
  retireAccount(accountId: AccountId, mutations: Mutations, ctx: RetirementContext): AccountRetirementRefusal | undefined {
    for (const since of this.#known.sinceOfAccount(accountId)) if (!this.#expired(since, ctx.nowMs)) return "NonZeroState";
    // Dropped even with no id left (all released, or past retention and pruned): the account's
    // own table stays otherwise, and a retired account held it for as long as the process ran
    // (found by review). Dropping an account the store does not know does nothing.
    mutations.push(() => this.#known.dropAccount(accountId), undefined);
    return undefined;
  }

  /** How many ids are known (all accounts). */
  get size(): number {
    return this.#known.size;
  }

  /** How many accounts the policy keeps an id table for (retirement drops the account's). */
  get accountsHeld(): number {
    return this.#known.accountCount;
  }

  /**
   * What a retry (`order`, marked `retry`, of `accountId` with `clientOrderId`, sent as
   * `command` with `commitOnAccept`) gets: undefined when the id is not known or keeps no
   * decision (then the retry runs as a new order); the first order's decision when the retry
   * is that command (the same command, the same commit on accept) with that order; else a
   * DUPLICATE_CLIENT_ORDER_ID reject naming what differs — the command or its commit on accept
   * first, then the first differing field of the order. Found by review, session 34: the
   * decision was given on (account, id) alone, so any order sent as a retry of a known id
   * passed every check unchecked; and then, on the order alone: a start retry of an execute's
   * id got an ExecuteResult, an execute retry asking a commit got the first's open
   * reservation. Pure given the state and `nowMs` (expiry aside), so a replay decides the same.
   *
   * An entry without a fingerprint, or without a command (restored from a snapshot made before
   * that check), is unknown in that respect: its retry is answered with the decision as
   * before, since refusing it could refuse the very command it answers (and its answer was
   * already given once unchecked).
   */
  firstAnswer(accountId: AccountId, clientOrderId: string, order: Order, nowMs: number, command: RetryCommand, commitOnAccept: boolean): RetryAnswer | undefined {
    this.#known.expire(nowMs, this.#settings.retentionMs);
    const cell = this.#known.find(accountId, clientOrderId);
    if (cell < 0) return undefined;
    const decision = this.#known.decisionAt(cell);
    if (decision === undefined) return undefined;
    const other = commandDifference(this.#known.commandAt(cell), command, commitOnAccept);
    if (other !== undefined) return { rejects: retryCommandDiffers(clientOrderId, other) };
    const difference = firstDifference(this.#known.fingerprintAt(cell), orderFingerprint(order));
    return difference === undefined ? { decision } : { rejects: retryDiffers(clientOrderId, difference) };
  }

  /**
   * The door keeps the answer the accepted order got, with the order's fingerprint and the
   * command that sent it (`command`, `commitOnAccept`: a start's is false), for its retries.
   * Only the first: a drop copy taken with the id of a known order (the venue's copy of it)
   * leaves the id as it was, and must not replace that order's answer (nor its fingerprint or
   * command: a retry of the live order is compared with the live order).
   */
  rememberDecision(accountId: AccountId, clientOrderId: string, order: Order, decision: unknown, command: RetryCommand, commitOnAccept: boolean): void {
    const cell = this.#known.find(accountId, clientOrderId);
    if (cell >= 0 && this.#known.decisionAt(cell) === undefined) this.#known.setDecision(cell, decision, orderFingerprint(order), commandCode(command, commitOnAccept));
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
    const since = ctx.nowMs;
    const known = this.#known;
    known.expire(since, this.#settings.retentionMs);
    // One lookup for the duplicate check and the insert (`insert` would look the id up again).
    const cell = known.find(accountId, id);
    if (cell >= 0 && !this.#expired(known.sinceAt(cell), since)) return ctx.isDropCopy ? undefined : { rejects: duplicate(id) };
    const acceptance = this.#accepted++;
    if (cell >= 0) known.replaceAt(cell, since, undefined, acceptance);
    else known.append(accountId, id, since, undefined, acceptance);
    // Released if the order does not go ahead (its reservation rolls back); a commit keeps it.
    mutations.push(new ReleaseOnRollback(this, accountId, id, since, acceptance));
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
    this.#known.expire(now, this.#settings.retentionMs);
    return this.#isKnownAt(order, id, now);
  }

  /** Read-only (dry runs): an entry past its retention counts as gone without being removed. */
  #isKnownAt(order: Order, id: string, now: number): boolean {
    const accountId = order.operation?.accountId;
    if (accountId === undefined) return false;
    const cell = this.#known.find(accountId, id);
    return cell >= 0 && !this.#expired(this.#known.sinceAt(cell), now);
  }

  #expired(since: number, now: number): boolean {
    const retention = this.#settings.retentionMs;
    return retention > 0 && now - since >= retention;
  }

  #remove(accountId: AccountId, clientOrderId: string): void {
    const cell = this.#known.find(accountId, clientOrderId);
    if (cell >= 0) this.#known.removeAt(cell);
  }

  /** @internal A rolled-back order's release: removes the entry only if it is still the one that order made (a later order may reuse the id). */
  releaseIfSame(accountId: AccountId, clientOrderId: string, since: number, order: number): void {
    const cell = this.#known.find(accountId, clientOrderId);
    if (cell < 0) return;
    const same = order >= 0 ? this.#known.orderAt(cell) === order : this.#known.sinceAt(cell) === since;
    if (same) this.#known.removeAt(cell);
  }
}
