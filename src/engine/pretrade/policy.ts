/** The contract a policy implements: its hooks, the contexts they receive and the results they return. */
import type { AccountGroupId, AccountId, PolicyGroupId } from "../../param/ids.js";
import type { Asset } from "../../param/instrument.js";
import type { Price } from "../../param/values.js";
import type { Order } from "../../model/order.js";
import type { ExecutionReport } from "../../model/execution-report.js";
import type { AccountAdjustment } from "../../model/account-adjustment.js";
import type { AccountOutcomeEntry, PnlOutcome } from "../../model/outcomes.js";
import type { AccountBlock, PolicyReject } from "../../model/reject.js";
import type { AccountBookView } from "../account-book/account-book-view.js";
import type { Mutation, Mutations } from "./mutations.js";
import type { DecimalValue } from "../../param/decimal-value.js";
import type { EngineEvent } from "../events.js";
import type { AccountRetirementRefusal, RetirementContext } from "../account-retirement.js";

/** An account block as a policy reports it; the engine stamps the policy's name. */
export type PolicyBlock = Omit<AccountBlock, "policy">;

/** Read-only account reference data the engine keeps (groups, currencies). */
export interface AccountsView {
  groupOf(accountId: AccountId): AccountGroupId | undefined;
  /** Account currency: account → its group → the default group (group 0). */
  currencyOf(accountId: AccountId): Asset | undefined;
  /** Every account the registry knows of (a group member or an own currency). */
  knownAccounts?(): Iterable<AccountId>;
}

/** Lets a policy block an account from inside a hook (e.g. a rollback that overflowed). */
export interface AccountControl {
  block(accountId: AccountId, block: PolicyBlock): void;
}

interface ContextBase {
  readonly accounts: AccountsView;
  /**
   * Positions, open orders and pending quantities per account (read-only). In a main
   * stage it does not yet hold the order being checked; in post-trade it already holds
   * the report being applied.
   */
  readonly book: AccountBookView;
  /** The group of the account this call is about, resolved live. */
  accountGroup(): AccountGroupId | undefined;
}

export interface PreTradeContext extends ContextBase {
  /** One monotonic instant shared by every policy in this call (from the engine's clock). */
  readonly nowMs: number;
  readonly accountControl: AccountControl;
  /** The order already exists at the venue: rejects are discarded, effects kept. */
  readonly isDropCopy: boolean;
  /** Nothing may change: dry-run hooks are being called. */
  readonly isDryRun: boolean;
}

export interface PostTradeContext extends ContextBase {
  readonly nowMs: number;
  /**
   * Whether the report's account is blocked (its own block, its group's or the global one) as
   * the report arrives: fills then come from orders sent before the block, which a policy
   * counting executions must not hold against the account after an operator unblocks it.
   */
  accountBlocked(): boolean;
}

export interface AccountAdjustmentContext extends ContextBase {
  readonly nowMs: number;
  readonly accountControl: AccountControl;
}

/** What a main-stage hook returns. Rejects and registered mutations may coexist. */
export interface PolicyPreTradeResult {
  readonly rejects?: readonly PolicyReject[];
  /** Pushed into the reservation's lock under the policy's group id. */
  readonly lockPrices?: readonly Price[];
  readonly accountAdjustments?: readonly AccountOutcomeEntry[];
  /**
   * For a market order by volume (no price, no quantity): a price the account book may size
   * its pending quantity at (volume / |price|), used when no lock price was pushed. The
   * first policy's wins.
   */
  readonly sizingPrice?: Price;
}

export interface PolicyPostTradeResult {
  /** Blocks for the report's account; the engine records the first one. */
  readonly accountBlocks?: readonly PolicyBlock[];
  readonly accountPnls?: readonly { readonly accountId: AccountId; readonly result: PnlOutcome }[];
  readonly accountAdjustments?: readonly AccountOutcomeEntry[];
}

export interface PolicyAccountAdjustmentResult {
  /** Any reject stops the batch and rolls it back. */
  readonly rejects?: readonly PolicyReject[];
  /** Recorded (first cause wins) only if the whole batch succeeds. */
  readonly accountBlocks?: readonly PolicyBlock[];
  readonly outcomes?: readonly AccountOutcomeEntry[];
}

type Maybe<T> = T | undefined | void;

/** How much of one of its limits an account uses now (soft limits read it). */
export interface LimitUsage {
  /** Which limit of the policy, e.g. "openOrders". */
  readonly limit: string;
  readonly usage: DecimalValue;
  /**
   * The exact usage when `usage` is a figure rounded to 29 digits (a gross exposure whose
   * products or sums were), else absent or undefined: compared instead of `usage`.
   */
  readonly unrounded?: DecimalValue["decimal"] | undefined;
  /** The limit itself; usage / max is the share used. */
  readonly max: DecimalValue;
}

/** What `limitUsage` may read: the engine's shared inputs at an instant. */
export interface UsageContext {
  readonly nowMs: number;
  readonly book: AccountBookView;
  readonly accounts: AccountsView;
}

/** What the engine hands a policy that watches the others (soft limits). */
export interface PolicyPeers {
  /** Every policy of the engine, in order (itself included). */
  readonly policies: readonly PreTradePolicy[];
  readonly book: AccountBookView;
  readonly accounts: AccountsView;
  /** Announces an event to the engine's listeners (the door publishes it to monitors). */
  emit(event: EngineEvent): void;
}

/**
 * The one policy interface (OpenPit's `PreTradePolicy`): implement the hooks you need.
 * Every hook is synchronous. A policy keeps its state in plain data (Maps, arrays,
 * value objects) so that state can be snapshotted and replayed.
 *
 * - Start hooks: cheap checks; side effects are immediate and never undone.
 * - Main hooks: may register commit/rollback pairs; rollbacks must be delta-based.
 * - Dry-run hooks default to the normal ones; a policy whose normal hook changes
 *   state must provide a read-only dry-run variant.
 * - Durability: "restore(snapshot) + replay of the journal" must rebuild the live state
 *   exactly, so a policy is either `stateless` or implements `snapshotState` and
 *   `restoreState`; a main-stage mutation carries a `record` that `restoreMutation` turns
 *   back into the same commit/rollback (open reservations outlive a snapshot). Snapshot
 *   data is plain: objects, arrays, strings, finite numbers, booleans, null, bigint, Map,
 *   the decimal value types, `PreTradeLock`, `Leverage`.
 */
export interface PreTradePolicy {
  readonly name: string;
  readonly policyGroupId?: PolicyGroupId;
  /**
   * Set by the built-in policies. A failing commit/rollback callback of a built-in blocks
   * its account; one of a custom policy (unset) blocks every account (§E).
   */
  readonly builtIn?: boolean;
  /**
   * Declares that the policy keeps no state at all (durable mode then needs no hooks). A
   * retunable policy (`publishSettings`) keeps its settings, so it needs the hooks anyway.
   */
  readonly stateless?: boolean;
  /** Everything the policy would need to continue after a restart: live settings and state, as plain data. */
  snapshotState?(): unknown;
  /**
   * Replaces the policy's settings and state with a `snapshotState()` result. Called on a
   * freshly built instance (same construction/config) before any hook.
   */
  restoreState?(data: unknown): void;
  /**
   * Rebuilds a main-stage mutation this policy registered with a `record`. Blocks its
   * rollback raises go through `control`, which records them as the live one would
   * (stamped with this policy's name, first cause wins, events emitted).
   */
  restoreMutation?(record: unknown, control: AccountControl): Mutation;
  /**
   * Called once when the engine is built, with its live account registry: a policy that
   * resolves groups or currencies outside a hook (an admin action) reads them here, so
   * a restored instance sees the same registry as the live one from the start.
   */
  attachAccounts?(accounts: AccountsView): void;
  /** Called once when the engine is built, after `attachAccounts`: for a policy that watches the others. */
  attachPeers?(peers: PolicyPeers): void;
  /**
   * Read-only: how much of each of its limits `accountId` uses now (none = empty or
   * undefined). Soft limits compare it with their shares; must not change anything.
   */
  limitUsage?(ctx: UsageContext, accountId: AccountId): readonly LimitUsage[] | undefined;
  checkPreTradeStart?(ctx: PreTradeContext, order: Order): Maybe<readonly PolicyReject[]>;
  checkPreTradeStartDryRun?(ctx: PreTradeContext, order: Order): Maybe<readonly PolicyReject[]>;
  performPreTradeCheck?(ctx: PreTradeContext, order: Order, mutations: Mutations): Maybe<PolicyPreTradeResult>;
  performPreTradeCheckDryRun?(ctx: PreTradeContext, order: Order, mutations: Mutations): Maybe<PolicyPreTradeResult>;
  applyExecutionReport?(ctx: PostTradeContext, report: ExecutionReport): Maybe<PolicyPostTradeResult>;
  applyAccountAdjustment?(
    ctx: AccountAdjustmentContext,
    accountId: AccountId,
    adjustment: AccountAdjustment,
    mutations: Mutations,
  ): Maybe<PolicyAccountAdjustmentResult>;
  /**
   * Account retirement (`Engine.retireAccount`): refuse (a refusal value), or accept and
   * queue the removal of the account's state in `mutations`. Absent = accept, keep nothing.
   * `ctx`: the command's time and the account's group (see `RetirementContext`).
   */
  retireAccount?(accountId: AccountId, mutations: Mutations, ctx: RetirementContext): AccountRetirementRefusal | undefined | void;
  /**
   * Group membership or currencies changed (`accounts`: those affected; undefined = any
   * account, e.g. the default currency). `before` reads the registry as it was. The blocks
   * returned are recorded (stamped with the policy's name).
   */
  reevaluateAccounts?(before: AccountsView, accounts: readonly AccountId[] | undefined): PolicyConfigurationResultLike | undefined;
}

/** Blocks an action outside a hook asks the engine to record (see `PolicyConfigurationResult`). */
export interface PolicyConfigurationResultLike {
  readonly accountBlocks: readonly { readonly accountId: AccountId; readonly block: PolicyBlock }[];
}
