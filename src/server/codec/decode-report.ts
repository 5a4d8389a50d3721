/** Execution reports and locks from the wire, every malformed field named. */
import { path } from "./field-path.js";
import type * as pb from "../../../gen/openpit/sidecar/v1/types_pb.js";
import { AccountId, Fee, Pnl, PolicyGroupId, Price, Quantity } from "../../param/index.js";
import { PreTradeLock, type ExecutionReport } from "../../model/index.js";
import { invalid } from "../../state/command-error.js";
import { decodeAsset, decodeDecimal, decodeOptionalDecimal } from "./scalars.js";
import { decodeClientOrderId, decodeInstrument } from "./decode-order.js";
import { decodePositionEffect, decodePositionSide, decodeSide } from "./enums.js";
import { decodedReport } from "./decoded-messages.js";

const priceSuffixes: string[] = [];
const priceSuffix = (i: number): string => (priceSuffixes[i] ??= `.prices[${i}].price`);

export function decodeLock(lock: pb.PreTradeLock | undefined, field: string): PreTradeLock | undefined {
  if (!lock) return undefined;
  return PreTradeLock.of(
    lock.prices.map((p, i) => {
      if (p.policyGroupId > 0xffff) invalid(`${field}.prices[${i}].policy_group_id`, "must fit in 16 bits");
      return [PolicyGroupId.fromU16(p.policyGroupId), decodeDecimal(p.price, path(field, priceSuffix(i)), Price)] as const;
    }),
  );
}

/**
 * Reports are facts from the venue: every field is optional here and policies decide what
 * they need. Account id 0 means "no account": a block then becomes the global block.
 */
export function decodeExecutionReport(r: pb.ExecutionReport | undefined, field = "report"): ExecutionReport {
  // Decoded from the bytes already (wire-reports.ts): exactly what the lines below build.
  const decoded = decodedReport(r);
  if (decoded !== undefined) return decoded;
  if (!r) return invalid(field, "report is required");
  const side = decodeSide(r.side, path(field, ".side"), false);
  const lastTrade = r.lastTrade && {
    price: decodeDecimal(r.lastTrade.price, path(field, ".last_trade.price"), Price),
    quantity: decodeDecimal(r.lastTrade.quantity, path(field, ".last_trade.quantity"), Quantity),
  };
  const fillFee = r.fillFee && {
    amount: decodeDecimal(r.fillFee.amount, path(field, ".fill_fee.amount"), Fee),
    currency: decodeAsset(r.fillFee.currency, path(field, ".fill_fee.currency")),
  };
  const positionEffect = decodePositionEffect(r.positionEffect, path(field, ".position_effect"), false);
  const positionSide = decodePositionSide(r.positionSide, path(field, ".position_side"), false);
  const clientOrderId = decodeClientOrderId(r.clientOrderId, path(field, ".client_order_id"));
  // An execution id takes a client order id's rule (absent, or 1..128 characters), as on the direct path (wire-reports.ts).
  const executionId = decodeClientOrderId(r.executionId, path(field, ".execution_id"));
  const report: { -readonly [K in keyof ExecutionReport]: ExecutionReport[K] } = {
    operation: {
      instrument: r.instrument ? decodeInstrument(r.instrument, path(field, ".instrument")) : undefined,
      accountId: r.accountId === 0n ? undefined : AccountId.fromU64(r.accountId),
      side,
    },
    financialImpact: {
      pnl: decodeOptionalDecimal(r.pnl, path(field, ".pnl"), Pnl),
      fee: decodeOptionalDecimal(r.fee, path(field, ".fee"), Fee),
    },
    fill: {
      lastTrade,
      fee: fillFee,
      leavesQuantity: decodeOptionalDecimal(r.leavesQuantity, path(field, ".leaves_quantity"), Quantity),
      lock: decodeLock(r.lock, path(field, ".lock")),
      isFinal: r.isFinal,
    },
    positionImpact: { positionEffect, positionSide },
  };
  // Added only when present (not spread from a conditional literal: see decodeOrder).
  if (clientOrderId !== undefined) report.clientOrderId = clientOrderId;
  if (executionId !== undefined) report.executionId = executionId;
  return report;
}
