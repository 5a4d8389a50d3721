/**
 * Protobuf messages the harness sends, built with the generated code (the same code the
 * sidecar and its client use). Decimals are plain strings, as on the real wire.
 */
import { create } from "@bufbuild/protobuf";
import * as ch from "../gen/openpit/sidecar/v1/channel_pb.js";
import * as pb from "../gen/openpit/sidecar/v1/types_pb.js";
import { SETTLEMENT, type BenchInstrument } from "./bench-config.js";

export type Side = "BUY" | "SELL";

const SIDE = { BUY: pb.Side.BUY, SELL: pb.Side.SELL } as const;

/** `executePreTrade` with `commitOnAccept` (by default): one round trip decides and commits. */
export function orderCommand(accountId: bigint, instrument: BenchInstrument, side: Side, quantity: number, commitOnAccept = true): ch.Command {
  return create(ch.CommandSchema, {
    command: {
      case: "executePreTrade",
      value: {
        commitOnAccept,
        order: {
          instrument: { underlyingAsset: instrument.underlying, settlementAsset: SETTLEMENT },
          accountId,
          side: SIDE[side],
          tradeAmount: { case: "quantity", value: String(quantity) },
          price: instrument.price,
        },
      },
    },
  });
}

/** A balance adjustment: `absolute` seeds an account, a delta tops it up. */
export function balanceCommand(accountId: bigint, asset: string, amount: { absolute: string } | { delta: string }): ch.Command {
  const value = "absolute" in amount ? { case: "absolute" as const, value: amount.absolute } : { case: "delta" as const, value: amount.delta };
  return create(ch.CommandSchema, {
    command: {
      case: "applyAccountAdjustment",
      value: { accountId, adjustments: [{ operation: { case: "balance", value: { asset } }, balanceAmount: { amount: value } }] },
    },
  });
}

/**
 * A fill at the order's lock price — the whole order (final, nothing left), or one
 * partial fill of it with `leaves` still open: held funds are consumed at exactly what
 * was reserved, so the buyer's available USD does not move at fill time (OpenPit's "price
 * improvement returns to available" is zero). P&L and fee are 0, so the kill switch
 * accumulates nothing.
 */
export function fillReport(accountId: bigint, instrument: BenchInstrument, side: Side, quantity: number, leaves = 0): pb.ExecutionReport {
  return create(pb.ExecutionReportSchema, {
    instrument: { underlyingAsset: instrument.underlying, settlementAsset: SETTLEMENT },
    accountId,
    side: SIDE[side],
    pnl: "0",
    fee: "0",
    lastTrade: { price: instrument.price, quantity: String(quantity) },
    leavesQuantity: String(leaves),
    lock: { prices: [{ policyGroupId: 0, price: instrument.price }] },
    isFinal: leaves === 0,
  });
}

export function openRequest(correlationId: bigint, commands: ch.Command[]): ch.OpenRequest {
  return create(ch.OpenRequestSchema, { correlationId, commands });
}
