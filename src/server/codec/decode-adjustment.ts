/** Account adjustments from the wire, every malformed field named. */
import type * as pb from "../../../gen/openpit/sidecar/v1/types_pb.js";
import { Leverage, Pnl, PositionSize, Price } from "../../param/index.js";
import {
  AdjustmentAmount,
  PnlState,
  type AccountAdjustment,
  type AdjustmentAmount as DomainAmount,
  type AdjustmentOperation,
  type PnlState as DomainPnlState,
} from "../../model/index.js";
import { invalid, missing } from "../../state/command-error.js";
import { decodeAsset, decodeDecimal, decodeOptionalDecimal } from "./scalars.js";
import { decodeInstrument } from "./decode-order.js";
import { decodeHaltReason, decodePositionMode } from "./enums.js";

export function decodePnlState(s: pb.PnlState | undefined, field: string): DomainPnlState | undefined {
  if (!s) return undefined;
  switch (s.state.case) {
    case "value":
      return PnlState.value(decodeDecimal(s.state.value, `${field}.value`, Pnl));
    case "halted":
      return PnlState.halted(decodeHaltReason(s.state.value, `${field}.halted`, true)!);
    default:
      return missing(`${field}.value|halted`);
  }
}

function decodeAmount(a: pb.AdjustmentAmount | undefined, field: string): DomainAmount | undefined {
  if (!a) return undefined;
  switch (a.amount.case) {
    case "delta":
      return AdjustmentAmount.delta(decodeDecimal(a.amount.value, `${field}.delta`, PositionSize));
    case "absolute":
      return AdjustmentAmount.absolute(decodeDecimal(a.amount.value, `${field}.absolute`, PositionSize));
    default:
      return missing(`${field}.delta|absolute`);
  }
}

function decodeOperation(a: pb.AccountAdjustment, field: string): AdjustmentOperation {
  const op = a.operation;
  switch (op.case) {
    case "balance":
      return {
        kind: "balance",
        asset: decodeAsset(op.value.asset, `${field}.balance.asset`),
        averageEntryPrice: decodeOptionalDecimal(op.value.averageEntryPrice, `${field}.balance.average_entry_price`, Price),
        realizedPnl: decodePnlState(op.value.realizedPnl, `${field}.balance.realized_pnl`),
      };
    case "position": {
      const leverage = op.value.leverage;
      let decodedLeverage: Leverage | undefined;
      if (leverage !== undefined) {
        try {
          decodedLeverage = Leverage.fromString(leverage);
        } catch (e) {
          invalid(`${field}.position.leverage`, e instanceof Error ? e.message : String(e));
        }
      }
      return {
        kind: "position",
        instrument: decodeInstrument(op.value.instrument, `${field}.position.instrument`),
        collateralAsset: decodeAsset(op.value.collateralAsset, `${field}.position.collateral_asset`),
        averageEntryPrice: decodeDecimal(op.value.averageEntryPrice, `${field}.position.average_entry_price`, Price),
        mode: decodePositionMode(op.value.mode, `${field}.position.mode`, true)!,
        leverage: decodedLeverage,
      };
    }
    case "accountPnl": {
      const state = decodePnlState(op.value.state, `${field}.account_pnl.state`);
      return { kind: "accountPnl", state: state ?? missing(`${field}.account_pnl.state`) };
    }
    default:
      return missing(`${field}.balance|position|account_pnl`);
  }
}

export function decodeAccountAdjustment(a: pb.AccountAdjustment, field: string): AccountAdjustment {
  const bound = (text: string | undefined, name: string) => decodeOptionalDecimal(text, `${field}.${name}`, PositionSize);
  return {
    operation: decodeOperation(a, field),
    amount: {
      balance: decodeAmount(a.balanceAmount, `${field}.balance_amount`),
      held: decodeAmount(a.heldAmount, `${field}.held_amount`),
      incoming: decodeAmount(a.incomingAmount, `${field}.incoming_amount`),
    },
    bounds: {
      balanceLower: bound(a.balanceLower, "balance_lower"),
      balanceUpper: bound(a.balanceUpper, "balance_upper"),
      heldLower: bound(a.heldLower, "held_lower"),
      heldUpper: bound(a.heldUpper, "held_upper"),
      incomingLower: bound(a.incomingLower, "incoming_lower"),
      incomingUpper: bound(a.incomingUpper, "incoming_upper"),
    },
  };
}

export function decodeAdjustments(list: readonly pb.AccountAdjustment[], field: string, max: number): AccountAdjustment[] {
  if (list.length > max) invalid(field, `at most ${max} adjustments per batch`);
  return list.map((a, i) => decodeAccountAdjustment(a, `${field}[${i}]`));
}
