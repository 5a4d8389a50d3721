/** AdminService: the operator's changes go through the door as commands; queries read state. */
import { create, type DescMessage, type MessageShape } from "@bufbuild/protobuf";
import { status, type sendUnaryData, type ServerReadableStream, type ServerUnaryCall, type UntypedServiceImplementation } from "@grpc/grpc-js";
import * as ad from "../../../gen/openpit/sidecar/v1/admin_pb.js";
import { InstrumentId, Pnl } from "../../param/index.js";
import type { AdminCommand, QuoteTarget } from "../../state/commands.js";
import { CommandError } from "../../state/command-error.js";
import { configurableOf } from "../../state/admin-commands.js";
import {
  decodeAccountId,
  decodeAsset,
  decodeDecimal,
  decodeGroupId,
  decodeInstrument,
  decodePnlState,
  decodeQuote,
  decodeTtlMs,
  encodeAccountState,
  encodeBlock,
  missing,
} from "../codec/index.js";
import { settingsJsonOf } from "../../policies/catalog.js";
import { toServiceError } from "./admin-errors.js";
import { encodeJournalStatus } from "../codec/journal-status.js";
import { PHASE_REFUSALS, type ServiceContext, type ServingPhase } from "./service-context.js";

/** Changes are refused while the journal is replayed and once shutdown closes the streams (they still run through the drain). */
function refusal(phase: ServingPhase): { code: status; details: string } | undefined {
  if (phase === "recovering") return { code: status.UNAVAILABLE, details: PHASE_REFUSALS.recovering };
  if (phase === "stopping" || phase === "failed") return { code: status.UNAVAILABLE, details: PHASE_REFUSALS.stopping };
  return undefined;
}

type Handler<I, O> = (call: ServerUnaryCall<I, O>, callback: sendUnaryData<O>) => void;

const ACCOUNT_ID = "account_id";
const ACCOUNT_IDS = "account_ids";
const GROUP_ID = "group_id";

/** Operator API: blocks, groups, currencies, runtime configuration, market data, queries. */
export function adminService(ctx: ServiceContext): UntypedServiceImplementation {
  const { state } = ctx;

  /**
   * A change: decoded, run through the door, answered once durable. `field` names the
   * request field an engine error is about (the engine does not know field names).
   */
  function change<I, D extends DescMessage>(
    schema: D,
    toCommand: (request: I) => AdminCommand,
    answer?: (result: ReturnType<typeof state.admin>) => Partial<MessageShape<D>>,
    field?: string | ((request: I) => string),
  ): Handler<I, MessageShape<D>> {
    return (call, callback) => {
      const refused = refusal(ctx.phase());
      if (refused) {
        callback(refused, null);
        return;
      }
      let reply: MessageShape<D>;
      try {
        const result = state.admin(toCommand(call.request));
        reply = create(schema, (answer?.(result) ?? {}) as never);
      } catch (e) {
        const error = toServiceError(e, typeof field === "function" ? field(call.request) : field);
        state.afterDurable(() => callback(error, null));
        return;
      }
      state.afterDurable(() => callback(null, reply));
    };
  }

  function query<I, D extends DescMessage>(schema: D, read: (request: I) => Partial<MessageShape<D>>): Handler<I, MessageShape<D>> {
    return (call, callback) => {
      try {
        callback(null, create(schema, read(call.request) as never));
      } catch (e) {
        callback(toServiceError(e), null);
      }
    };
  }

  const quoteCommand = (r: ad.PushQuoteRequest): AdminCommand => {
    const quote = decodeQuote(r.quote, "quote");
    let target: QuoteTarget;
    if (r.target.case === "instrumentId") target = { id: InstrumentId.fromU64(r.target.value) };
    else if (r.target.case === "instrument") target = { instrument: decodeInstrument(r.target.value, "instrument") };
    else return missing("instrument_id|instrument");
    const accountIds = r.accountIds.map((a, i) => decodeAccountId(a, `account_ids[${i}]`));
    // Group 0 addresses the default bucket here, as in OpenPit's push_for.
    const groups = r.groupIds.map((g) => decodeGroupId(g));
    return { kind: "pushQuote", target, quote, accountIds, groups, patch: r.patch };
  };
  const ids = (list: readonly bigint[]) => list.map((a, i) => decodeAccountId(a, `account_ids[${i}]`));

  return {
    blockAccount: change(ad.BlockAccountResponseSchema, (r: ad.BlockAccountRequest) => ({
      kind: "blockAccount",
      accountId: decodeAccountId(r.accountId, "account_id"),
      reason: r.reason,
    })),
    unblockAccount: change(ad.UnblockAccountResponseSchema, (r: ad.UnblockAccountRequest) => ({
      kind: "unblockAccount",
      accountId: decodeAccountId(r.accountId, "account_id"),
    })),
    replaceAccountBlockReason: change(
      ad.ReplaceAccountBlockReasonResponseSchema,
      (r: ad.ReplaceAccountBlockReasonRequest) => ({
        kind: "replaceAccountBlockReason",
        accountId: decodeAccountId(r.accountId, "account_id"),
        reason: r.reason,
      }),
      undefined,
      ACCOUNT_ID,
    ),
    blockGroup: change(
      ad.BlockGroupResponseSchema,
      (r: ad.BlockGroupRequest) => ({ kind: "blockGroup", group: decodeGroupId(r.groupId), reason: r.reason }),
      undefined,
      GROUP_ID,
    ),
    unblockGroup: change(
      ad.UnblockGroupResponseSchema,
      (r: ad.UnblockGroupRequest) => ({ kind: "unblockGroup", group: decodeGroupId(r.groupId) }),
      undefined,
      GROUP_ID,
    ),
    replaceGroupBlockReason: change(
      ad.ReplaceGroupBlockReasonResponseSchema,
      (r: ad.ReplaceGroupBlockReasonRequest) => ({ kind: "replaceGroupBlockReason", group: decodeGroupId(r.groupId), reason: r.reason }),
      undefined,
      GROUP_ID,
    ),
    registerGroup: change(
      ad.RegisterGroupResponseSchema,
      (r: ad.RegisterGroupRequest) => ({ kind: "registerGroup", accountIds: ids(r.accountIds), group: decodeGroupId(r.groupId) }),
      undefined,
      ACCOUNT_IDS,
    ),
    unregisterGroup: change(
      ad.UnregisterGroupResponseSchema,
      (r: ad.UnregisterGroupRequest) => ({ kind: "unregisterGroup", accountIds: ids(r.accountIds), group: decodeGroupId(r.groupId) }),
      undefined,
      ACCOUNT_IDS,
    ),
    setAccountCurrency: change(ad.SetAccountCurrencyResponseSchema, (r: ad.SetAccountCurrencyRequest) => ({
      kind: "setAccountCurrency",
      accountId: decodeAccountId(r.accountId, "account_id"),
      currency: r.currency === "" ? undefined : decodeAsset(r.currency, "currency"),
    })),
    setGroupCurrency: change(ad.SetGroupCurrencyResponseSchema, (r: ad.SetGroupCurrencyRequest) => ({
      kind: "setGroupCurrency",
      group: decodeGroupId(r.groupId),
      currency: r.currency === "" ? undefined : decodeAsset(r.currency, "currency"),
    })),
    configurePolicy: change(ad.ConfigurePolicyResponseSchema, (r: ad.ConfigurePolicyRequest) => {
      // Parsed here too, so a bad request is refused before it reaches the journal.
      const configurable = configurableOf(state.engine, r.policyName);
      let settings: unknown;
      try {
        settings = JSON.parse(r.settingsJson);
      } catch (e) {
        throw new CommandError("INVALID_VALUE", "settings_json", `settings_json is not JSON: ${(e as Error).message}`);
      }
      configurable.parseUpdate(settings as never, "settings_json");
      return { kind: "configurePolicy", policy: r.policyName, settings };
    }),
    getPolicySettings: query(ad.GetPolicySettingsResponseSchema, (r: ad.GetPolicySettingsRequest) => {
      const policy = state.engine.policy(r.policyName);
      if (!policy) throw new CommandError("UNKNOWN_NAME", "policy_name", `no policy named '${r.policyName}'`);
      return { settingsJson: JSON.stringify(settingsJsonOf(policy) ?? {}) };
    }),
    setPnlAccumulator: change(ad.SetPnlAccumulatorResponseSchema, (r: ad.SetPnlAccumulatorRequest) => ({
      kind: "setPnlAccumulator",
      policy: r.policyName,
      accountId: decodeAccountId(r.accountId, "account_id"),
      asset: decodeAsset(r.settlementAsset, "settlement_asset"),
      pnl: decodeDecimal(r.pnl, "pnl", Pnl),
    })),
    setSpotFundsAccountPnl: change(
      ad.SetSpotFundsAccountPnlResponseSchema,
      (r: ad.SetSpotFundsAccountPnlRequest) => ({
        kind: "setSpotFundsAccountPnl",
        policy: r.policyName,
        accountId: decodeAccountId(r.accountId, "account_id"),
        state: decodePnlState(r.state, "state") ?? missing("state"),
      }),
      (result) => ({ accountBlocks: (result.accountBlocks ?? []).map(encodeBlock) }),
    ),
    registerInstrument: change(
      ad.RegisterInstrumentResponseSchema,
      (r: ad.RegisterInstrumentRequest) => {
        const instrument = decodeInstrument(r.instrument, "instrument");
        decodeTtlMs(r.ttlMs, "ttl_ms");
        return {
          kind: "registerInstrument",
          instrument,
          id: r.instrumentId === undefined ? undefined : InstrumentId.fromU64(r.instrumentId),
          ttlMs: r.ttlMs,
        };
      },
      (result) => ({ instrumentId: result.instrumentId }),
    ),
    pushQuote: change(
      ad.PushQuoteResponseSchema,
      quoteCommand,
      (result) => ({ instrumentId: result.instrumentId }),
      (r: ad.PushQuoteRequest) => (r.target.case === "instrument" ? "instrument" : "instrument_id"),
    ),
    streamQuotes(call: ServerReadableStream<ad.StreamQuotesRequest, ad.StreamQuotesResponse>, callback: sendUnaryData<ad.StreamQuotesResponse>) {
      let accepted = 0n;
      let failed = 0n;
      let firstError = "";
      call.on("data", (m: ad.StreamQuotesRequest) => {
        try {
          const refused = refusal(ctx.phase());
          if (refused) throw new Error(refused.details);
          if (!m.push) missing("push");
          state.admin(quoteCommand(m.push));
          accepted++;
        } catch (e) {
          failed++;
          if (firstError === "") firstError = e instanceof Error ? e.message : String(e);
        }
      });
      call.on("end", () => state.afterDurable(() => callback(null, create(ad.StreamQuotesResponseSchema, { accepted, failed, firstError }))));
    },
    getAccountState: query(ad.GetAccountStateResponseSchema, (r: ad.GetAccountStateRequest) => {
      const accountId = decodeAccountId(r.accountId, ACCOUNT_ID);
      const admin = state.engine.accounts();
      const pinned = state.pins.ownerOf(accountId);
      return encodeAccountState({
        block: admin.blockOf(accountId),
        group: admin.groupOf(accountId),
        currency: admin.currencyOf(accountId),
        policies: state.engine.policies,
        accountId,
        pinnedChannelId: pinned?.channelId,
        openReservations: [...state.channels.values()].flatMap((c) =>
          c.openReservationsOf(accountId).map((reservationId) => ({ channelId: c.channelId, reservationId })),
        ),
      });
    }),
    getJournalStatus: query(ad.GetJournalStatusResponseSchema, () => encodeJournalStatus(state.journal.status())),
  };
}
