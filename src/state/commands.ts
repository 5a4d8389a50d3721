/**
 * The state-changing commands of the sidecar, as typed domain values: what the gRPC
 * services, the timers and recovery hand to the door, and what the journal records.
 */
import type { AccountGroupId, AccountId, InstrumentId } from "../param/ids.js";
import type { Asset, Instrument } from "../param/instrument.js";
import type { Pnl } from "../param/values.js";
import type { AccountAdjustment, ExecutionReport, Order, PnlState } from "../model/index.js";
import type { Quote } from "../marketdata/index.js";
import type { SetTradingState } from "./trading-state-admin.js";

/**
 * Who acts when nobody was authenticated: the single-user loopback default, and every
 * owner or actor in journals written before principals existed.
 */
export const LOCAL_PRINCIPAL_NAME = "local";

/**
 * The actor of the admin commands a start runs itself to put the configuration file's
 * `accounts.list` entries in force (account-entries.ts). Reserved, like `local`.
 */
export const CONFIGURATION_ACTOR = "(configuration)";

/**
 * What an `applyAccountEntries` command puts in force for one account: `group` (the account
 * leaves any group it is in and joins this one), `currency` (its own currency). A field left
 * out changes nothing.
 */
export interface AccountEntryChange {
  readonly accountId: AccountId;
  readonly group?: AccountGroupId;
  readonly currency?: Asset;
}

/** One command of an account-channel message (OpenPit's account_sync calls). */
export type ChannelCommand =
  | { readonly kind: "bind"; readonly accountIds: readonly AccountId[]; readonly takeover: boolean }
  | { readonly kind: "release"; readonly accountIds: readonly AccountId[] }
  | { readonly kind: "start"; readonly order: Order }
  | { readonly kind: "executeRequest"; readonly requestId: bigint }
  | { readonly kind: "discardRequest"; readonly requestId: bigint }
  | { readonly kind: "execute"; readonly order: Order; readonly commitOnAccept: boolean }
  | { readonly kind: "startDryRun"; readonly order: Order }
  | { readonly kind: "executeDryRun"; readonly order: Order }
  | { readonly kind: "dropCopy"; readonly order: Order; readonly commitOnAccept: boolean }
  | { readonly kind: "commit"; readonly reservationId: bigint }
  | { readonly kind: "rollback"; readonly reservationId: bigint }
  | { readonly kind: "report"; readonly report: ExecutionReport }
  | { readonly kind: "adjust"; readonly accountId: AccountId; readonly adjustments: readonly AccountAdjustment[] };

/** Which instrument a quote is for: a registered id, or an instrument registered on first use. */
export type QuoteTarget = { readonly id: InstrumentId } | { readonly instrument: Instrument };

/**
 * An operator's change (AdminService), or the configuration's own (`applyAccountEntries`).
 * `ttlMs`: absent = service default, 0 = infinite.
 */
export type AdminCommand =
  | { readonly kind: "blockAccount"; readonly accountId: AccountId; readonly reason: string }
  | { readonly kind: "unblockAccount"; readonly accountId: AccountId }
  | { readonly kind: "replaceAccountBlockReason"; readonly accountId: AccountId; readonly reason: string }
  | { readonly kind: "blockGroup"; readonly group: AccountGroupId; readonly reason: string }
  | { readonly kind: "unblockGroup"; readonly group: AccountGroupId }
  | { readonly kind: "replaceGroupBlockReason"; readonly group: AccountGroupId; readonly reason: string }
  /**
   * `cancelsJoiners`: accounts this blocks by joining a blocked group are told to cancel their
   * working orders. `"once"` (every record journaled since session 43: journaledAdminCommand):
   * one notice per channel naming the joiners it holds, one event with the group's scope, as a
   * BlockGroup sends. `true` (records journaled before): a notice and an event per joining
   * account. Absent (older still): none. A record replays as it ran live, so its events keep the
   * numbers they had.
   */
  | { readonly kind: "registerGroup"; readonly accountIds: readonly AccountId[]; readonly group: AccountGroupId; readonly cancelsJoiners?: true | "once" }
  | { readonly kind: "unregisterGroup"; readonly accountIds: readonly AccountId[]; readonly group: AccountGroupId }
  | { readonly kind: "setAccountCurrency"; readonly accountId: AccountId; readonly currency: Asset | undefined }
  | { readonly kind: "setGroupCurrency"; readonly group: AccountGroupId; readonly currency: Asset | undefined }
  /** OpenPit's `retire_account`: a refusal is an answer (AdminResult.retirement), not an error. */
  | { readonly kind: "retireAccount"; readonly accountId: AccountId }
  /**
   * `settings`: the policy's settings JSON as in the configuration file (replaces, not merges).
   * `expected`: apply only if the policy's settings are still these (GetPolicySettings' form);
   * checked just before the journal (journaledAdminCommand), so a journaled command never
   * carries it. `conflict`: that check failed, and why; the door fails the command with it,
   * so a replay fails it alike without comparing again (a later version may render settings
   * differently).
   */
  | {
      readonly kind: "configurePolicy";
      readonly policy: string;
      readonly settings: unknown;
      readonly expected?: unknown;
      readonly conflict?: string;
    }
  | { readonly kind: "setPnlAccumulator"; readonly policy: string; readonly accountId: AccountId; readonly asset: Asset; readonly pnl: Pnl }
  | { readonly kind: "setSpotFundsAccountPnl"; readonly policy: string; readonly accountId: AccountId; readonly state: PnlState }
  | { readonly kind: "registerInstrument"; readonly instrument: Instrument; readonly id: InstrumentId | undefined; readonly ttlMs: number | undefined }
  | {
      readonly kind: "pushQuote";
      readonly target: QuoteTarget;
      readonly quote: Quote;
      readonly accountIds: readonly AccountId[];
      readonly groups: readonly AccountGroupId[];
      readonly patch: boolean;
    }
  | SetTradingState
  /**
   * The `accounts.list` entries a start puts in force for the accounts it admits anew
   * (account-entries.ts; actor `(configuration)`, never an AdminService call). All or
   * nothing: every entry is checked before any changes, so an account's group and currency
   * are in one record and a crash leaves both in force or neither.
   */
  | { readonly kind: "applyAccountEntries"; readonly entries: readonly AccountEntryChange[] };

/**
 * Everything that changes state, as it enters the door (no timestamp yet). Lifecycle
 * commands are the implicit ones: a channel opening or ending (disconnect = drop), the
 * reservation TTL sweep, and recovery's rollback of what a crash left open.
 */
/**
 * The configuration that decides how channel commands run. It is state like any other: a
 * change (an edited configuration file at a restart) is journaled at the point it took
 * effect, so a replay runs every earlier command under the settings it ran under live.
 */
export interface ExecutionSettings {
  readonly maxOpenHandlesPerChannel: number;
  /** Open handles over all channels; absent = no cap (journals written before there was one). */
  readonly maxOpenHandles?: number;
  /** Accounts pinned to one owner's channels together; absent = no cap (as above). */
  readonly maxPinnedAccountsPerOwner?: number;
  /** 0 = reservations never expire. */
  readonly reservationTtlMs: number;
  /** How long an applied execution id is remembered (limits.executionIdRetentionMs); absent = the default (records written before ids were kept). */
  readonly executionIdRetentionMs?: number;
  /** How many are remembered (limits.maxExecutionIds); absent = the default, as above. */
  readonly maxExecutionIds?: number;
  /** Only these accounts may be used; undefined = any account. */
  readonly knownAccounts: readonly AccountId[] | undefined;
  /** Accounts are pinned to one channel (every sync mode but fullSync). */
  readonly pinning: boolean;
  /**
   * The quote TTLs the configuration file sets (`marketData`; no AdminService call changes
   * them, so the file is their only lever), every listed instrument's, registered or not: a
   * later registration takes its `ttlMs` (listed-quote-ttls.ts). Absent = the state keeps the
   * TTLs it has: in records written before they were journaled, and in snapshots written
   * before they were kept (a snapshot's market data holds those in force).
   */
  readonly quoteTtls?: QuoteTtlSettings;
}

/** What a `settings` record whose list went in parts names of them: how many parts (0..parts-1), and how many accounts the list holds then. */
export interface AccountListParts {
  readonly parts: number;
  readonly accounts: number;
}

/** What a `settings` record whose listed instruments' TTLs went in parts names of them: how many parts (0..parts-1), and how many instruments they list. */
export interface QuoteTtlParts {
  readonly parts: number;
  readonly instruments: number;
}

/** `marketData.defaultTtlMs` and the `ttlMs` of `marketData.instruments`, as a `settings` command puts them in force. */
export interface QuoteTtlSettings {
  /** The service default (the cascade's last tier), milliseconds; 0 = infinite. */
  readonly defaultTtlMs: number;
  /**
   * The registration TTL (tier 7) of each instrument listed, found by its assets; `ttlMs`
   * absent = none (0 = infinite). An instrument the state has not registered gets it when it is.
   */
  readonly instruments: readonly InstrumentTtlSetting[];
}

export interface InstrumentTtlSetting {
  readonly underlyingAsset: Asset;
  readonly settlementAsset: Asset;
  readonly ttlMs?: number;
}

export type CommandBody =
  /** `owner`: the principal the channel acts for (its pins count against it); absent in old journals = "local". */
  | { readonly kind: "openChannel"; readonly owner?: string }
  /** `lost`/`ended`: involuntary or graceful end of the stream; `disconnect` (older journals): either. */
  | { readonly kind: "closeChannel"; readonly channel: bigint; readonly reason: "lost" | "ended" | "disconnect" | "shutdown" | "recovery" }
  | { readonly kind: "channel"; readonly channel: bigint; readonly commands: readonly ChannelCommand[] }
  | { readonly kind: "feed"; readonly reports: readonly ExecutionReport[] }
  | { readonly kind: "expireReservations" }
  /** `actor`: who asked (the audit trail's actor); journals written before it existed read as "local". */
  | { readonly kind: "admin"; readonly command: AdminCommand; readonly actor?: string }
  /** A call the security layer refused: only an audit record, nothing else changes. */
  | {
      readonly kind: "denial";
      readonly actor: string;
      readonly action: string;
      readonly detail: string;
      readonly reason: string;
      readonly accountIds?: readonly AccountId[];
    }
  /**
   * An operator's action on the process rather than the state (StepDown hands this
   * instance's shards over): only an audit record, so the trail says who did it and when.
   */
  | { readonly kind: "operation"; readonly actor: string; readonly action: string; readonly detail: string }
  /**
   * `listParts` absent: `settings` whole, its `knownAccounts` included (every record before
   * long lists were journaled in parts, and today's whenever the whole record fits the
   * journal's bound). Present: `settings.knownAccounts` is left out, and the list in force
   * becomes the one the `accountListPart` records just before it describe (settings-parts.ts);
   * `parts` and `accounts` check that they are all there. `ttlParts` likewise: present,
   * `settings.quoteTtls.instruments` is left empty and the instruments listed are those of
   * the `quoteTtlPart` records just before it (after the list's parts, if any).
   */
  | { readonly kind: "settings"; readonly settings: ExecutionSettings; readonly listParts?: AccountListParts; readonly ttlParts?: QuoteTtlParts }
  /**
   * One part of a strict `accounts.list` too long for one `settings` record: accounts the list
   * gains and loses against the list in force. Part 0 starts a new list (what a crashed
   * start's parts left is dropped); nothing is in force until the `settings` record that
   * follows them (settings-parts.ts).
   */
  | { readonly kind: "accountListPart"; readonly part: number; readonly added: readonly AccountId[]; readonly removed: readonly AccountId[] }
  /**
   * One part of the instruments `marketData.instruments` lists (their `ttlMs`), when the
   * `settings` record would not fit the journal's bound with them: the entries in order, all
   * of them across the parts. Part 0 starts afresh; nothing is in force until the `settings`
   * record that follows (settings-parts.ts).
   */
  | { readonly kind: "quoteTtlPart"; readonly part: number; readonly instruments: readonly InstrumentTtlSetting[] }
  /** Recovery is done and the sidecar serves: rollbacks journaled before it were announced. */
  | { readonly kind: "served" }
  /**
   * The build that writes the records from here on (journal-writer.ts): the first record of a
   * start restored from another build's snapshot. A replay refuses records of another build.
   */
  | { readonly kind: "writer"; readonly version: string; readonly rules: number };

/** A command with the instant it took effect: every policy, window and TTL reads time from it. */
export type Command = CommandBody & { readonly ts: number };
