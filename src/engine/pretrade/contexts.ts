/** The per-call context every hook receives: account, instant, flags, cached group, and where blocks go. */
import type { AccountGroupId, AccountId } from "../../param/ids.js";
import type { AccountBookView } from "../account-book/account-book-view.js";
import type { FinalizerFailureSink } from "../finalizer-kill-switch.js";
import type { AccountControl, AccountsView, PolicyBlock, PostTradeContext, PreTradeContext } from "./policy.js";

/** Where blocks raised through `ctx.accountControl` go for one call. */
export type BlockSink = (accountId: AccountId, block: PolicyBlock, policy: string) => void;

/** Whether an account (in a group) is blocked now: the engine's block registry, for post-trade hooks. */
export type BlockedLookup = (accountId: AccountId, group: AccountGroupId | undefined) => boolean;

/**
 * One object serves as the context of every hook in a call (pre-trade, post-trade,
 * adjustment): a fresh one per call, so the group lookup is cached only within it.
 */
export class CallContext implements PreTradeContext, PostTradeContext, AccountControl {
  private group: AccountGroupId | undefined | null = null;
  /** Set by the engine before each hook, so a block is stamped with the calling policy. */
  currentPolicy = "";
  /** Set by the engine for a post-trade call (a report); other calls never ask. */
  blockedLookup: BlockedLookup | undefined = undefined;

  constructor(
    readonly accounts: AccountsView,
    readonly accountId: AccountId | undefined,
    /** The call's instant; a request's main stage moves it to the instant it is executed. */
    public nowMs: number,
    readonly isDropCopy: boolean,
    readonly isDryRun: boolean,
    private readonly sink: BlockSink,
    readonly book: AccountBookView,
    /** The engine's kill switch for failing commit/rollback callbacks (§E). */
    private readonly onFinalizerFailure: FinalizerFailureSink | undefined = undefined,
  ) {}

  /** A commit/rollback of `currentPolicy`'s mutation failed: arm the kill switch. */
  finalizerFailed(step: "commit" | "rollback", error: unknown): void {
    this.onFinalizerFailure?.(this.accountId, this.currentPolicy, step, error);
  }

  /** The context is its own account control: no per-call closure on the hot path. */
  get accountControl(): AccountControl {
    return this;
  }

  block(accountId: AccountId, block: PolicyBlock): void {
    this.sink(accountId, block, this.currentPolicy);
  }

  /**
   * @internal The cached group lookup (`null`: not looked up yet). A request's context
   * spans its start and main stages, so the cache is part of an open request's data.
   */
  get cachedGroup(): AccountGroupId | undefined | null {
    return this.group;
  }

  set cachedGroup(value: AccountGroupId | undefined | null) {
    this.group = value;
  }

  accountBlocked(): boolean {
    return this.accountId !== undefined && this.blockedLookup !== undefined && this.blockedLookup(this.accountId, this.accountGroup());
  }

  accountGroup(): AccountGroupId | undefined {
    if (this.group === null) {
      this.group = this.accountId === undefined ? undefined : this.accounts.groupOf(this.accountId);
    }
    return this.group;
  }
}
