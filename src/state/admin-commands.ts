/**
 * Runs an operator's command against the engine and market data. Failures throw typed
 * errors; the door journals the command either way, and a replay fails it the same way.
 */
import type { InstrumentId } from "../param/ids.js";
import type { Instrument } from "../param/instrument.js";
import { quoted } from "../param/quoted.js";
import type { AccountBlock, ControlScope, TradingStateName } from "../model/index.js";
import { ACCOUNT_RETIREMENT_REFUSAL_TEXTS, type AccountRetirementPolicyRefusal, type AccountRetirementResult, type ConfigurablePolicy, type Engine, type PolicyClass } from "../engine/index.js";
import { QuoteTtl, type MarketDataService } from "../marketdata/index.js";
import { catalogEntryOf, shownSettingsJson, unknownNamedPolicy } from "../policies/catalog.js";
import { PnlBoundsKillSwitchPolicy, SpotFundsPolicy } from "../policies/index.js";
import { sameJson, type Json } from "../policies/settings-json.js";
import type { AccountEntryChange, AdminCommand } from "./commands.js";
import { CommandError, invalid } from "./command-error.js";
import { runSetTradingState } from "./trading-state-admin.js";
import { registrationTtlMs, type ListedQuoteTtls } from "./listed-quote-ttls.js";

/** What an admin command answers besides success. */
export interface AdminResult {
  readonly instrumentId?: InstrumentId;
  /** Blocks a forced P&L state earned (recorded by the engine). */
  readonly accountBlocks?: readonly AccountBlock[];
  /** SetTradingState: the state the scope had before. */
  readonly previousTradingState?: TradingStateName;
  /** SetTradingState: whether the state or a halt's reason changed (else nothing is announced). */
  readonly tradingStateChanged?: boolean;
  /** The operator asked for a kill switch: the door tells the channels holding the scope's accounts. */
  readonly cancelWorkingOrders?: { readonly scope: ControlScope; readonly block: AccountBlock };
  /** What `retireAccount` answered. */
  readonly retirement?: AccountRetirementResult;
}

/** A retirement that did not happen, as the audit trail's reason: the error text and every refusal. */
export function retirementFailure(result: AdminResult): string | undefined {
  const r = result.retirement;
  if (r === undefined || r.ok) return undefined;
  if (r.error !== "Refused") return r.message;
  return `${r.message}: ${r.refusals.map((x) => `${x.policy}: ${ACCOUNT_RETIREMENT_REFUSAL_TEXTS[x.refusal]}`).join("; ")}`;
}

const NOTHING: AdminResult = {};

export function ttlOf(ms: number | undefined): QuoteTtl | undefined {
  return ms === undefined ? undefined : ms === 0 ? QuoteTtl.infinite() : QuoteTtl.within(ms);
}

function policyNamed(engine: Engine, name: string) {
  const policy = engine.policy(name);
  if (!policy) throw new CommandError("UNKNOWN_NAME", "policy_name", `no policy named ${quoted(name)}`);
  return policy;
}

/** The settings parser and class of a policy that can be retuned; a typed error otherwise. */
export function configurableOf(engine: Engine, name: string) {
  const entry = catalogEntryOf(policyNamed(engine, name));
  if (!entry?.configurable) throw new CommandError("FAILED_PRECONDITION", "policy_name", `policy ${quoted(name)} has no runtime settings`);
  return { ...entry.configurable, entry, policyClass: entry.policyClass as PolicyClass<ConfigurablePolicy<unknown>> };
}

/**
 * The command as it will be journaled. A ConfigurePolicy carries the settings as they will
 * apply, defaults filled in, not the operator's JSON: a replay by a later version, whose
 * defaults may differ, must apply what was acknowledged (found by review). Only when they
 * read back to themselves; settings that do not parse go as they came, and fail in the door,
 * recorded, as before. A RegisterGroup is marked `cancelsJoiners` (what this version does
 * with accounts joining a blocked group: commands.ts), so an older record replays as it ran live.
 */
export function journaledAdminCommand(engine: Engine, command: AdminCommand): AdminCommand {
  if (command.kind === "registerGroup") return { ...command, cancelsJoiners: "once" };
  if (command.kind !== "configurePolicy") return command;
  // A compare-and-set is decided here, against the state the door is about to change (nothing
  // runs in between), and journaled as its outcome: `conflict` or nothing.
  const { expected, ...c } = command;
  const policy = engine.policy(c.policy);
  if (expected !== undefined && policy !== undefined && !sameJson(expected, shownSettingsJson(policy))) {
    return {
      ...c,
      conflict: `policy '${c.policy}': its settings changed since they were read (expected_settings_json no longer matches them); read them again and redo the change`,
    };
  }
  try {
    const { parseUpdate, toJson } = configurableOf(engine, c.policy);
    const applied = toJson(parseUpdate(c.settings as Json, "settings_json"));
    const again = toJson(parseUpdate(applied, "settings_json"));
    return JSON.stringify(again) === JSON.stringify(applied) ? { ...c, settings: applied } : c;
  } catch {
    return c;
  }
}

const MAX_GROUP_ID = 2 ** 32 - 1;

/** Refuses (INVALID_VALUE, naming the entry) what `applyAccountEntries` cannot apply whole. */
function checkAccountEntries(entries: readonly AccountEntryChange[]): void {
  if (!Array.isArray(entries) || entries.length === 0) invalid("entries", "at least one entry is required");
  const seen = new Set<bigint>();
  entries.forEach((e, i) => {
    const at = `entries[${i}]`;
    if (typeof e.accountId !== "bigint") invalid(`${at}.accountId`, "not an account id");
    if (seen.has(e.accountId)) invalid(`${at}.accountId`, `account ${e.accountId} is named by an earlier entry`);
    seen.add(e.accountId);
    if (e.group === undefined && e.currency === undefined) invalid(at, "names neither a group nor a currency");
    if (e.group !== undefined && !(Number.isInteger(e.group) && e.group >= 1 && e.group <= MAX_GROUP_ID)) {
      invalid(`${at}.group`, `${String(e.group)} is not an account group (1..${MAX_GROUP_ID}; group 0 is reserved)`);
    }
    if (e.currency !== undefined && (typeof e.currency !== "string" || e.currency.trim() === "")) invalid(`${at}.currency`, "not a currency");
  });
}

/** PushQuote (and StreamQuotes) by instrument: one not registered yet is, with the file's TTL for one it lists. */
function registerOnFirstSight(md: MarketDataService, instrument: Instrument, listed: ListedQuoteTtls | undefined): InstrumentId {
  return md.register(instrument, ttlOf(registrationTtlMs(listed, instrument, undefined)));
}

/**
 * `retirementRefusals`: the door's own refusals of a `retireAccount` (audited-admin.ts), the
 * engine's listed with them. `listed`: the file's quote TTLs, which an instrument it lists
 * takes when a command registers it (listed-quote-ttls.ts).
 */
export function runAdminCommand(
  engine: Engine,
  md: MarketDataService,
  c: AdminCommand,
  retirementRefusals: readonly AccountRetirementPolicyRefusal[] = [],
  listed?: ListedQuoteTtls,
): AdminResult {
  const accounts = engine.accounts();
  switch (c.kind) {
    case "blockAccount":
      accounts.block(c.accountId, c.reason);
      return NOTHING;
    case "unblockAccount":
      accounts.unblock(c.accountId);
      return NOTHING;
    case "replaceAccountBlockReason":
      accounts.replaceBlockReason(c.accountId, c.reason);
      return NOTHING;
    case "blockGroup":
      accounts.blockGroup(c.group, c.reason);
      return NOTHING;
    case "unblockGroup":
      accounts.unblockGroup(c.group);
      return NOTHING;
    case "replaceGroupBlockReason":
      accounts.replaceGroupBlockReason(c.group, c.reason);
      return NOTHING;
    case "registerGroup":
      accounts.registerGroup(c.accountIds, c.group);
      return NOTHING;
    case "unregisterGroup":
      accounts.unregisterGroup(c.accountIds, c.group);
      return NOTHING;
    case "setAccountCurrency":
      if (c.currency === undefined) accounts.clearCurrency(c.accountId);
      else accounts.setCurrency(c.accountId, c.currency);
      return NOTHING;
    case "setGroupCurrency":
      if (c.currency === undefined) accounts.clearGroupCurrency(c.group);
      else accounts.setGroupCurrency(c.group, c.currency);
      return NOTHING;
    case "applyAccountEntries":
      // Every entry is checked before any changes: the command applies whole or fails whole.
      checkAccountEntries(c.entries);
      accounts.applyEntries(c.entries);
      return NOTHING;
    case "retireAccount":
      return { retirement: engine.retireAccount(c.accountId, retirementRefusals) };
    case "configurePolicy": {
      const configurable = configurableOf(engine, c.policy);
      if (c.conflict !== undefined) throw new CommandError("ABORTED", "expected_settings_json", c.conflict);
      const next = configurable.parseUpdate(c.settings as Json, "settings_json") as Record<string, unknown>;
      const unknown = unknownNamedPolicy(configurable.entry, next, engine.policies);
      if (unknown) invalid(`settings_json.policies[${unknown.index}]`, `no policy named ${quoted(unknown.name)} in this engine (${engine.policies.map((p) => p.name).join(", ")})`);
      engine.configure().update(c.policy, configurable.policyClass, (draft) => {
        // Replace, not merge: an optional setting the new JSON leaves out (e.g. `broker`) is removed.
        const d = draft as Record<string, unknown>;
        for (const key of Object.keys(d)) if (!(key in next)) delete d[key];
        Object.assign(d, next);
      });
      return NOTHING;
    }
    case "setPnlAccumulator":
      engine.configure().apply(c.policy, PnlBoundsKillSwitchPolicy, (p) => {
        p.setAccountPnl(c.accountId, c.asset, c.pnl);
        return undefined;
      });
      return NOTHING;
    case "setSpotFundsAccountPnl": {
      const recorded = engine
        .configure()
        .apply(c.policy, SpotFundsPolicy, (p) => p.setAccountPnl(c.accountId, c.state, accounts.groupOf(c.accountId)));
      return { accountBlocks: recorded.map((b) => b.block) };
    }
    case "registerInstrument": {
      // One registered already is refused as such (DuplicateInstrument), whatever ttl_ms says.
      const ttl = ttlOf(md.resolve(c.instrument) === undefined ? registrationTtlMs(listed, c.instrument, c.ttlMs) : c.ttlMs);
      const id = c.id === undefined ? md.register(c.instrument, ttl) : md.registerWithId(c.id, c.instrument, ttl);
      return { instrumentId: id };
    }
    case "pushQuote": {
      const id = "id" in c.target ? c.target.id : (md.resolve(c.target.instrument) ?? registerOnFirstSight(md, c.target.instrument, listed));
      if (c.accountIds.length === 0 && c.groups.length === 0) {
        if (c.patch) md.pushPatch(id, c.quote);
        else md.push(id, c.quote);
      } else if (c.patch) md.pushForPatch(id, c.quote, c.accountIds, c.groups);
      else md.pushFor(id, c.quote, c.accountIds, c.groups);
      return { instrumentId: id };
    }
    case "setTradingState": {
      const { previous, changed, cancelWorkingOrders } = runSetTradingState(engine, c);
      const answer = { previousTradingState: previous, tradingStateChanged: changed };
      return cancelWorkingOrders ? { ...answer, cancelWorkingOrders } : answer;
    }
  }
}
