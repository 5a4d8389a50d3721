/** The engine: runs orders, reports and adjustments through the policy list, behind the account-block gate. */
import type { AccountId } from "../param/ids.js";
import type { Order } from "../model/order.js";
import type { PreTradeLock } from "../model/pre-trade-lock.js";
import type { Price } from "../param/values.js";
import type { ExecutionReport } from "../model/execution-report.js";
import type { AccountAdjustment } from "../model/account-adjustment.js";
import type { PostTradeResult } from "../model/outcomes.js";
import { blockToReject, type AccountBlock, type Reject } from "../model/reject.js";
import { AccountBlocks, GLOBAL_BLOCK } from "./account-blocks.js";
import { AccountRegistry } from "./account-registry.js";
import { AccountsAdmin } from "./accounts-admin.js";
import type { Clock } from "./clock.js";
import { Configurator } from "./pretrade/configurator.js";
import { CallContext, type BlockedLookup, type BlockSink } from "./pretrade/contexts.js";
import { DropCopyRefusedError, PolicyCallbackError } from "./errors.js";
import { captureEngine, checkSnapshot, restoreAccounts, unsnapshottable, type EngineSnapshot } from "./engine-snapshot.js";
import { cachedGroupOf, checkRequestData, restoreReservation } from "./handle-restore.js";
import { rethrowLater, type EngineEvent, type EngineEventListener, type ListenerErrorHandler } from "./events.js";
import { Mutations } from "./pretrade/mutations.js";
import type { PreTradePolicy } from "./pretrade/policy.js";
import { ENGINE_GONE, PreTradeRequest, type MainStageRunner, type RequestData } from "./pre-trade-request.js";
import { firstAccountScope, latchedBlock, NO_REJECTS, stamp } from "./stage-outcomes.js";
import { PreTradeReservation, rollbackEvery, rollbackQuietly, type ReservationData } from "./reservation.js";
import type { AccountAdjustmentBatchResult, DropCopyResult, DryRunReport, ExecuteResult, StartResult } from "./results.js";
import { finalizerFailureBlock, type FinalizerFailureSink } from "./finalizer-kill-switch.js";
import type { AccountRetirementPolicyRefusal, AccountRetirementResult } from "./account-retirement.js";
import type { SyncMode } from "./sync-mode.js";
import { EngineBuilder } from "./engine-builder.js";
import { AccountBook, BOOK_OWNER, bookMutation, bookPendingOverflow, footprintOf, type AccountBookView } from "./account-book/index.js";
import { ParamError } from "../param/param-error.js";
import { hookListsOf, runMain, runStart, type HookLists } from "./hook-runs.js";
import { applyDropCopy } from "./drop-copy.js";
import { dryRun } from "./dry-run.js";
import { applyAccountAdjustment, applyExecutionReport } from "./post-trade.js";
import { retireAccount } from "./retire-account.js";
import type { EngineInternals } from "./engine-internals.js";
import { ENGINE_NAME } from "./engine-name.js";
import { ExecutionIds, type ExecutionIdBounds } from "./execution-ids.js";

/** Order scope: the reject is about this order; there is no account to block. */
const MISSING_ACCOUNT: Reject = {
  policy: ENGINE_NAME,
  code: "MissingRequiredField",
  reason: "account could not be verified as account ID is missing",
  details: "unable to check account for blocking",
  scope: "order",
};

/** Why the gate or the start stage refused an order. */
type Refusal = { readonly ok: false; readonly rejects: readonly Reject[] };

/**
 * Told apart from a `CallContext` by a field, not by `instanceof CallContext`: optimised code
 * called V8's InstanceOf builtin there for every order (docs/performance.md, "Session 22").
 */
function isRefusal(started: CallContext | Refusal): started is Refusal {
  return (started as { readonly ok?: boolean }).ok === false;
}

export interface EngineOptions {
  readonly policies: readonly PreTradePolicy[];
  readonly syncMode: SyncMode;
  readonly clock: Clock;
  /** Told of a throwing event listener; by default the error is rethrown in a microtask (see `Engine.emit`). */
  readonly onListenerError?: ListenerErrorHandler;
  /** How long and how many execution ids are remembered; default DEFAULT_EXECUTION_ID_BOUNDS. */
  readonly executionIdBounds?: ExecutionIdBounds;
}

/**
 * The pre-trade engine: an ordered policy list run through OpenPit's two-stage pipeline,
 * plus account blocks, groups and currencies. Synchronous and single-threaded; every
 * method runs to completion before the next starts, so each call is atomic for the state.
 */
export class Engine implements MainStageRunner, EngineInternals {
  readonly policies: readonly PreTradePolicy[];
  readonly syncMode: SyncMode;
  readonly clock: Clock;
  /** @internal See EngineInternals. */
  readonly hooks: HookLists;
  /** @internal See EngineInternals. */
  readonly registry = new AccountRegistry();
  /** @internal See EngineInternals. */
  readonly blocks = new AccountBlocks();
  /** @internal See EngineInternals. */
  readonly accountBook = new AccountBook();
  /** @internal See EngineInternals. */
  readonly executionIds = new ExecutionIds();
  private readonly admin: AccountsAdmin;
  private readonly configurator: Configurator;
  /**
   * Replaced, never changed in place, on subscribe and unsubscribe: `emit` walks the list it
   * read, so a listener that unsubscribes itself (or adds one) mid-announcement neither
   * makes the next one miss the event (found by review: a splice shifted it past the loop)
   * nor has a new one hear an event announced before it subscribed.
   */
  private listeners: readonly EngineEventListener[] = [];
  private readonly listenerFailed: ListenerErrorHandler;
  private closed = false;
  /** @internal See EngineInternals. */
  readonly recordBlock: BlockSink = (accountId, block, policy) => this.record(accountId, stamp(policy, block));
  /** @internal See EngineInternals. */
  readonly isBlocked: BlockedLookup = (accountId, group) => this.blocks.find(accountId, group) !== undefined;
  /** The kill switch for failing commit/rollback callbacks (§E). */
  private readonly finalizerFailed: FinalizerFailureSink = (accountId, policy, step, error) => this.armKillSwitch(accountId, policy, step, error);

  static builder(): EngineBuilder {
    return new EngineBuilder();
  }

  /** Use `Engine.builder()`; it validates the policy list. */
  constructor(options: EngineOptions) {
    this.policies = options.policies;
    this.syncMode = options.syncMode;
    this.clock = options.clock;
    this.listenerFailed = options.onListenerError ?? rethrowLater;
    if (options.executionIdBounds !== undefined) this.executionIds.setBounds(options.executionIdBounds);
    this.hooks = hookListsOf(this.policies);
    const emit = (e: EngineEvent) => this.emit(e);
    this.admin = new AccountsAdmin(this.registry, this.blocks, emit, (before, accounts) => {
      for (const p of this.policies) {
        const out = p.reevaluateAccounts?.(before, accounts);
        for (const { accountId, block } of out?.accountBlocks ?? []) this.record(accountId, stamp(p.name, block));
      }
    });
    this.configurator = new Configurator(this.policies, (accountId, block) => this.record(accountId, block), emit, () => this.clock.nowMs());
    for (const p of this.policies) p.attachAccounts?.(this.registry);
    const peers = { policies: this.policies, book: this.accountBook, accounts: this.registry, emit };
    for (const p of this.policies) p.attachPeers?.(peers);
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Requests created before this point answer `SystemUnavailable` when executed. */
  close(): void {
    this.closed = true;
  }

  /** Accounts with an open order, a position or a pending quantity in the account book. */
  bookAccountIds(): IterableIterator<AccountId> {
    return this.accountBook.heldAccountIds();
  }

  /** Positions, open orders and pending quantities per account (see account-book.ts). */
  get book(): AccountBookView {
    return this.accountBook;
  }

  accounts(): AccountsAdmin {
    return this.admin;
  }

  configure(): Configurator {
    return this.configurator;
  }

  policy(name: string): PreTradePolicy | undefined {
    return this.policies.find((p) => p.name === name);
  }

  /**
   * Subscribes to block/unblock/configuration events; returns the unsubscribe function.
   * Listeners run synchronously, in subscription order, inside the call that made the
   * change; a listener's throw never reaches that call (see `emit`).
   */
  onEvent(listener: EngineEventListener): () => void {
    this.listeners = [...this.listeners, listener];
    return () => {
      const i = this.listeners.indexOf(listener);
      if (i >= 0) this.listeners = this.listeners.filter((_, k) => k !== i);
    };
  }

  // ---- pre-trade -------------------------------------------------------------------

  startPreTrade(order: Order): StartResult {
    const started = this.startStage(order);
    return isRefusal(started) ? started : { ok: true, request: new PreTradeRequest(order, started, this), rejects: NO_REJECTS };
  }

  executePreTrade(order: Order): ExecuteResult {
    const started = this.startStage(order);
    if (isRefusal(started)) return started;
    // What `startPreTrade(order).request.execute()` does, without the single-use request
    // and start result (two objects per order).
    return this.closed ? ENGINE_GONE : this.runMainStage(order, started);
  }

  /** The gate and the start stage: the call's context when they passed, else the refusal. */
  private startStage(order: Order): CallContext | Refusal {
    const accountId = order.operation?.accountId;
    const blocked = this.gate(accountId);
    if (blocked) return { ok: false, rejects: [blocked] };
    const ctx = this.context(accountId, false, false, this.recordBlock);
    const rejects = runStart(ctx, order, this.hooks.start);
    if (rejects) {
      this.latch(accountId, rejects);
      return { ok: false, rejects };
    }
    return ctx;
  }

  /** @internal The main stage of a deferred request (re-checks blocks first). */
  runMainStage(order: Order, ctx: CallContext): ExecuteResult {
    const blocked = this.gate(ctx.accountId);
    if (blocked) return { ok: false, rejects: [blocked] };
    // Room for one mutation per main hook and the book's: no array grows on the way.
    const mutations = new Mutations(this.hooks.main.length + 1);
    const main = runMain(ctx, order, mutations, this.hooks.main, false);
    if (main.rejects) {
      // Rolled back before the rejects latch, as OpenPit's execute_pre_trade_request: a failing
      // rollback's kill switch (§E) is then the account's first cause, and keeps it (found by
      // review: the policy's block came first and hid the failure).
      const failure = rollbackQuietly(mutations.handOver(), ctx);
      this.latch(ctx.accountId, main.rejects);
      if (failure !== undefined) throw new PolicyCallbackError(failure.policy, "rollback", failure.error);
      return { ok: false, rejects: main.rejects };
    }
    const lock = main.lock();
    const refused = this.enterBook(order, mutations, lock, main.sizingPrice);
    if (refused !== undefined) {
      rollbackEvery(mutations.handOver(), ctx);
      return { ok: false, rejects: [refused] };
    }
    const reservation = new PreTradeReservation(mutations.handOver(), ctx, lock, main.outcomes);
    return { ok: true, reservation, rejects: NO_REJECTS };
  }

  /**
   * For an order that already exists at the venue (OpenPit's `apply_drop_copy`, §C): every
   * policy runs, blocks ignored; see drop-copy.ts.
   */
  applyDropCopy(order: Order): DropCopyResult {
    return applyDropCopy(this, order);
  }

  /**
   * The drop-copy as it was before OpenPit's rework: the operation, or `DropCopyRefusedError`
   * carrying the fatal rejects. Prefer `applyDropCopy`.
   */
  executePreTradeDropCopy(order: Order): PreTradeReservation {
    const result = this.applyDropCopy(order);
    if (!result.ok) throw new DropCopyRefusedError(result.rejects);
    return result.operation;
  }

  startPreTradeDryRun(order: Order): DryRunReport {
    return dryRun(this, order, false);
  }

  executePreTradeDryRun(order: Order): DryRunReport {
    return dryRun(this, order, true);
  }

  // ---- post-trade and adjustments ----------------------------------------------------

  /**
   * Feeds an execution report to every policy. Not atomic: each policy changes its own
   * state; nothing is undone when another reports a block (see post-trade.ts).
   */
  applyExecutionReport(report: ExecutionReport): PostTradeResult {
    return applyExecutionReport(this, report);
  }

  /** How long and how many applied execution ids are remembered (execution-ids.ts). */
  executionIdBounds(): ExecutionIdBounds {
    return this.executionIds.current;
  }

  /** Execution ids remembered now, and those forgotten by the count before their time since this process started (for metrics). */
  executionIdStats(): { readonly remembered: number; readonly forgottenEarly: number } {
    return this.executionIds.stats();
  }

  /**
   * Changes them; a lower count forgets the oldest ids now. State like any other: a durable
   * caller journals the change where it took effect (the sidecar's settings record).
   * Throws `EngineBuildError` (`InvalidExecutionIdBounds`).
   */
  setExecutionIdBounds(bounds: ExecutionIdBounds): void {
    this.executionIds.setBounds(bounds, this.clock.nowMs());
  }

  /** Applies a batch of non-trade adjustments all-or-nothing (see post-trade.ts). */
  applyAccountAdjustment(accountId: AccountId, adjustments: readonly AccountAdjustment[]): AccountAdjustmentBatchResult {
    return applyAccountAdjustment(this, accountId, adjustments);
  }

  // ---- account retirement ---------------------------------------------------------

  /**
   * Forgets an account's zero, unused runtime state (OpenPit's `retire_account`, §B); see
   * retire-account.ts. Caller contract: finalise every request and reservation of the account first.
   * `outside`: refusals of the caller's own (state the engine cannot see), listed after the policies'.
   */
  retireAccount(accountId: AccountId, outside: readonly AccountRetirementPolicyRefusal[] = []): AccountRetirementResult {
    return retireAccount(this, accountId, outside);
  }

  // ---- durability --------------------------------------------------------------------

  /**
   * Policies that keep state but cannot hand it over: neither `stateless` nor implementing
   * both `snapshotState` and `restoreState`. Durable mode refuses to start naming them.
   */
  statefulPoliciesWithoutSnapshot(): string[] {
    return unsnapshottable(this.policies);
  }

  /**
   * The engine's state as plain data: blocks (account, group, global latch), groups,
   * currencies and every policy's `snapshotState()` keyed by name. Open handles are not
   * included; snapshot them with `toData()`. Throws `SnapshotError` (`NotSnapshottable`)
   * if a stateful policy cannot be snapshotted.
   */
  snapshotState(): EngineSnapshot {
    return captureEngine(this.policies, this.blocks, this.registry, this.accountBook, this.executionIds);
  }

  /**
   * Replaces this engine's state with a snapshot's. Meant for a fresh engine built with the
   * same policies (names, order, construction); a different policy list is refused with
   * `SnapshotError` (`PolicyMismatch`, naming the first difference) before anything
   * changes. A policy refusing its own data part-way leaves a mix: build a new engine then.
   * No events are emitted (nothing happened, the state is taken over), and `close()` is
   * not part of the state: a restored engine is open.
   */
  restoreState(snapshot: EngineSnapshot): void {
    checkSnapshot(snapshot, this.policies);
    restoreAccounts(snapshot, this.blocks, this.registry);
    this.accountBook.restore(snapshot.accountBook);
    this.executionIds.restore(snapshot.executionIds);
    for (const p of this.policies) {
      const data = snapshot.policies.get(p.name);
      // Nothing kept: written by a version in which the policy held no state (the collar,
      // max open orders and gross exposure before they kept their settings). It keeps what it
      // was built with, as that version did on its restarts; restoring undefined threw, and
      // an upgraded directory could not start at all (found by review).
      if (data !== undefined) p.restoreState?.(data);
    }
  }

  /**
   * An open reservation from `reservation.toData()`: its commit and rollback behave
   * exactly like the original's (each mutation rebuilt by its policy's `restoreMutation`).
   */
  restoreReservation(data: ReservationData): PreTradeReservation {
    return restoreReservation(data, this.policies, this.recordBlock, this.accountBook, this.finalizerFailed);
  }

  /** An unexecuted request from `request.toData()`; it executes as the original would have. */
  restoreRequest(data: RequestData): PreTradeRequest {
    checkRequestData(data);
    const accountId = data.order.operation?.accountId;
    const ctx = new CallContext(this.registry, accountId, data.nowMs, data.isDropCopy, data.isDryRun, this.recordBlock, this.accountBook, this.finalizerFailed);
    ctx.cachedGroup = cachedGroupOf(data);
    return new PreTradeRequest(data.order, ctx, this);
  }

  // ---- internals ---------------------------------------------------------------------

  /** @internal See EngineInternals. */
  context(accountId: AccountId | undefined, dropCopy: boolean, dryRun: boolean, sink: BlockSink): CallContext {
    return new CallContext(this.registry, accountId, this.clock.nowMs(), dropCopy, dryRun, sink, this.accountBook, this.finalizerFailed);
  }

  /**
   * The accepted order enters the account book now; the book's own mutation, last in the
   * reservation, takes it out again if the reservation rolls back. Returns the reject when
   * the book cannot take the order (its side's pending total would pass the decimal range):
   * the book is unchanged, and the caller rolls the policies' mutations back.
   */
  /** @internal See EngineInternals. */
  enterBook(order: Order, mutations: Mutations, lock: PreTradeLock, sizingPrice: Price | undefined): Reject | undefined {
    const footprint = footprintOf(order, lock, sizingPrice);
    if (footprint === undefined) return undefined;
    let mutation;
    try {
      mutation = bookMutation(this.accountBook, footprint);
    } catch (e) {
      if (!(e instanceof ParamError)) throw e;
      return bookPendingOverflow(footprint);
    }
    mutations.owner = BOOK_OWNER;
    mutations.push(mutation);
    return undefined;
  }

  /**
   * A commit or rollback callback failed (§E): a built-in's (or the engine's) blocks its
   * account, a custom policy's blocks every account. No account known: global.
   */
  private armKillSwitch(accountId: AccountId | undefined, policy: string, step: "commit" | "rollback", error: unknown): void {
    const block = finalizerFailureBlock(policy, step, error);
    const owner = this.policy(policy);
    const builtIn = policy === ENGINE_NAME || policy === BOOK_OWNER || owner?.builtIn === true;
    if (builtIn && accountId !== undefined) {
      this.record(accountId, block);
      return;
    }
    if (this.blocks.global !== undefined) return;
    this.blocks.blockGlobal(block);
    this.emit({ kind: "globalBlocked", block });
  }

  /** @internal The blocked-accounts gate, run before any policy in both stages. */
  gate(accountId: AccountId | undefined): Reject | undefined {
    if (this.blocks.isEmpty()) return undefined;
    if (accountId === undefined) return MISSING_ACCOUNT;
    const block = this.blocks.find(accountId, this.registry.groupOf(accountId));
    return block && blockToReject(block);
  }

  private latch(accountId: AccountId | undefined, rejects: readonly Reject[]): void {
    const r = firstAccountScope(rejects);
    if (!r) return;
    if (accountId !== undefined) return this.record(accountId, latchedBlock(r));
    // No account to tie the block to: OpenPit's `record(&order, block)` then blocks
    // everyone, exactly as for a post-trade block on a report without an account.
    if (this.blocks.global !== undefined) return;
    this.blocks.blockGlobal(GLOBAL_BLOCK);
    this.emit({ kind: "globalBlocked", block: GLOBAL_BLOCK });
  }

  /** @internal See EngineInternals. */
  record(accountId: AccountId, block: AccountBlock): void {
    if (this.blocks.blockAccount(accountId, block)) this.emit({ kind: "accountBlocked", accountId, block });
  }

  /**
   * @internal See EngineInternals. Each listener is isolated: its throw goes to the
   * `onListenerError` handler and the other listeners and the pipeline go on. Found by
   * review, session 34: blocks are recorded (and announced) mid-call, before a rejected
   * order's mutations roll back, so a throwing listener left the order's SpotFunds hold in
   * place and turned the business reject into an exception; in `configure()` it turned a
   * published change into a `Validation` error ("old settings kept").
   */
  emit(event: EngineEvent): void {
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch (e) {
        this.reportListenerError(e, event);
      }
    }
  }

  private reportListenerError(error: unknown, event: EngineEvent): void {
    try {
      this.listenerFailed(error, event);
    } catch (e) {
      // A handler that throws must not undo the isolation either.
      rethrowLater(e, event);
    }
  }
}

