/** The value types whose construction or arithmetic can fail. */
export type ParamKind =
  | "Quantity"
  | "Volume"
  | "Notional"
  | "Price"
  | "Pnl"
  | "CashFlow"
  | "PositionSize"
  | "Fee"
  | "Leverage"
  | "Asset"
  | "AccountId"
  | "AccountGroupId"
  | "InstrumentId";

/** Stable error codes; the numbers match OpenPit's C ABI so other languages can map them. */
export const PARAM_ERROR_CODES = {
  Negative: 1,
  DivisionByZero: 2,
  Overflow: 3,
  Underflow: 4,
  InvalidFloat: 5,
  InvalidFormat: 6,
  InvalidPrice: 7,
  InvalidLeverage: 8,
  AssetEmpty: 9,
  AccountIdEmpty: 10,
  Other: 4294967295,
} as const;

export type ParamErrorCode = keyof typeof PARAM_ERROR_CODES;

/** Base of every error this project throws for misuse (never for business rejects). */
export class OpenpitError extends Error {
  override name = "OpenpitError";
}

/** A value could not be built or an arithmetic step would leave the exact domain. */
export class ParamError extends OpenpitError {
  override name = "ParamError";
  constructor(
    readonly kind: ParamKind,
    readonly code: ParamErrorCode,
    message: string,
  ) {
    super(`${kind}: ${message}`);
  }

  get numericCode(): number {
    return PARAM_ERROR_CODES[this.code];
  }
}
