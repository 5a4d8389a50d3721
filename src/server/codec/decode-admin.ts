/**
 * AdminService requests as the door's commands. A missing or malformed field is a
 * CommandError naming it (INVALID_ARGUMENT on the wire), raised before the door: a bad
 * request is never journaled, audited or announced, and changes nothing.
 */
import type * as ad from "../../../gen/openpit/sidecar/v1/admin_pb.js";
import type { RetireAccountRequest } from "../../../gen/openpit/sidecar/v1/retirement_pb.js";
import { InstrumentId, Pnl, type AccountGroupId, type AccountId } from "../../param/index.js";
import type { AdminCommand, QuoteTarget } from "../../state/commands.js";
import { CommandError, invalid, missing } from "../../state/command-error.js";
import { MalformedMessage, isMalformed } from "../../transport/service-definition.js";
import { decodeQuote, decodeTtlMs } from "./admin.js";
import { boundedReason } from "./reason.js";
import { decodePnlState } from "./decode-adjustment.js";
import { decodeInstrument } from "./decode-order.js";
import { decodeAccountId, decodeAsset, decodeDecimal, decodeGroupId, decodePolicyName } from "./scalars.js";
import { firstJsonTextProblem, jsonTextProblem } from "../../json/json-numbers.js";

/** A request grpc-js could not decode as its protobuf type is refused as a whole. */
export function decodedRequest<T>(r: T | MalformedMessage, field = "request"): T {
  if (isMalformed(r)) throw new CommandError("INVALID_VALUE", field, `${field}: message could not be decoded: ${r.error}`);
  return r;
}

/** A text that must say something (block reasons): empty or blank = missing. */
export function decodeRequiredText(text: string, field: string): string {
  if (text.trim() === "") missing(field);
  return text;
}

/**
 * A group an operation addresses by id: 0 is "absent" on the wire, like account id 0 (the
 * reserved default group cannot be blocked or registered into).
 */
export function decodeRequiredGroupId(id: number, field: string): AccountGroupId {
  if (id === 0) missing(field);
  return decodeGroupId(id);
}

/**
 * The most accounts one group change may name. Its audit record carries the request, a
 * before and after entry per account and the ids, and readers take at most 4 MiB a message by
 * default: a RegisterGroup of 100 000 accounts made a 9.9 MB record that no monitor could
 * receive and QueryAudit could not page past (found by review). 10 000 keep it near 1 MiB; a
 * bigger group is registered in several calls.
 */
export const MAX_ACCOUNTS_PER_ADMIN_CHANGE = 10_000;

/** The most per-account and per-group buckets one PushQuote (or StreamQuotes tick) names, together. */
export const MAX_QUOTE_BUCKETS_PER_PUSH = 1000;

/**
 * A non-empty list of account ids, each non-zero, each once (the first time it is named):
 * the list names a set of accounts. Found by review: RegisterGroup [A, A] into a blocked
 * group fired A's kill switch twice (two cancel notices, two events), and the audit record
 * listed A twice. Made here, before the journal, so that replaying older records is unchanged.
 */
export function decodeAccountIds(list: readonly bigint[], field: string): AccountId[] {
  if (list.length === 0) missing(field);
  if (list.length > MAX_ACCOUNTS_PER_ADMIN_CHANGE) {
    invalid(field, `names ${list.length} accounts, at most ${MAX_ACCOUNTS_PER_ADMIN_CHANGE} in one change (its audit record must stay readable): send the rest in another`);
  }
  const ids = list.map((a, i) => decodeAccountId(a, `${field}[${i}]`));
  const once = [...new Set(ids)];
  return once.length === ids.length ? ids : once;
}

/** Empty clears the currency (documented in admin.proto); anything else must be an asset name. */
function decodeOptionalCurrency(text: string, field: string) {
  return text === "" ? undefined : decodeAsset(text, field);
}

/** `base` prefixes field paths (StreamQuotes: `push.`). */
export function decodePushQuote(r: ad.PushQuoteRequest, base = ""): AdminCommand {
  let target: QuoteTarget;
  if (r.target.case === "instrumentId") target = { id: InstrumentId.fromU64(r.target.value) };
  else if (r.target.case === "instrument") target = { instrument: decodeInstrument(r.target.value, `${base}instrument`) };
  else return missing(`${base}instrument_id|instrument`);
  const quote = decodeQuote(r.quote, `${base}quote`);
  // Each bucket is in the record's before and after with up to three prices: 10 000 of each
  // kind made a 4.4 MB record (found by review).
  const buckets = r.accountIds.length + r.groupIds.length;
  if (buckets > MAX_QUOTE_BUCKETS_PER_PUSH) {
    invalid(
      `${base}${r.accountIds.length > 0 ? "account_ids" : "group_ids"}`,
      `names ${buckets} accounts and groups, at most ${MAX_QUOTE_BUCKETS_PER_PUSH} in one push (its audit record must stay readable): push to a group, or send the rest in another`,
    );
  }
  const accountIds = r.accountIds.map((a, i) => decodeAccountId(a, `${base}account_ids[${i}]`));
  // Group 0 addresses the default bucket here, as in OpenPit's push_for.
  const groups = r.groupIds.map((g) => decodeGroupId(g));
  return { kind: "pushQuote", target, quote, accountIds, groups, patch: r.patch };
}

/** Every mutating AdminService RPC's request as its command, fields checked in proto order. */
export const ADMIN_COMMAND_DECODERS = {
  blockAccount: (r: ad.BlockAccountRequest): AdminCommand => ({
    kind: "blockAccount",
    accountId: decodeAccountId(r.accountId, "account_id"),
    reason: boundedReason(decodeRequiredText(r.reason, "reason"), "reason"),
  }),
  unblockAccount: (r: ad.UnblockAccountRequest): AdminCommand => ({ kind: "unblockAccount", accountId: decodeAccountId(r.accountId, "account_id") }),
  retireAccount: (r: RetireAccountRequest): AdminCommand => ({ kind: "retireAccount", accountId: decodeAccountId(r.accountId, "account_id") }),
  replaceAccountBlockReason: (r: ad.ReplaceAccountBlockReasonRequest): AdminCommand => ({
    kind: "replaceAccountBlockReason",
    accountId: decodeAccountId(r.accountId, "account_id"),
    reason: boundedReason(decodeRequiredText(r.reason, "reason"), "reason"),
  }),
  blockGroup: (r: ad.BlockGroupRequest): AdminCommand => ({
    kind: "blockGroup",
    group: decodeRequiredGroupId(r.groupId, "group_id"),
    reason: boundedReason(decodeRequiredText(r.reason, "reason"), "reason"),
  }),
  unblockGroup: (r: ad.UnblockGroupRequest): AdminCommand => ({ kind: "unblockGroup", group: decodeRequiredGroupId(r.groupId, "group_id") }),
  replaceGroupBlockReason: (r: ad.ReplaceGroupBlockReasonRequest): AdminCommand => ({
    kind: "replaceGroupBlockReason",
    group: decodeRequiredGroupId(r.groupId, "group_id"),
    reason: boundedReason(decodeRequiredText(r.reason, "reason"), "reason"),
  }),
  registerGroup: (r: ad.RegisterGroupRequest): AdminCommand => ({
    kind: "registerGroup",
    accountIds: decodeAccountIds(r.accountIds, "account_ids"),
    group: decodeRequiredGroupId(r.groupId, "group_id"),
  }),
  unregisterGroup: (r: ad.UnregisterGroupRequest): AdminCommand => ({
    kind: "unregisterGroup",
    accountIds: decodeAccountIds(r.accountIds, "account_ids"),
    group: decodeRequiredGroupId(r.groupId, "group_id"),
  }),
  setAccountCurrency: (r: ad.SetAccountCurrencyRequest): AdminCommand => ({
    kind: "setAccountCurrency",
    accountId: decodeAccountId(r.accountId, "account_id"),
    currency: decodeOptionalCurrency(r.currency, "currency"),
  }),
  // Group 0 is the engine-wide default here, so an empty request clears the default currency.
  setGroupCurrency: (r: ad.SetGroupCurrencyRequest): AdminCommand => ({
    kind: "setGroupCurrency",
    group: decodeGroupId(r.groupId),
    currency: decodeOptionalCurrency(r.currency, "currency"),
  }),
  setPnlAccumulator: (r: ad.SetPnlAccumulatorRequest): AdminCommand => ({
    kind: "setPnlAccumulator",
    policy: decodePolicyName(r.policyName, "policy_name"),
    accountId: decodeAccountId(r.accountId, "account_id"),
    asset: decodeAsset(r.settlementAsset, "settlement_asset"),
    pnl: decodeDecimal(r.pnl, "pnl", Pnl),
  }),
  setSpotFundsAccountPnl: (r: ad.SetSpotFundsAccountPnlRequest): AdminCommand => ({
    kind: "setSpotFundsAccountPnl",
    policy: decodePolicyName(r.policyName, "policy_name"),
    accountId: decodeAccountId(r.accountId, "account_id"),
    state: decodePnlState(r.state, "state") ?? missing("state"),
  }),
  registerInstrument: (r: ad.RegisterInstrumentRequest): AdminCommand => {
    const instrument = decodeInstrument(r.instrument, "instrument");
    decodeTtlMs(r.ttlMs, "ttl_ms");
    return {
      kind: "registerInstrument",
      instrument,
      id: r.instrumentId === undefined ? undefined : InstrumentId.fromU64(r.instrumentId),
      ttlMs: r.ttlMs,
    };
  },
  pushQuote: (r: ad.PushQuoteRequest): AdminCommand => decodePushQuote(r),
};

/**
 * ConfigurePolicy's fields before its settings are parsed (the service checks them against
 * the policy); `expected` only when the request asks for a compare-and-set.
 */
export function decodeConfigurePolicy(r: ad.ConfigurePolicyRequest): { policy: string; settings: unknown; expected?: unknown } {
  const policy = decodePolicyName(r.policyName, "policy_name");
  if (r.settingsJson.trim() === "") missing("settings_json");
  const settings = parseJsonField(r.settingsJson, "settings_json");
  const expected = r.expectedSettingsJson.trim() === "" ? undefined : parseJsonField(r.expectedSettingsJson, "expected_settings_json");
  return expected === undefined ? { policy, settings } : { policy, settings, expected };
}

function parseJsonField(text: string, field: string): unknown {
  let value: unknown;
  try {
    value = JSON.parse(text) as unknown;
  } catch (e) {
    throw new CommandError("INVALID_VALUE", field, `${field} is not JSON: ${(e as Error).message}`);
  }
  checkJsonValue(value, field);
  // As in the file (load-config.ts): a number a double changes, or a key written twice.
  const problem = firstJsonTextProblem(text);
  if (problem) invalid(field, `at offset ${problem.offset}, ${jsonTextProblem(problem, (offset) => `offset ${offset}`)}`);
  return value;
}

/** Deeper than any policy's settings nest (a handful of levels). */
const MAX_JSON_DEPTH = 64;

/**
 * Refuses what JSON.parse accepts but nothing after it can hold: a number past the double
 * range (`1e400` reads as Infinity, which the journal cannot encode) and nesting deep enough
 * to overflow the recursive journal and audit encoders. Found by review: for a policy the
 * settings are not parsed for (unknown, or without runtime settings) both reached the door
 * and came back INTERNAL, with no audit record. Walked with a stack, not recursion.
 */
function checkJsonValue(value: unknown, field: string): void {
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length > 0) {
    const [v, depth] = stack.pop()!;
    if (typeof v === "number" && !Number.isFinite(v)) invalid(field, "a number is outside the range of a double");
    if (typeof v !== "object" || v === null) continue;
    if (depth > MAX_JSON_DEPTH) invalid(field, `nested deeper than ${MAX_JSON_DEPTH} levels`);
    for (const child of Array.isArray(v) ? v : Object.values(v)) stack.push([child, depth + 1]);
  }
}
