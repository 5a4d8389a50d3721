/** Domain enums to and from their proto enums. */
import * as pb from "../../../gen/openpit/sidecar/v1/types_pb.js";
import { REJECT_CODES, rejectCodeFromNumber, type BlockScope, type RejectCode, type RejectScope } from "../../model/index.js";
import type { PnlHaltReason } from "../../model/index.js";
import type { PositionEffect, PositionMode, PositionSide, Side } from "../../param/index.js";
import { missing, unknownEnum } from "../../state/command-error.js";

/** Maps proto enums to the domain's string literals; UNSPECIFIED is "absent". */
function decoder<D extends string>(table: Record<number, D>) {
  return (value: number, field: string, required: boolean): D | undefined => {
    if (value === 0) return required ? missing(field) : undefined;
    const decoded = table[value];
    return decoded ?? unknownEnum(field, value);
  };
}

function encoder<D extends string>(table: Record<number, D>): (value: D) => number {
  const reverse = new Map<D, number>(Object.entries(table).map(([n, d]) => [d, Number(n)]));
  return (value) => reverse.get(value) ?? 0;
}

const SIDES: Record<number, Side> = { [pb.Side.BUY]: "BUY", [pb.Side.SELL]: "SELL" };
const POSITION_SIDES: Record<number, PositionSide> = { [pb.PositionSide.LONG]: "LONG", [pb.PositionSide.SHORT]: "SHORT" };
const POSITION_EFFECTS: Record<number, PositionEffect> = {
  [pb.PositionEffect.OPEN]: "OPEN",
  [pb.PositionEffect.CLOSE]: "CLOSE",
};
const POSITION_MODES: Record<number, PositionMode> = {
  [pb.PositionMode.NETTING]: "netting",
  [pb.PositionMode.HEDGED]: "hedged",
};
const HALT_REASONS: Record<number, PnlHaltReason> = {
  [pb.PnlHaltReason.MISSING_FX]: "MissingFx",
  [pb.PnlHaltReason.MISSING_ACCOUNT_CURRENCY]: "MissingAccountCurrency",
  [pb.PnlHaltReason.MISSING_INITIAL_PNL]: "MissingInitialPnl",
  [pb.PnlHaltReason.MISSING_COST_BASIS]: "MissingCostBasis",
  [pb.PnlHaltReason.ARITHMETIC_OVERFLOW]: "ArithmeticOverflow",
};

export const decodeSide = decoder(SIDES);
export const decodePositionSide = decoder(POSITION_SIDES);
export const decodePositionEffect = decoder(POSITION_EFFECTS);
export const decodePositionMode = decoder(POSITION_MODES);
export const decodeHaltReason = decoder(HALT_REASONS);
export const encodeHaltReason = encoder(HALT_REASONS);

/** The wire numbers are OpenPit's C ABI numbers, so the mapping is the identity on numbers. */
export function encodeRejectCode(code: RejectCode): pb.RejectCode {
  return REJECT_CODES[code] as pb.RejectCode;
}

export function decodeRejectCode(value: pb.RejectCode): RejectCode {
  return rejectCodeFromNumber(value);
}

export function encodeScope(scope: RejectScope): pb.RejectScope {
  return scope === "account" ? pb.RejectScope.ACCOUNT : pb.RejectScope.ORDER;
}

const BLOCK_SCOPES: Record<BlockScope, pb.BlockScope> = {
  account: pb.BlockScope.ACCOUNT,
  group: pb.BlockScope.GROUP,
  global: pb.BlockScope.GLOBAL,
};

/** Whose a block is; UNSPECIFIED when there is none. */
export function encodeBlockScope(scope: BlockScope | undefined): pb.BlockScope {
  return scope === undefined ? pb.BlockScope.UNSPECIFIED : BLOCK_SCOPES[scope];
}
