import { create, type DescMessage, type MessageShape } from "@bufbuild/protobuf";
import type { sendUnaryData, ServerReadableStream, ServerUnaryCall, UntypedServiceImplementation } from "@grpc/grpc-js";
import * as ad from "../../../gen/openpit/sidecar/v1/admin_pb.js";
import { ErrorCode } from "../../../gen/openpit/sidecar/v1/errors_pb.js";
import { InstrumentId, Pnl } from "../../param/index.js";
import { PnlBoundsKillSwitchPolicy, SpotFundsPolicy } from "../../policies/index.js";
import {
  CodecError,
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
import { catalogEntryOf } from "../config/policy-catalog.js";
import type { Sidecar } from "../sidecar.js";
import { toServiceError } from "./admin-errors.js";

type Handler<I, O> = (call: ServerUnaryCall<I, O>, callback: sendUnaryData<O>) => void;

/**
 * Runs a synchronous admin action and maps thrown errors to gRPC statuses; `field` names
 * the request field an engine error is about (the engine does not know field names).
 */
function unary<I, D extends DescMessage>(
  schema: D,
  action: (request: I) => Partial<MessageShape<D>> | void,
  field?: string | ((request: I) => string),
): Handler<I, MessageShape<D>> {
  return (call, callback) => {
    try {
      callback(null, create(schema, (action(call.request) ?? {}) as never));
    } catch (e) {
      callback(toServiceError(e, typeof field === "function" ? field(call.request) : field), null);
    }
  };
}

const ACCOUNT_ID = "account_id";
const ACCOUNT_IDS = "account_ids";
const GROUP_ID = "group_id";

function policyNamed(sidecar: Sidecar, name: string) {
  const policy = sidecar.engine.policy(name);
  if (!policy) throw new CodecError(ErrorCode.UNKNOWN_NAME, "policy_name", `no policy named '${name}'`);
  return policy;
}

/** Operator API: blocks, groups, currencies, runtime configuration, market data, queries. */
export function adminService(sidecar: Sidecar): UntypedServiceImplementation {
  const accounts = () => sidecar.engine.accounts();
  const md = sidecar.marketData;

  const pushQuote = (r: ad.PushQuoteRequest): bigint => {
    const quote = decodeQuote(r.quote, "quote");
    let id: InstrumentId;
    if (r.target.case === "instrumentId") id = InstrumentId.fromU64(r.target.value);
    else if (r.target.case === "instrument") {
      const instrument = decodeInstrument(r.target.value, "instrument");
      id = md.resolve(instrument) ?? md.register(instrument);
    } else return missing("instrument_id|instrument");
    const accountIds = r.accountIds.map((a, i) => decodeAccountId(a, `account_ids[${i}]`));
    // Group 0 addresses the default bucket here, as in OpenPit's push_for.
    const groups = r.groupIds.map((g) => decodeGroupId(g));
    if (accountIds.length === 0 && groups.length === 0) {
      if (r.patch) md.pushPatch(id, quote);
      else md.push(id, quote);
    } else if (r.patch) md.pushForPatch(id, quote, accountIds, groups);
    else md.pushFor(id, quote, accountIds, groups);
    return id;
  };

  return {
    blockAccount: unary(ad.BlockAccountResponseSchema, (r: ad.BlockAccountRequest) => {
      accounts().block(decodeAccountId(r.accountId, "account_id"), r.reason);
    }),
    unblockAccount: unary(ad.UnblockAccountResponseSchema, (r: ad.UnblockAccountRequest) => {
      accounts().unblock(decodeAccountId(r.accountId, "account_id"));
    }),
    replaceAccountBlockReason: unary(ad.ReplaceAccountBlockReasonResponseSchema, (r: ad.ReplaceAccountBlockReasonRequest) => {
      accounts().replaceBlockReason(decodeAccountId(r.accountId, "account_id"), r.reason);
    }, ACCOUNT_ID),
    blockGroup: unary(ad.BlockGroupResponseSchema, (r: ad.BlockGroupRequest) => {
      accounts().blockGroup(decodeGroupId(r.groupId), r.reason);
    }, GROUP_ID),
    unblockGroup: unary(ad.UnblockGroupResponseSchema, (r: ad.UnblockGroupRequest) => {
      accounts().unblockGroup(decodeGroupId(r.groupId));
    }, GROUP_ID),
    replaceGroupBlockReason: unary(ad.ReplaceGroupBlockReasonResponseSchema, (r: ad.ReplaceGroupBlockReasonRequest) => {
      accounts().replaceGroupBlockReason(decodeGroupId(r.groupId), r.reason);
    }, GROUP_ID),
    registerGroup: unary(ad.RegisterGroupResponseSchema, (r: ad.RegisterGroupRequest) => {
      const ids = r.accountIds.map((a, i) => decodeAccountId(a, `account_ids[${i}]`));
      accounts().registerGroup(ids, decodeGroupId(r.groupId));
    }, ACCOUNT_IDS),
    unregisterGroup: unary(ad.UnregisterGroupResponseSchema, (r: ad.UnregisterGroupRequest) => {
      const ids = r.accountIds.map((a, i) => decodeAccountId(a, `account_ids[${i}]`));
      accounts().unregisterGroup(ids, decodeGroupId(r.groupId));
    }, ACCOUNT_IDS),
    setAccountCurrency: unary(ad.SetAccountCurrencyResponseSchema, (r: ad.SetAccountCurrencyRequest) => {
      const id = decodeAccountId(r.accountId, "account_id");
      if (r.currency === "") accounts().clearCurrency(id);
      else accounts().setCurrency(id, decodeAsset(r.currency, "currency"));
    }),
    setGroupCurrency: unary(ad.SetGroupCurrencyResponseSchema, (r: ad.SetGroupCurrencyRequest) => {
      const group = decodeGroupId(r.groupId);
      if (r.currency === "") accounts().clearGroupCurrency(group);
      else accounts().setGroupCurrency(group, decodeAsset(r.currency, "currency"));
    }),
    configurePolicy: unary(ad.ConfigurePolicyResponseSchema, (r: ad.ConfigurePolicyRequest) => {
      const policy = policyNamed(sidecar, r.policyName);
      const configurable = catalogEntryOf(policy)?.configurable;
      if (!configurable) {
        throw new CodecError(ErrorCode.FAILED_PRECONDITION, "policy_name", `policy '${r.policyName}' has no runtime settings`);
      }
      let json: unknown;
      try {
        json = JSON.parse(r.settingsJson);
      } catch (e) {
        throw new CodecError(ErrorCode.INVALID_VALUE, "settings_json", `settings_json is not JSON: ${(e as Error).message}`);
      }
      const next = configurable.parseUpdate(json, "settings_json") as Record<string, unknown>;
      sidecar.engine.configure().update(r.policyName, configurable.policyClass, (draft) => {
        // Replace, not merge: an optional setting the new JSON leaves out (e.g. `broker`) is removed.
        const d = draft as Record<string, unknown>;
        for (const key of Object.keys(d)) if (!(key in next)) delete d[key];
        Object.assign(d, next);
      });
    }),
    getPolicySettings: unary(ad.GetPolicySettingsResponseSchema, (r: ad.GetPolicySettingsRequest) => {
      const policy = policyNamed(sidecar, r.policyName);
      const configurable = catalogEntryOf(policy)?.configurable;
      if (!configurable) return { settingsJson: "{}" };
      const settings = (policy as unknown as { settingsDraft(): unknown }).settingsDraft();
      return { settingsJson: JSON.stringify(configurable.toJson(settings)) };
    }),
    setPnlAccumulator: unary(ad.SetPnlAccumulatorResponseSchema, (r: ad.SetPnlAccumulatorRequest) => {
      const accountId = decodeAccountId(r.accountId, "account_id");
      const asset = decodeAsset(r.settlementAsset, "settlement_asset");
      const pnl = decodeDecimal(r.pnl, "pnl", Pnl);
      sidecar.engine.configure().apply(r.policyName, PnlBoundsKillSwitchPolicy, (p) => {
        p.setAccountPnl(accountId, asset, pnl);
        return undefined;
      });
    }),
    setSpotFundsAccountPnl: unary(ad.SetSpotFundsAccountPnlResponseSchema, (r: ad.SetSpotFundsAccountPnlRequest) => {
      const accountId = decodeAccountId(r.accountId, "account_id");
      const state = decodePnlState(r.state, "state") ?? missing("state");
      const recorded = sidecar.engine
        .configure()
        .apply(r.policyName, SpotFundsPolicy, (p) => p.setAccountPnl(accountId, state, accounts().groupOf(accountId)));
      return { accountBlocks: recorded.map((b) => encodeBlock(b.block)) };
    }),
    registerInstrument: unary(ad.RegisterInstrumentResponseSchema, (r: ad.RegisterInstrumentRequest) => {
      const instrument = decodeInstrument(r.instrument, "instrument");
      const ttl = decodeTtlMs(r.ttlMs, "ttl_ms");
      const id =
        r.instrumentId === undefined
          ? md.register(instrument, ttl)
          : md.registerWithId(InstrumentId.fromU64(r.instrumentId), instrument, ttl);
      return { instrumentId: id };
    }),
    pushQuote: unary(
      ad.PushQuoteResponseSchema,
      (r: ad.PushQuoteRequest) => ({ instrumentId: pushQuote(r) }),
      (r: ad.PushQuoteRequest) => (r.target.case === "instrument" ? "instrument" : "instrument_id"),
    ),
    streamQuotes(call: ServerReadableStream<ad.StreamQuotesRequest, ad.StreamQuotesResponse>, callback: sendUnaryData<ad.StreamQuotesResponse>) {
      let accepted = 0n;
      let failed = 0n;
      let firstError = "";
      call.on("data", (m: ad.StreamQuotesRequest) => {
        try {
          if (!m.push) missing("push");
          pushQuote(m.push);
          accepted++;
        } catch (e) {
          failed++;
          if (firstError === "") firstError = e instanceof Error ? e.message : String(e);
        }
      });
      call.on("end", () => callback(null, create(ad.StreamQuotesResponseSchema, { accepted, failed, firstError })));
    },
    getAccountState: unary(ad.GetAccountStateResponseSchema, (r: ad.GetAccountStateRequest) => {
      const accountId = decodeAccountId(r.accountId, "account_id");
      const admin = accounts();
      const pinned = sidecar.pins.ownerOf(accountId);
      return encodeAccountState({
        block: admin.blockOf(accountId),
        group: admin.groupOf(accountId),
        currency: admin.currencyOf(accountId),
        policies: sidecar.engine.policies,
        accountId,
        pinnedChannelId: pinned?.channelId,
        openReservations: [...sidecar.channels].flatMap((c) =>
          c.openReservationsOf(accountId).map((reservationId) => ({ channelId: c.channelId, reservationId })),
        ),
      });
    }),
  };
}
