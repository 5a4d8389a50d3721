/**
 * Limits set per account, per account group and as a default, resolved most specific
 * first (account → its group → default): the tiering the controls share, with its JSON form.
 */
import type { AccountGroupId, AccountId } from "../param/ids.js";
import { SettingsValidationError } from "../engine/errors.js";
import type { AccountRetirementRefusal } from "../engine/account-retirement.js";
import { fail, onlyKeys, optional, readAccountGroupId, readAccountId, readObjectList, type Json } from "./settings-json.js";

export interface AccountTiers<T> {
  default?: T;
  groups: { group: AccountGroupId; limit: T }[];
  accounts: { accountId: AccountId; limit: T }[];
}

/** The tiers compiled for the hot path: one Map lookup per tier. A repeated key: the last entry wins. */
export interface CompiledTiers<T> {
  readonly fallback: T | undefined;
  readonly groups: ReadonlyMap<AccountGroupId, T>;
  readonly accounts: ReadonlyMap<AccountId, T>;
  /** True when no tier is set at all. */
  readonly empty: boolean;
}

export function compileTiers<T>(t: AccountTiers<T>): CompiledTiers<T> {
  const groups = new Map(t.groups.map((g) => [g.group, g.limit] as const));
  const accounts = new Map(t.accounts.map((a) => [a.accountId, a.limit] as const));
  return { fallback: t.default, groups, accounts, empty: t.default === undefined && groups.size === 0 && accounts.size === 0 };
}

/**
 * The limit that applies to `accountId`: its own entry, else its group's, else the default.
 * Two forms by where the group comes from, neither making a closure per call (they run in
 * every order's checks and soft-limit readings, where a closure per call was an allocation
 * per policy per order); the group is asked only when the account has no own entry.
 */
export function tierInCall<T>(c: CompiledTiers<T>, accountId: AccountId, ctx: { accountGroup(): AccountGroupId | undefined }): T | undefined {
  const own = ownTier(c, accountId);
  if (own !== undefined) return own;
  return c.groups.size > 0 ? groupTier(c, ctx.accountGroup()) : c.fallback;
}

/** `tierInCall` in a usage reading, the group from the accounts view. */
export function tierInReading<T>(c: CompiledTiers<T>, accountId: AccountId, accounts: { groupOf(accountId: AccountId): AccountGroupId | undefined }): T | undefined {
  const own = ownTier(c, accountId);
  if (own !== undefined) return own;
  return c.groups.size > 0 ? groupTier(c, accounts.groupOf(accountId)) : c.fallback;
}

/** The account's own entry. No per-account tier, no lookup: a Map lookup by a bigint key hashes it (about 35 ns). */
function ownTier<T>(c: CompiledTiers<T>, accountId: AccountId): T | undefined {
  return c.accounts.size === 0 ? undefined : c.accounts.get(accountId);
}

/** The group's limit, else the default (the account has no own entry). */
function groupTier<T>(c: CompiledTiers<T>, group: AccountGroupId | undefined): T | undefined {
  const byGroup = group === undefined ? undefined : c.groups.get(group);
  return byGroup !== undefined ? byGroup : c.fallback;
}

/**
 * Account retirement for tiered settings: an own `accounts[]` entry names the account, so
 * retirement is refused until the entry is removed (a group or default tier does not name it).
 */
export function tiersRetirement<T>(c: CompiledTiers<T>, accountId: AccountId): AccountRetirementRefusal | undefined {
  return c.accounts.has(accountId) ? "ConfigurationReferencesAccount" : undefined;
}

export function copyTiers<T>(t: AccountTiers<T>, copy: (limit: T) => T): AccountTiers<T> {
  const out: AccountTiers<T> = {
    groups: t.groups.map((g) => ({ group: g.group, limit: copy(g.limit) })),
    accounts: t.accounts.map((a) => ({ accountId: a.accountId, limit: copy(a.limit) })),
  };
  if (t.default !== undefined) out.default = copy(t.default);
  return out;
}

/** Validates every tier's limit with `check` (which names problems), naming the tier. */
export function validateTiers<T>(t: AccountTiers<T>, check: (limit: T, where: string) => void): void {
  if (t.default !== undefined) check(t.default, "default");
  t.groups.forEach((g, i) => check(g.limit, `groups[${i}].limit`));
  t.accounts.forEach((a, i) => check(a.limit, `accounts[${i}].limit`));
  if (t.default === undefined && t.groups.length === 0 && t.accounts.length === 0) {
    throw new SettingsValidationError("NoLimitsConfigured: at least one default, group or account limit must be configured");
  }
}

// ---- JSON form -------------------------------------------------------------------------
//
// { "default": LIMIT, "groups": [ { "group": 7, "limit": LIMIT } ], "accounts": [ { "accountId": 99224416, "limit": LIMIT } ] }
//
// Each part is optional; at least one must be present. `extra` names the other keys the
// enclosing settings object may carry.

export function readAccountTiers<T>(
  obj: Record<string, Json>,
  path: string,
  extra: readonly string[],
  readLimit: (json: Json, path: string) => T,
): AccountTiers<T> {
  onlyKeys(obj, path, ["default", "groups", "accounts", ...extra]);
  const tiers: AccountTiers<T> = {
    groups: readObjectList(obj.groups, `${path}.groups`, (g, p) => {
      onlyKeys(g, p, ["group", "limit"]);
      return { group: readAccountGroupId(g.group, `${p}.group`), limit: readLimit(g.limit, `${p}.limit`) };
    }),
    accounts: readObjectList(obj.accounts, `${path}.accounts`, (a, p) => {
      onlyKeys(a, p, ["accountId", "limit"]);
      return { accountId: readAccountId(a.accountId, `${p}.accountId`), limit: readLimit(a.limit, `${p}.limit`) };
    }),
  };
  // A repeated account or group is refused (the scoped controls refuse a repeated scope too):
  // the last entry silently winning hid a typo in a risk limit.
  const seenGroups = new Set<AccountGroupId>();
  tiers.groups.forEach((g, i) => {
    if (seenGroups.has(g.group)) fail(`${path}.groups[${i}].group`, "repeats an earlier entry's group");
    seenGroups.add(g.group);
  });
  const seenAccounts = new Set<AccountId>();
  tiers.accounts.forEach((a, i) => {
    if (seenAccounts.has(a.accountId)) fail(`${path}.accounts[${i}].accountId`, "repeats an earlier entry's account");
    seenAccounts.add(a.accountId);
  });
  const fallback = optional(obj.default, `${path}.default`, readLimit);
  if (fallback !== undefined) tiers.default = fallback;
  if (fallback === undefined && tiers.groups.length === 0 && tiers.accounts.length === 0) {
    throw new SettingsValidationError(`${path}: NoLimitsConfigured: at least one default, group or account limit must be configured`);
  }
  return tiers;
}

/**
 * A tiered policy's live settings with their compiled tiers: the draft/publish pair every
 * `ConfigurablePolicy` offers (a copy to edit; validated before it replaces anything).
 */
export class TieredSettings<S extends AccountTiers<L>, L> {
  #settings: S;
  #tiers: CompiledTiers<L>;

  constructor(
    settings: S,
    private readonly copy: (s: S) => S,
    private readonly validate: (s: S) => void,
  ) {
    const owned = copy(settings);
    validate(owned);
    this.#settings = owned;
    this.#tiers = compileTiers(owned);
  }

  get tiers(): CompiledTiers<L> {
    return this.#tiers;
  }

  draft(): S {
    return this.copy(this.#settings);
  }

  /** Validates a copy of `next` and makes it live; on error nothing changes. */
  publish(next: S): void {
    const owned = this.copy(next);
    this.validate(owned);
    this.#tiers = compileTiers(owned);
    this.#settings = owned;
  }
}
