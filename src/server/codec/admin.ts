/** Admin messages: quotes and TTLs in, the account-state query out. */
import { create } from "@bufbuild/protobuf";
import * as ad from "../../../gen/openpit/sidecar/v1/admin_pb.js";
import type * as pb from "../../../gen/openpit/sidecar/v1/types_pb.js";
import { Price, type AccountGroupId, type AccountId, type Asset } from "../../param/index.js";
import type { PreTradePolicy } from "../../engine/index.js";
import type { BlockInForce } from "../../model/index.js";
import { QuoteTtl, type Quote } from "../../marketdata/index.js";
import { accountStateOf } from "../../policies/catalog.js";
import { invalid, missing } from "../../state/command-error.js";
import { decodeOptionalDecimal } from "./scalars.js";
import { encodeBlock, encodePnlState } from "./encode.js";
import { encodeBlockScope } from "./enums.js";

export function decodeQuote(q: pb.Quote | undefined, field: string): Quote {
  if (!q) missing(field);
  return {
    mark: decodeOptionalDecimal(q.mark, `${field}.mark`, Price),
    bid: decodeOptionalDecimal(q.bid, `${field}.bid`, Price),
    ask: decodeOptionalDecimal(q.ask, `${field}.ask`, Price),
  };
}

/** Absent = the service default; 0 = infinite; otherwise milliseconds. */
export function decodeTtlMs(ms: number | undefined, field: string): QuoteTtl | undefined {
  if (ms === undefined) return undefined;
  if (!Number.isFinite(ms) || ms < 0) invalid(field, "must be a non-negative number of milliseconds");
  return ms === 0 ? QuoteTtl.infinite() : QuoteTtl.within(ms);
}

export interface AccountStateView {
  readonly accountId: AccountId;
  readonly block: BlockInForce | undefined;
  readonly group: AccountGroupId | undefined;
  readonly currency: Asset | undefined;
  readonly policies: readonly PreTradePolicy[];
  readonly pinnedChannelId: bigint | undefined;
  readonly openReservations: readonly { channelId: bigint; reservationId: bigint }[];
}

/** The read-only account query: block, group, currency, every policy's balances and P&L. */
export function encodeAccountState(v: AccountStateView): ad.GetAccountStateResponse {
  const holdings: ad.Holding[] = [];
  const pnlAccumulators: ad.PnlAccumulator[] = [];
  const spotFundsPnls: ad.SpotFundsAccountPnl[] = [];
  for (const policy of v.policies) {
    // Each built-in says what it shows of an account (its catalog entry); custom policies show nothing.
    const shown = accountStateOf(policy, v.accountId);
    for (const h of shown.holdings ?? []) {
      holdings.push(
        create(ad.HoldingSchema, {
          policyName: policy.name,
          asset: h.asset,
          available: h.available.toString(),
          held: h.held.toString(),
          incoming: h.incoming.toString(),
          averageEntryPrice: h.averageEntryPrice?.toString(),
          realizedPnl: encodePnlState(h.realizedPnl),
        }),
      );
    }
    if (shown.accountPnl) spotFundsPnls.push(create(ad.SpotFundsAccountPnlSchema, { policyName: policy.name, state: encodePnlState(shown.accountPnl) }));
    for (const { asset, pnl } of shown.pnlAccumulators ?? []) {
      pnlAccumulators.push(create(ad.PnlAccumulatorSchema, { policyName: policy.name, settlementAsset: asset, pnl: pnl.toString() }));
    }
  }
  return create(ad.GetAccountStateResponseSchema, {
    block: v.block && encodeBlock(v.block.block),
    blockScope: encodeBlockScope(v.block?.scope),
    groupId: v.group ?? 0,
    currency: v.currency ?? "",
    holdings,
    pnlAccumulators,
    spotFundsPnls,
    pinnedChannelId: v.pinnedChannelId ?? 0n,
    openReservations: v.openReservations.map((r) => create(ad.OpenReservationSchema, r)),
  });
}
