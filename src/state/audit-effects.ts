/**
 * What each admin command touches, as plain JSON read before and after it runs: the audit
 * trail's `effect`. One small view per command kind, all here; a view only reads state.
 */
import type { AccountGroupId, AccountId } from "../param/ids.js";
import type { AccountBlock, PnlState } from "../model/index.js";
import type { Engine } from "../engine/index.js";
import type { MarketDataService, Quote, QuoteResolution } from "../marketdata/index.js";
import { accountStateOf, settingsJsonOf } from "../policies/catalog.js";
import { DecimalValue } from "../param/decimal-value.js";
import type { AdminCommand, QuoteTarget } from "./commands.js";
import { tradingStatePolicyOf } from "./trading-state-admin.js";

/** JSON as stored in a record: decimals and ids as strings, absent as null. */
export type AuditJson = null | boolean | number | string | readonly AuditJson[] | { readonly [key: string]: AuditJson };

type Views = {
  readonly [K in AdminCommand["kind"]]: (engine: Engine, md: MarketDataService, c: Extract<AdminCommand, { kind: K }>) => AuditJson;
};

const blockJson = (b: AccountBlock | undefined): AuditJson => (b ? { policy: b.policy, code: b.code, reason: b.reason, details: b.details } : null);

const pnlStateJson = (s: PnlState | undefined): AuditJson =>
  s === undefined ? null : s.kind === "value" ? { value: s.value.toString() } : { halted: s.reason };

/**
 * Domain data as JSON: decimals and bigint ids as strings, undefined members left out.
 * Direct rather than a JSON round trip: every StreamQuotes tick goes through here.
 */
export function auditJson(value: unknown): AuditJson {
  switch (typeof value) {
    case "string":
    case "boolean":
      return value;
    case "number":
      return Number.isFinite(value) ? value : String(value);
    case "bigint":
      return value.toString();
    case "object": {
      if (value === null) return null;
      if (value instanceof DecimalValue) return value.toString();
      if (Array.isArray(value)) return value.map((v) => (v === undefined ? null : auditJson(v)));
      const out: Record<string, AuditJson> = {};
      for (const key in value) {
        const v = (value as Record<string, unknown>)[key];
        if (v !== undefined) out[key] = auditJson(v);
      }
      return out;
    }
    default:
      return null;
  }
}

function quoteJson(q: Quote | undefined): AuditJson {
  if (q === undefined) return null;
  const out: Record<string, string> = {};
  if (q.mark !== undefined) out.mark = q.mark.toString();
  if (q.bid !== undefined) out.bid = q.bid.toString();
  if (q.ask !== undefined) out.ask = q.ask.toString();
  return out;
}

const accountBlock = (engine: Engine, c: { readonly accountId: AccountId }): AuditJson => ({
  accountId: c.accountId.toString(),
  block: blockJson(engine.accounts().ownBlockOf(c.accountId)),
});

const groupBlock = (engine: Engine, c: { readonly group: AccountGroupId }): AuditJson => ({
  groupId: c.group,
  block: blockJson(engine.accounts().groupBlockOf(c.group)),
});

const groupsOf = (engine: Engine, c: { readonly accountIds: readonly AccountId[] }): AuditJson => ({
  groups: c.accountIds.map((a) => ({ accountId: a.toString(), groupId: engine.accounts().groupOf(a) ?? null })),
});

function policyView(engine: Engine, name: string, accountId: AccountId) {
  const policy = engine.policy(name);
  return policy === undefined ? undefined : accountStateOf(policy, accountId);
}

/** The quote each bucket the push writes holds (stale or not); null = empty or unknown instrument. */
function quotesOf(md: MarketDataService, c: Extract<AdminCommand, { kind: "pushQuote" }>): AuditJson {
  const id = instrumentIdOf(md, c.target);
  if (id === undefined) return { instrumentId: null, buckets: [] };
  const read = (account: AccountId | undefined, group: AccountGroupId | undefined, resolution: QuoteResolution) => {
    const found = md.lookup(id, account, group, resolution);
    return quoteJson(found.ok || found.error === "QuoteExpired" ? found.quote : undefined);
  };
  const buckets: AuditJson[] = [];
  for (const a of c.accountIds) buckets.push({ accountId: a.toString(), quote: read(a, undefined, "AccountOnly") });
  // Group 0 is the default bucket, read as such.
  for (const g of c.groups) buckets.push({ groupId: g, quote: g === 0 ? read(undefined, undefined, "AccountThenGroupThenDefault") : read(undefined, g, "AccountThenGroup") });
  if (c.accountIds.length === 0 && c.groups.length === 0) buckets.push({ groupId: 0, quote: read(undefined, undefined, "AccountThenGroupThenDefault") });
  return { instrumentId: id.toString(), buckets };
}

function instrumentIdOf(md: MarketDataService, target: QuoteTarget) {
  if ("id" in target) return isRegistered(md, target.id) ? target.id : undefined;
  return md.resolve(target.instrument);
}

function isRegistered(md: MarketDataService, id: Parameters<MarketDataService["lookup"]>[0]): boolean {
  const found = md.lookup(id, undefined, undefined, "AccountOnly");
  return found.ok || found.error !== "UnknownInstrument";
}

const VIEWS: Views = {
  blockAccount: (engine, _md, c) => accountBlock(engine, c),
  unblockAccount: (engine, _md, c) => accountBlock(engine, c),
  replaceAccountBlockReason: (engine, _md, c) => accountBlock(engine, c),
  blockGroup: (engine, _md, c) => groupBlock(engine, c),
  unblockGroup: (engine, _md, c) => groupBlock(engine, c),
  replaceGroupBlockReason: (engine, _md, c) => groupBlock(engine, c),
  registerGroup: (engine, _md, c) => groupsOf(engine, c),
  unregisterGroup: (engine, _md, c) => groupsOf(engine, c),
  setAccountCurrency: (engine, _md, c) => ({ accountId: c.accountId.toString(), currency: engine.accounts().ownCurrencyOf(c.accountId) ?? null }),
  setGroupCurrency: (engine, _md, c) => ({ groupId: c.group, currency: engine.accounts().groupCurrencyOf(c.group) ?? null }),
  retireAccount: (engine, _md, c) => ({
    accountId: c.accountId.toString(),
    block: blockJson(engine.accounts().ownBlockOf(c.accountId)),
    groupId: engine.accounts().groupOf(c.accountId) ?? null,
    currency: engine.accounts().ownCurrencyOf(c.accountId) ?? null,
  }),
  configurePolicy: (engine, _md, c) => {
    const policy = engine.policy(c.policy);
    return { policy: c.policy, settings: policy === undefined ? null : auditJson(settingsJsonOf(policy) ?? null) };
  },
  setPnlAccumulator: (engine, _md, c) => {
    const pnl = policyView(engine, c.policy, c.accountId)?.pnlAccumulators?.find((p) => p.asset === c.asset)?.pnl;
    return { policy: c.policy, accountId: c.accountId.toString(), settlementAsset: c.asset, pnl: pnl === undefined ? null : pnl.toString() };
  },
  setSpotFundsAccountPnl: (engine, _md, c) => ({
    policy: c.policy,
    accountId: c.accountId.toString(),
    pnl: pnlStateJson(policyView(engine, c.policy, c.accountId)?.accountPnl),
    // A forced P&L past a barrier blocks the account.
    block: blockJson(engine.accounts().ownBlockOf(c.accountId)),
  }),
  registerInstrument: (_engine, md, c) => {
    const id = md.resolve(c.instrument);
    return { instrument: auditJson(c.instrument), instrumentId: id === undefined ? null : id.toString() };
  },
  pushQuote: (_engine, md, c) => quotesOf(md, c),
  // With the reason a state other than ACTIVE keeps: re-wording a halt is a change, whose
  // record showed the same before and after (found by review, session 34).
  setTradingState: (engine, _md, c) => {
    const policy = tradingStatePolicyOf(engine, c.policy);
    const state = policy.stateOf(c.scope);
    return { scope: auditJson(c.scope), state, ...(state === "ACTIVE" ? {} : { reason: policy.reasonOf(c.scope) }) };
  },
  applyAccountEntries: (engine, _md, c) => ({
    accounts: c.entries.map((e) => ({
      accountId: e.accountId.toString(),
      groupId: engine.accounts().groupOf(e.accountId) ?? null,
      currency: engine.accounts().ownCurrencyOf(e.accountId) ?? null,
    })),
  }),
};

/**
 * The state an admin command touches, now, as JSON text (records keep text: one flat string
 * per field is cheap to retain by the hundred thousand). Never throws: a view that cannot
 * read says so.
 */
export function effectView(engine: Engine, md: MarketDataService, c: AdminCommand): string {
  let view: AuditJson;
  try {
    view = (VIEWS[c.kind] as (e: Engine, m: MarketDataService, c: AdminCommand) => AuditJson)(engine, md, c);
  } catch (e) {
    view = { unreadable: e instanceof Error ? e.message : String(e) };
  }
  return JSON.stringify(view);
}

/** The accounts a command names: what the audit query's account filter matches. */
export function accountsNamed(c: AdminCommand): readonly AccountId[] {
  if ("accountId" in c) return [c.accountId];
  if (c.kind === "setTradingState" && c.scope.kind === "account") return [c.scope.accountId];
  if ("accountIds" in c) return c.accountIds;
  if (c.kind === "applyAccountEntries") return c.entries.map((e) => e.accountId);
  return [];
}

/** The command as JSON text, without its kind (that is the record's action). */
export function requestJson(c: AdminCommand): string {
  const { kind: _kind, ...rest } = c;
  // How this version runs the command (commands.ts), not what the operator asked.
  if ("cancelsJoiners" in rest) delete (rest as { cancelsJoiners?: true }).cancelsJoiners;
  return JSON.stringify(auditJson(rest));
}
