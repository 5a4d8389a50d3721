/** The operator's account controls: group membership, currencies, and blocking or unblocking with events. */
import { AccountGroupId, type AccountId } from "../param/ids.js";
import type { Asset } from "../param/instrument.js";
import type { AccountBlock, BlockInForce } from "../model/reject.js";
import { AccountBlockError } from "./errors.js";
import type { AccountBlocks } from "./account-blocks.js";
import type { AccountRegistry } from "./account-registry.js";
import type { EngineEvent } from "./events.js";
import { ENGINE_NAME } from "./engine-name.js";

function operatorBlock(reason: string): AccountBlock {
  return { policy: ENGINE_NAME, code: "AccountBlocked", reason, details: reason };
}

/**
 * The block in force is already this one: a replace changes nothing and announces nothing, as
 * a block of a blocked account or an unblock of an unblocked one does (found by review, session
 * 36: monitors heard a replaced reason that had not changed). A policy's block the operator
 * takes over differs (policy, code, details), so it is replaced and announced.
 */
function sameBlock(a: AccountBlock | undefined, b: AccountBlock): boolean {
  return a !== undefined && a.policy === b.policy && a.code === b.code && a.reason === b.reason && a.details === b.details && a.userData === b.userData;
}

/** `engine.accounts()`: groups, currencies and the operator's block controls. */
export class AccountsAdmin {
  constructor(
    private readonly registry: AccountRegistry,
    private readonly blocks: AccountBlocks,
    private readonly emit: (event: EngineEvent) => void,
    /** Membership or currencies changed: policies re-evaluate (`before`: the registry as it was). */
    private readonly changed: (before: AccountRegistry, accounts: readonly AccountId[] | undefined) => void = () => {},
  ) {}

  /** Runs a registry change, then lets policies re-evaluate the accounts it touched. */
  private change(accounts: readonly AccountId[] | undefined, apply: () => void): void {
    const before = this.registry.clone();
    apply();
    this.changed(before, accounts);
  }

  registerGroup(accounts: readonly AccountId[], group: AccountGroupId): void {
    this.change(accounts, () => this.registry.registerGroup(accounts, group));
  }

  unregisterGroup(accounts: readonly AccountId[], group: AccountGroupId): void {
    this.change(accounts, () => this.registry.unregisterGroup(accounts, group));
  }

  /**
   * Each account into its `group` (out of any other) and its own `currency`, as one change:
   * all or nothing (account-registry.ts), policies re-evaluating the accounts once.
   */
  applyEntries(entries: readonly { readonly accountId: AccountId; readonly group?: AccountGroupId; readonly currency?: Asset }[]): void {
    this.change(
      entries.map((e) => e.accountId),
      () => this.registry.applyEntries(entries),
    );
  }

  groupOf(accountId: AccountId): AccountGroupId | undefined {
    return this.registry.groupOf(accountId);
  }

  setCurrency(accountId: AccountId, currency: Asset): void {
    this.change([accountId], () => this.registry.currencyByAccount.set(accountId, currency));
  }

  clearCurrency(accountId: AccountId): void {
    this.change([accountId], () => this.registry.currencyByAccount.delete(accountId));
  }

  /** Group 0 sets the engine-wide default currency. A group's currency may concern any account. */
  setGroupCurrency(group: AccountGroupId, currency: Asset): void {
    this.change(undefined, () => this.registry.currencyByGroup.set(group, currency));
  }

  clearGroupCurrency(group: AccountGroupId): void {
    this.change(undefined, () => this.registry.currencyByGroup.delete(group));
  }

  currencyOf(accountId: AccountId): Asset | undefined {
    return this.registry.currencyOf(accountId);
  }

  /** The block an order for this account would hit now (account, group, then global). */
  blockOf(accountId: AccountId): AccountBlock | undefined {
    return this.blocks.find(accountId, this.registry.groupOf(accountId));
  }

  /** The block an order for this account would hit now, and whose it is (account, group or global). */
  blockInForce(accountId: AccountId): BlockInForce | undefined {
    return this.blocks.findInForce(accountId, this.registry.groupOf(accountId));
  }

  /** The account's own block (not its group's or the global one): what the account controls change. */
  ownBlockOf(accountId: AccountId): AccountBlock | undefined {
    return this.blocks.accounts.get(accountId);
  }

  groupBlockOf(group: AccountGroupId): AccountBlock | undefined {
    return this.blocks.groups.get(group);
  }

  /** The account's own currency setting (not the one resolved through its group or the default). */
  ownCurrencyOf(accountId: AccountId): Asset | undefined {
    return this.registry.currencyByAccount.get(accountId);
  }

  /** A group's currency setting; group 0 = the engine-wide default. */
  groupCurrencyOf(group: AccountGroupId): Asset | undefined {
    return this.registry.currencyByGroup.get(group);
  }

  /** Accounts the operator's controls name: own block, group membership or own currency (unordered, may repeat). */
  *namedAccountIds(): IterableIterator<AccountId> {
    yield* this.blocks.accounts.keys();
    yield* this.registry.groupByAccount.keys();
    yield* this.registry.currencyByAccount.keys();
  }

  get blockedAccountCount(): number {
    return this.blocks.accounts.size;
  }

  get blockedGroupCount(): number {
    return this.blocks.groups.size;
  }

  /** The global kill-switch latch: every account is blocked while it is set. */
  get globalBlock(): AccountBlock | undefined {
    return this.blocks.global;
  }

  /** Idempotent; an existing cause is kept (first cause wins). */
  block(accountId: AccountId, reason: string): void {
    const block = operatorBlock(reason);
    if (this.blocks.blockAccount(accountId, block)) this.emit({ kind: "accountBlocked", accountId, block });
  }

  /** Clears any cause, kill switches included. Idempotent. */
  unblock(accountId: AccountId): void {
    if (this.blocks.accounts.delete(accountId)) this.emit({ kind: "accountUnblocked", accountId });
  }

  /** The operator takes the block over with a new text. */
  replaceBlockReason(accountId: AccountId, reason: string): void {
    if (!this.blocks.accounts.has(accountId)) {
      throw new AccountBlockError("AccountNotBlocked", "account is not blocked");
    }
    const block = operatorBlock(reason);
    if (sameBlock(this.blocks.accounts.get(accountId), block)) return;
    this.blocks.accounts.set(accountId, block);
    this.emit({ kind: "accountBlockReasonReplaced", accountId, block });
  }

  blockGroup(group: AccountGroupId, reason: string): void {
    assertNotReserved(group);
    const block = operatorBlock(reason);
    if (this.blocks.blockGroup(group, block)) this.emit({ kind: "groupBlocked", group, block });
  }

  unblockGroup(group: AccountGroupId): void {
    assertNotReserved(group);
    if (this.blocks.groups.delete(group)) this.emit({ kind: "groupUnblocked", group });
  }

  replaceGroupBlockReason(group: AccountGroupId, reason: string): void {
    assertNotReserved(group);
    if (!this.blocks.groups.has(group)) throw new AccountBlockError("GroupNotBlocked", `group ${group} is not blocked`);
    const block = operatorBlock(reason);
    if (sameBlock(this.blocks.groups.get(group), block)) return;
    this.blocks.groups.set(group, block);
    this.emit({ kind: "groupBlockReasonReplaced", group, block });
  }
}

function assertNotReserved(group: AccountGroupId): void {
  if (group === AccountGroupId.DEFAULT) throw new AccountBlockError("ReservedGroup", "account group 0 is reserved");
}
