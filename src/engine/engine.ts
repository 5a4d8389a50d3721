/** The engine: runs orders, reports and adjustments through the policy list, behind the account-block gate. */
import type { AccountId } from "../param/ids.js";
import type { Order } from "../model/order.js";
import { PreTradeLock } from "../model/pre-trade-lock.js";
import type { Price } from "../param/values.js";
import type { ExecutionReport } from "../model/execution-report.js";
import type { AccountAdjustment } from "../model/account-adjustment.js";
import type { AccountAdjustmentOutcome, AccountPnlOutcome, PostTradeResult } from "../model/outcomes.js";
import { blockToReject, isEvaluationFailure, rejectFromPolicy, type AccountBlock, type Reject } from "../model/reject.js";
import { AccountBlocks, GLOBAL_BLOCK } from "./account-blocks.js";
import { AccountRegistry } from "./account-registry.js";
import { AccountsAdmin } from "./accounts-admin.js";
import type { Clock } from "./clock.js";
import { Configurator } from "./pretrade/configurator.js";
import { CallContext, type BlockSink } from "./pretrade/contexts.js";
import { PolicyCallbackError } from "./errors.js";
import { captureEngine, checkSnapshot, restoreAccounts, unsnapshottable, type EngineSnapshot } from "./engine-snapshot.js";
import { cachedGroupOf, checkRequestData, restoreReservation } from "./handle-restore.js";
import type { EngineEvent, EngineEventListener } from "./events.js";
import { commitOwned, Mutations } from "./pretrade/mutations.js";
import type { PolicyPreTradeResult, PreTradePolicy } from "./pretrade/policy.js";
import { StageHooks, type MainHook, type StartHook } from "./pretrade/stage-hooks.js";
import { ENGINE_GONE, PreTradeRequest, type MainStageRunner, type RequestData } from "./pre-trade-request.js";
import { MainOutcome, dryReport, firstAccountScope, groupOf, latchedBlock, stamp } from "./stage-outcomes.js";
import { PreTradeReservation, rollbackEvery, rollbackQuietly, type ReservationData } from "./reservation.js";
import type { AccountAdjustmentBatchResult, DropCopyResult, DryRunReport, ExecuteResult, StartResult } from "./results.js";
import { finalizerFailureBlock, finalizerFailureDetails, MUTATION_CALLBACK_FAILED, type FinalizerFailureSink } from "./finalizer-kill-switch.js";
import { DropCopyRefusedError } from "./errors.js";
import { FINALIZER_FAILED, refused, RETIRED, type AccountRetirementPolicyRefusal, type AccountRetirementResult } from "./account-retirement.js";
import type { SyncMode } from "./sync-mode.js";
import { EngineBuilder } from "./engine-builder.js";
import { AccountBook, BOOK_OWNER, bookMutation, footprintOf, type AccountBookView } from "./account-book/index.js";

const NO_REJECTS: readonly [] = [];

/** Before any policy runs: the account routes the drop-copy pipeline and its account control. */
const DROP_COPY_MISSING_ACCOUNT: Reject = {
  policy: "Engine",
  code: "MissingRequiredField",
  reason: "drop-copy requires a readable account ID",
  details: "the account ID routes the drop-copy pipeline and its account control",
  scope: "order",
};

/** Order scope: the reject is about this order; there is no account to block. */
const MISSING_ACCOUNT: Reject = {
  policy: "Engine",
  code: "MissingRequiredField",
  reason: "account could not be verified as account ID is missing",
  details: "unable to check account for blocking",
  scope: "order",
};


/** The policies that implement each hook, resolved once at build time. */
interface HookLists {
  readonly start: StageHooks<StartHook>;
  readonly startDry: StageHooks<StartHook>;
  readonly main: StageHooks<MainHook>;
  readonly mainDry: StageHooks<MainHook>;
  readonly postTrade: readonly PreTradePolicy[];
  readonly adjustment: readonly PreTradePolicy[];
}

export interface EngineOptions {
  readonly policies: readonly PreTradePolicy[];
  readonly syncMode: SyncMode;
  readonly clock: Clock;
}

/**
 * The pre-trade engine: an ordered policy list run through OpenPit's two-stage pipeline,
 * plus account blocks, groups and currencies. Synchronous and single-threaded; every
 * method runs to completion before the next starts, so each call is atomic for the state.
 */
export class Engine implements MainStageRunner {
  readonly policies: readonly PreTradePolicy[];
  readonly syncMode: SyncMode;
  readonly clock: Clock;
  private readonly hooks: HookLists;
  private readonly registry = new AccountRegistry();
  private readonly blocks = new AccountBlocks();
  private readonly accountBook = new AccountBook();
  private readonly admin: AccountsAdmin;
  private readonly configurator: Configurator;
  private readonly listeners: EngineEventListener[] = [];
  private closed = false;
  private readonly recordBlock: BlockSink = (accountId, block, policy) => this.record(accountId, stamp(policy, block));
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
    const having = (pick: (p: PreTradePolicy) => unknown) => this.policies.filter((p) => pick(p) !== undefined);
    this.hooks = {
      start: new StageHooks<StartHook>(this.policies, (p) => p.checkPreTradeStart),
      startDry: new StageHooks<StartHook>(this.policies, (p) => p.checkPreTradeStartDryRun ?? p.checkPreTradeStart),
      main: new StageHooks<MainHook>(this.policies, (p) => p.performPreTradeCheck),
      mainDry: new StageHooks<MainHook>(this.policies, (p) => p.performPreTradeCheckDryRun ?? p.performPreTradeCheck),
      postTrade: having((p) => p.applyExecutionReport),
      adjustment: having((p) => p.applyAccountAdjustment),
    };
    const emit = (e: EngineEvent) => this.emit(e);
    this.admin = new AccountsAdmin(this.registry, this.blocks, emit, (before, accounts) => {
      for (const p of this.policies) {
        const out = p.reevaluateAccounts?.(before, accounts);
        for (const { accountId, block } of out?.accountBlocks ?? []) this.record(accountId, stamp(p.name, block));
      }
    });
    this.configurator = new Configurator(this.policies, (accountId, block) => this.record(accountId, block), emit);
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

  /** Subscribes to block/unblock/configuration events; returns the unsubscribe function. */
  onEvent(listener: EngineEventListener): () => void {
    this.listeners.push(listener);
    return () => {
      const i = this.listeners.indexOf(listener);
      if (i >= 0) this.listeners.splice(i, 1);
    };
  }

  // ---- pre-trade -------------------------------------------------------------------

  startPreTrade(order: Order): StartResult {
    const started = this.startStage(order);
    return started instanceof CallContext ? { ok: true, request: new PreTradeRequest(order, started, this), rejects: NO_REJECTS } : started;
  }

  executePreTrade(order: Order): ExecuteResult {
    const started = this.startStage(order);
    if (!(started instanceof CallContext)) return started;
    // What `startPreTrade(order).request.execute()` does, without the single-use request
    // and start result (two objects per order).
    return this.closed ? ENGINE_GONE : this.runMainStage(order, started);
  }

  /** The gate and the start stage: the call's context when they passed, else the refusal. */
  private startStage(order: Order): CallContext | { readonly ok: false; readonly rejects: readonly Reject[] } {
    const accountId = order.operation?.accountId;
    const blocked = this.gate(accountId);
    if (blocked) return { ok: false, rejects: [blocked] };
    const ctx = this.context(accountId, false, false, this.recordBlock);
    const rejects = this.runStart(ctx, order, false);
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
    const main = this.runMain(ctx, order, mutations, this.hooks.main, false);
    if (main.rejects) {
      this.latch(ctx.accountId, main.rejects);
      rollbackEvery(mutations.handOver(), ctx);
      return { ok: false, rejects: main.rejects };
    }
    const lock = main.lock();
    this.enterBook(order, mutations, lock, main.sizingPrice);
    const reservation = new PreTradeReservation(mutations.handOver(), ctx, lock, main.outcomes);
    return { ok: true, reservation, rejects: NO_REJECTS };
  }

  /**
   * For an order that already exists at the venue (OpenPit's `apply_drop_copy`, §C): blocks
   * are ignored, every policy runs, and rejects are discarded but their effects (and any
   * account-scope block) kept, unless a reject is an evaluation failure (`isEvaluationFailure`):
   * then the effects could not be computed, everything registered is rolled back, no block
   * is recorded, and the fatal rejects are returned. A failing compensation appends an
   * `Engine` `SystemUnavailable` reject and arms the kill switch. Rate-limit attempts stay
   * consumed either way (start-stage effects are immediate).
   */
  applyDropCopy(order: Order): DropCopyResult {
    const accountId = order.operation?.accountId;
    if (accountId === undefined) return { ok: false, rejects: [DROP_COPY_MISSING_ACCOUNT] };
    // Account-control operations are deferred: applied only if the drop-copy succeeds.
    const deferred: [AccountId, AccountBlock][] = [];
    let first: AccountBlock | undefined;
    const sink: BlockSink = (target, block, policy) => {
      const stamped = stamp(policy, block);
      if (target === accountId) first ??= { ...stamped, code: "AccountBlocked" };
      deferred.push([target, stamped]);
    };
    const recordFirst = (rejects: readonly Reject[] | undefined): void => {
      const r = rejects && firstAccountScope(rejects);
      if (r) {
        first ??= latchedBlock(r);
        deferred.push([accountId, latchedBlock(r)]);
      }
    };
    const ctx = this.context(accountId, true, false, sink);
    const startRejects = this.runStart(ctx, order, false);
    const startFatal = startRejects?.filter((r) => isEvaluationFailure(r.code));
    if (startFatal && startFatal.length > 0) return { ok: false, rejects: startFatal };
    // The start stage's block is recorded before the main stage runs: it happened first,
    // so it must win over any block a main policy raises through the context.
    recordFirst(startRejects);
    const mutations = new Mutations();
    // Each main policy's account-scope reject is recorded as soon as it returns, so blocks
    // keep the order in which policies raised them (first cause wins).
    const main = this.runMain(ctx, order, mutations, this.hooks.main, false, recordFirst);
    const fatal = main.rejects?.filter((r) => isEvaluationFailure(r.code));
    if (fatal && fatal.length > 0) {
      const failure = rollbackQuietly(mutations.handOver(), ctx);
      if (failure !== undefined) {
        fatal.push({
          policy: "Engine",
          code: "SystemUnavailable",
          reason: MUTATION_CALLBACK_FAILED,
          details: finalizerFailureDetails(failure.policy, "rollback", failure.error),
          scope: "order",
        });
      }
      return { ok: false, rejects: fatal };
    }
    for (const [target, block] of deferred) this.record(target, block);
    const isAccountBlocked = this.blocks.find(accountId, this.registry.groupOf(accountId)) !== undefined;
    const lock = main.lock();
    this.enterBook(order, mutations, lock, main.sizingPrice);
    const operation = new PreTradeReservation(mutations.handOver(), ctx, lock, main.outcomes, first, true);
    return { ok: true, operation, isAccountBlocked, rejects: NO_REJECTS };
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
    return this.dryRun(order, false);
  }

  executePreTradeDryRun(order: Order): DryRunReport {
    return this.dryRun(order, true);
  }

  private dryRun(order: Order, withMain: boolean): DryRunReport {
    const accountId = order.operation?.accountId;
    const blocked = this.gate(accountId);
    // Already blocked: the gate rejects before any policy runs and nothing would be
    // recorded, so there is no would-be block to report (OpenPit returns `None` here).
    if (blocked) return { isPass: false, rejects: [blocked], lock: PreTradeLock.EMPTY, accountAdjustments: [], accountBlock: undefined };
    let wouldBlock: AccountBlock | undefined;
    const sink: BlockSink = (_target, block, policy) => {
      wouldBlock ??= stamp(policy, block);
    };
    const ctx = this.context(accountId, false, true, sink);
    const startRejects = this.runStart(ctx, order, true);
    if (startRejects) return dryReport(startRejects, wouldBlock);
    if (!withMain) return dryReport(NO_REJECTS, wouldBlock);
    // Whatever a dry-run hook registers is dropped: neither committed nor rolled back.
    const main = this.runMain(ctx, order, new Mutations(), this.hooks.mainDry, true);
    if (main.rejects) return dryReport(main.rejects, wouldBlock);
    return { isPass: true, rejects: NO_REJECTS, lock: main.lock(), accountAdjustments: main.outcomes, accountBlock: wouldBlock };
  }

  // ---- post-trade and adjustments ----------------------------------------------------

  /**
   * Feeds an execution report to every policy. Not atomic: each policy changes its own
   * state; nothing is undone when another reports a block. The first block is recorded
   * for the report's account, or as the global block when the report has no account.
   */
  applyExecutionReport(report: ExecutionReport): PostTradeResult {
    const accountId = report.operation?.accountId;
    const ctx = this.context(accountId, false, false, this.recordBlock);
    const accountBlocks: AccountBlock[] = [];
    // Both created with their first entries: an array grown from `[]` reserves 17 slots,
    // and a fill usually moves two assets and one account line.
    let accountPnls: AccountPnlOutcome[] | undefined;
    let accountAdjustments: AccountAdjustmentOutcome[] | undefined;
    let failure: PolicyCallbackError | undefined;
    // The book first: post-trade hooks see the position with this report in it.
    try {
      this.accountBook.applyReport(report);
    } catch (e) {
      failure = new PolicyCallbackError(BOOK_OWNER, "applyExecutionReport", e);
    }
    for (const policy of this.hooks.postTrade) {
      ctx.currentPolicy = policy.name;
      let out;
      try {
        out = policy.applyExecutionReport!(ctx, report);
      } catch (e) {
        // Keep going: the other policies must still see the report or their state drifts.
        failure ??= new PolicyCallbackError(policy.name, "applyExecutionReport", e);
        continue;
      }
      if (!out) continue;
      const group = groupOf(policy);
      if (out.accountBlocks) for (const b of out.accountBlocks) accountBlocks.push(stamp(policy.name, b));
      if (out.accountPnls) {
        for (const p of out.accountPnls) {
          const pnl = { ...p, policyGroupId: group };
          if (accountPnls === undefined) accountPnls = [pnl];
          else accountPnls.push(pnl);
        }
      }
      if (out.accountAdjustments) {
        const entries = out.accountAdjustments;
        if (accountAdjustments === undefined) {
          // Sized and filled by index (a `map` made a closure per report).
          accountAdjustments = new Array<AccountAdjustmentOutcome>(entries.length);
          for (let i = 0; i < entries.length; i++) accountAdjustments[i] = { policyGroupId: group, entry: entries[i]! };
        } else for (const entry of entries) accountAdjustments.push({ policyGroupId: group, entry });
      }
    }
    const first = accountBlocks[0];
    if (first) {
      if (accountId === undefined) {
        this.blocks.blockGlobal(GLOBAL_BLOCK);
        this.emit({ kind: "globalBlocked", block: GLOBAL_BLOCK });
      } else {
        this.record(accountId, first);
      }
    }
    if (failure) throw failure;
    return { accountBlocks, accountPnls: accountPnls ?? [], accountAdjustments: accountAdjustments ?? [] };
  }

  /**
   * Applies a batch of non-trade adjustments all-or-nothing: the first reject stops the
   * batch and rolls back everything registered so far, in reverse.
   */
  applyAccountAdjustment(accountId: AccountId, adjustments: readonly AccountAdjustment[]): AccountAdjustmentBatchResult {
    if (adjustments.length === 0) return { ok: true, outcomes: [], accountBlocks: [] };
    const ctx = this.context(accountId, false, false, this.recordBlock);
    const mutations = new Mutations();
    const outcomes: AccountAdjustmentOutcome[] = [];
    const accountBlocks: AccountBlock[] = [];
    for (let index = 0; index < adjustments.length; index++) {
      const adjustment = adjustments[index]!;
      for (const policy of this.hooks.adjustment) {
        ctx.currentPolicy = policy.name;
        mutations.owner = policy.name;
        let out;
        try {
          out = policy.applyAccountAdjustment!(ctx, accountId, adjustment, mutations);
        } catch (e) {
          rollbackEvery(mutations.handOver(), ctx);
          throw new PolicyCallbackError(policy.name, "applyAccountAdjustment", e);
        }
        if (!out) continue;
        if (out.rejects && out.rejects.length > 0) {
          rollbackEvery(mutations.handOver(), ctx);
          return { ok: false, failedIndex: index, rejects: out.rejects.map((r) => rejectFromPolicy(policy.name, r)) };
        }
        const group = groupOf(policy);
        if (out.outcomes) for (const entry of out.outcomes) outcomes.push({ policyGroupId: group, entry });
        if (out.accountBlocks) for (const b of out.accountBlocks) accountBlocks.push(stamp(policy.name, b));
      }
    }
    // A failing commit has armed the kill switch already: its block is recorded before the
    // policy-reported ones, so it wins as the stored cause (§E); it is still reported.
    const failure = commitOwned(mutations.handOver(), ctx);
    for (const block of accountBlocks) this.record(accountId, block);
    if (failure !== undefined) throw new PolicyCallbackError(failure.policy, "commit", failure.error);
    return { ok: true, outcomes, accountBlocks };
  }

  // ---- account retirement ---------------------------------------------------------

  /**
   * Forgets an account's zero, unused runtime state (OpenPit's `retire_account`, §B). Every
   * policy with a `retireAccount` hook is asked in registration order, even after a refusal.
   * Any refusal: what the others queued is rolled back, nothing is removed. All accept: their
   * removals are committed, then the account's own currency, group membership and own block
   * (whatever caused it) are cleared; group and global blocks, group currencies, market data
   * and policy settings stay. An unknown or already-retired account is a no-op success.
   * Caller contract: finalise every request and reservation of the account first.
   */
  retireAccount(accountId: AccountId): AccountRetirementResult {
    const ctx = this.context(accountId, false, false, this.recordBlock);
    const mutations = new Mutations();
    const refusals: AccountRetirementPolicyRefusal[] = [];
    for (const policy of this.policies) {
      if (policy.retireAccount === undefined) continue;
      ctx.currentPolicy = policy.name;
      mutations.owner = policy.name;
      let refusal;
      try {
        refusal = policy.retireAccount(accountId, mutations, ctx);
      } catch {
        refusal = "EvaluationFailed" as const;
      }
      if (refusal) refusals.push({ policy: policy.name, refusal });
    }
    // The engine's own account book takes part like a policy that keeps state.
    if (!this.accountBook.isRetirable(accountId)) refusals.push({ policy: BOOK_OWNER, refusal: "NonZeroState" });
    if (refusals.length > 0) {
      // A failing rollback has armed the kill switch already; the refusal is still the answer.
      rollbackQuietly(mutations.handOver(), ctx);
      return refused(refusals);
    }
    if (commitOwned(mutations.handOver(), ctx) !== undefined) return FINALIZER_FAILED;
    this.accountBook.forget(accountId);
    this.registry.currencyByAccount.delete(accountId);
    this.registry.groupByAccount.delete(accountId);
    this.admin.unblock(accountId);
    return RETIRED;
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
    return captureEngine(this.policies, this.blocks, this.registry, this.accountBook);
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
    for (const p of this.policies) p.restoreState?.(snapshot.policies.get(p.name));
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

  private context(accountId: AccountId | undefined, dropCopy: boolean, dryRun: boolean, sink: BlockSink): CallContext {
    return new CallContext(this.registry, accountId, this.clock.nowMs(), dropCopy, dryRun, sink, this.accountBook, this.finalizerFailed);
  }

  /**
   * The accepted order enters the account book now; the book's own mutation, last in the
   * reservation, takes it out again if the reservation rolls back.
   */
  private enterBook(order: Order, mutations: Mutations, lock: PreTradeLock, sizingPrice: Price | undefined): void {
    const footprint = footprintOf(order, lock, sizingPrice);
    if (footprint === undefined) return;
    mutations.owner = BOOK_OWNER;
    mutations.push(bookMutation(this.accountBook, footprint));
  }

  /**
   * A commit or rollback callback failed (§E): a built-in's (or the engine's) blocks its
   * account, a custom policy's blocks every account. No account known: global.
   */
  private armKillSwitch(accountId: AccountId | undefined, policy: string, step: "commit" | "rollback", error: unknown): void {
    const block = finalizerFailureBlock(policy, step, error);
    const owner = this.policy(policy);
    const builtIn = policy === "Engine" || policy === BOOK_OWNER || owner?.builtIn === true;
    if (builtIn && accountId !== undefined) {
      this.record(accountId, block);
      return;
    }
    if (this.blocks.global !== undefined) return;
    this.blocks.blockGlobal(block);
    this.emit({ kind: "globalBlocked", block });
  }

  /** The blocked-accounts gate, run before any policy in both stages. */
  private gate(accountId: AccountId | undefined): Reject | undefined {
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

  private record(accountId: AccountId, block: AccountBlock): void {
    if (this.blocks.blockAccount(accountId, block)) this.emit({ kind: "accountBlocked", accountId, block });
  }

  private emit(event: EngineEvent): void {
    for (const listener of this.listeners) listener(event);
  }

  /** Every start hook runs, even after a reject; rejects keep policy order. */
  private runStart(ctx: CallContext, order: Order, dryRun: boolean): Reject[] | undefined {
    let rejects: Reject[] | undefined;
    const { policies, names, fns } = dryRun ? this.hooks.startDry : this.hooks.start;
    for (let i = 0; i < policies.length; i++) {
      const name = names[i]!;
      ctx.currentPolicy = name;
      let out;
      try {
        out = fns[i]!.call(policies[i]!, ctx, order);
      } catch (e) {
        throw new PolicyCallbackError(name, "checkPreTradeStart", e);
      }
      if (out && out.length > 0) {
        rejects ??= [];
        for (const r of out) rejects.push(rejectFromPolicy(name, r));
      }
    }
    return rejects;
  }

  /** Every main hook runs, even after a reject; a throw rolls back what was registered. */
  private runMain(
    ctx: CallContext,
    order: Order,
    mutations: Mutations,
    hooks: StageHooks<MainHook>,
    dryRun: boolean,
    onRejects?: (rejects: readonly Reject[]) => void,
  ): MainOutcome {
    const result = new MainOutcome();
    const { policies, names, fns } = hooks;
    for (let i = 0; i < policies.length; i++) {
      const policy = policies[i]!;
      const name = names[i]!;
      ctx.currentPolicy = name;
      mutations.owner = name;
      let out: PolicyPreTradeResult | undefined | void;
      try {
        out = fns[i]!.call(policy, ctx, order, mutations);
      } catch (e) {
        if (!dryRun) rollbackEvery(mutations.handOver(), ctx);
        throw new PolicyCallbackError(name, "performPreTradeCheck", e);
      }
      if (out) {
        const rejects = result.add(policy, out);
        if (rejects && onRejects) onRejects(rejects);
      }
    }
    return result;
  }
}

