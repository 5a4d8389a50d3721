/** One instrument's quotes per account, group and default, replaced or patched, read most specific first. */
import { AccountGroupId, type AccountId } from "../param/ids.js";
import type { Quote, QuoteResolution } from "./market-data-source.js";

/** A bucket's snapshot and when it was last written (replace or patch). */
export interface StoredQuote {
  readonly quote: Quote;
  readonly publishedAtMs: number;
}

/** Where a write lands: one account's bucket or one group's bucket (group 0 = default bucket). */
export type BucketTarget = { readonly account: AccountId } | { readonly group: AccountGroupId };

export type WriteMode = "replace" | "patch";

const DEFAULT_GROUP: number = AccountGroupId.DEFAULT;

/**
 * The quote buckets of one instrument. A bucket is "non-empty" once written and until
 * `clear`; the quote fields it holds do not matter (an empty observation is still one).
 */
export class QuoteBuckets {
  private readonly accounts = new Map<bigint, StoredQuote>();
  /** Keyed by group; the entry at group 0 is the default ("everyone else") bucket. */
  private readonly groups = new Map<number, StoredQuote>();

  write(target: BucketTarget, quote: Quote, mode: WriteMode, nowMs: number): void {
    const map: Map<bigint | number, StoredQuote> = "account" in target ? this.accounts : this.groups;
    const key = "account" in target ? target.account : target.group;
    const base = mode === "patch" ? map.get(key)?.quote : undefined;
    map.set(key, { quote: mergeQuote(base, quote), publishedAtMs: nowMs });
  }

  /** The first non-empty bucket the resolution allows, most specific first; freshness is the caller's job. */
  select(resolution: QuoteResolution, accountId: AccountId | undefined, group: AccountGroupId | undefined): StoredQuote | undefined {
    const fromAccount = accountId !== undefined ? this.accounts.get(accountId) : undefined;
    if (fromAccount !== undefined || resolution === "AccountOnly") return fromAccount;
    // A reader without a group (undefined or 0) has no group bucket; it does not read the default bucket here.
    const fromGroup = group !== undefined && group !== DEFAULT_GROUP ? this.groups.get(group) : undefined;
    if (fromGroup !== undefined || resolution === "AccountThenGroup") return fromGroup;
    return this.groups.get(DEFAULT_GROUP);
  }

  /** Every bucket with its quote and publish instant (copied Maps; stored quotes are immutable). */
  snapshot(): QuoteBucketsData {
    return { accounts: new Map(this.accounts), groups: new Map(this.groups) };
  }

  /** Replaces every bucket, keeping each publish instant (TTL decisions after a restore match). */
  restore(data: QuoteBucketsData): void {
    this.clear();
    for (const [account, stored] of data.accounts) this.accounts.set(account, storedCopy(stored));
    for (const [group, stored] of data.groups) this.groups.set(group, storedCopy(stored));
  }

  /** Drops every bucket: nothing is visible until the next write, and a patch then starts from empty. */
  clear(): void {
    this.accounts.clear();
    this.groups.clear();
  }
}

/** The buckets of one instrument as plain data: account buckets, and group buckets (group 0 = default). */
export interface QuoteBucketsData {
  readonly accounts: ReadonlyMap<bigint, StoredQuote>;
  readonly groups: ReadonlyMap<number, StoredQuote>;
}

function storedCopy(stored: StoredQuote): StoredQuote {
  return { quote: mergeQuote(undefined, stored.quote), publishedAtMs: stored.publishedAtMs };
}

/** Fields present in `update` overwrite; with no base this is a plain (frozen) copy of `update`. */
function mergeQuote(base: Quote | undefined, update: Quote): Quote {
  const mark = update.mark ?? base?.mark;
  const bid = update.bid ?? base?.bid;
  const ask = update.ask ?? base?.ask;
  return Object.freeze({
    ...(mark !== undefined ? { mark } : {}),
    ...(bid !== undefined ? { bid } : {}),
    ...(ask !== undefined ? { ask } : {}),
  });
}
