/**
 * @internal What the engine's operations that live outside engine.ts (drop-copy, dry run,
 * post-trade, adjustments, retirement) use of it. Module functions given the engine, rather than objects
 * of their own: the engine's state stays in one place and no call goes through another hop.
 */
import type { AccountId } from "../param/ids.js";
import type { Order } from "../model/order.js";
import type { PreTradeLock } from "../model/pre-trade-lock.js";
import type { Price } from "../param/values.js";
import type { AccountBlock, Reject } from "../model/reject.js";
import type { AccountBlocks } from "./account-blocks.js";
import type { AccountRegistry } from "./account-registry.js";
import type { AccountsAdmin } from "./accounts-admin.js";
import type { BlockedLookup, BlockSink, CallContext } from "./pretrade/contexts.js";
import type { EngineEvent } from "./events.js";
import type { Mutations } from "./pretrade/mutations.js";
import type { PreTradePolicy } from "./pretrade/policy.js";
import type { HookLists } from "./hook-runs.js";
import type { AccountBook } from "./account-book/index.js";
import type { Clock } from "./clock.js";
import type { ExecutionIds } from "./execution-ids.js";

export interface EngineInternals {
  readonly policies: readonly PreTradePolicy[];
  readonly hooks: HookLists;
  readonly registry: AccountRegistry;
  readonly blocks: AccountBlocks;
  readonly accountBook: AccountBook;
  readonly clock: Clock;
  /** Execution ids applied, so a report sent again is not applied twice. */
  readonly executionIds: ExecutionIds;
  /** Records a policy's block for its account (stamped with the policy's name). */
  readonly recordBlock: BlockSink;
  /** Whether an account is blocked now (its own, its group's or the global block): PostTradeContext.accountBlocked. */
  readonly isBlocked: BlockedLookup;
  accounts(): AccountsAdmin;
  gate(accountId: AccountId | undefined): Reject | undefined;
  context(accountId: AccountId | undefined, dropCopy: boolean, dryRun: boolean, sink: BlockSink): CallContext;
  enterBook(order: Order, mutations: Mutations, lock: PreTradeLock, sizingPrice: Price | undefined): Reject | undefined;
  record(accountId: AccountId, block: AccountBlock): void;
  emit(event: EngineEvent): void;
}
