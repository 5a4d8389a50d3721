/**
 * Business rejects are values. Codes are string literals; the numbers are OpenPit's C ABI
 * values and what crosses the wire.
 */
export const REJECT_CODES = {
  MissingRequiredField: 1,
  InvalidFieldFormat: 2,
  InvalidFieldValue: 3,
  UnsupportedOrderType: 4,
  UnsupportedTimeInForce: 5,
  UnsupportedOrderAttribute: 6,
  DuplicateClientOrderId: 7,
  TooLateToEnter: 8,
  ExchangeClosed: 9,
  UnknownInstrument: 10,
  UnknownAccount: 11,
  UnknownVenue: 12,
  UnknownClearingAccount: 13,
  UnknownCollateralAsset: 14,
  InsufficientFunds: 15,
  InsufficientMargin: 16,
  InsufficientPosition: 17,
  CreditLimitExceeded: 18,
  RiskLimitExceeded: 19,
  OrderExceedsLimit: 20,
  OrderQtyExceedsLimit: 21,
  OrderNotionalExceedsLimit: 22,
  PositionLimitExceeded: 23,
  ConcentrationLimitExceeded: 24,
  LeverageLimitExceeded: 25,
  RateLimitExceeded: 26,
  PnlKillSwitchTriggered: 27,
  AccountBlocked: 28,
  AccountNotAuthorized: 29,
  ComplianceRestriction: 30,
  InstrumentRestricted: 31,
  JurisdictionRestriction: 32,
  WashTradePrevention: 33,
  SelfMatchPrevention: 34,
  ShortSaleRestriction: 35,
  RiskConfigurationMissing: 36,
  ReferenceDataUnavailable: 37,
  OrderValueCalculationFailed: 38,
  SystemUnavailable: 39,
  MarkPriceUnavailable: 40,
  AccountAdjustmentBoundsExceeded: 41,
  ArithmeticOverflow: 42,
  // Controls beyond OpenPit (docs/controls.md).
  PriceOutsideCollar: 43,
  ThrottleHardLimitExceeded: 44,
  RepeatedExecutionLimitExceeded: 45,
  GrossExposureLimitExceeded: 46,
  OpenOrderLimitExceeded: 47,
  // Controls beyond OpenPit (issue 12, trading states and restricted lists): 50-56.
  TradingHalted: 50,
  TradingReducingOnly: 51,
  InstrumentSellOnly: 52,
  Custom: 254,
  Other: 255,
} as const;

export type RejectCode = keyof typeof REJECT_CODES;

const CODE_BY_NUMBER = new Map<number, RejectCode>(
  Object.entries(REJECT_CODES).map(([name, n]) => [n, name as RejectCode]),
);

/** Unknown numbers map to `Other`, as OpenPit does for incoming codes. */
export function rejectCodeFromNumber(n: number): RejectCode {
  return CODE_BY_NUMBER.get(n) ?? "Other";
}

/**
 * OpenPit's `RejectCode::is_evaluation_failure()` (openpit-newer.md §D): the policy could not
 * evaluate the order at all (missing data, unknown reference, a calculation that failed),
 * as opposed to evaluating it and saying no. A drop-copy cannot be refused, but it fails
 * on these: its effects could not be computed.
 */
const EVALUATION_FAILURES: ReadonlySet<RejectCode> = new Set<RejectCode>([
  "MissingRequiredField",
  "UnknownInstrument",
  "UnknownAccount",
  "UnknownVenue",
  "UnknownClearingAccount",
  "UnknownCollateralAsset",
  "RiskConfigurationMissing",
  "ReferenceDataUnavailable",
  "OrderValueCalculationFailed",
  "SystemUnavailable",
  "MarkPriceUnavailable",
  "ArithmeticOverflow",
]);

export function isEvaluationFailure(code: RejectCode): boolean {
  return EVALUATION_FAILURES.has(code);
}

/** `order`: this order only. `account`: the engine latches a block on the account. */
export type RejectScope = "order" | "account";

/** What a policy returns; the engine stamps its name on it. */
export interface PolicyReject {
  readonly code: RejectCode;
  readonly reason: string;
  readonly details: string;
  readonly scope?: RejectScope;
  readonly userData?: unknown;
}

export interface Reject {
  readonly policy: string;
  readonly code: RejectCode;
  /** A short stable category. */
  readonly reason: string;
  /** The case-specific text. Never contains an account id. */
  readonly details: string;
  readonly scope: RejectScope;
  /** Opaque caller token; never read by the engine. */
  readonly userData?: unknown;
}

/** A block on an account: a reject without a scope (it is always account-wide). */
export interface AccountBlock {
  readonly policy: string;
  readonly code: RejectCode;
  readonly reason: string;
  readonly details: string;
  readonly userData?: unknown;
}

/** Whose block an account's orders hit: its own, its group's, or the global kill-switch latch. */
export type BlockScope = "account" | "group" | "global";

/** A block in force on an account, and whose it is. */
export interface BlockInForce {
  readonly block: AccountBlock;
  readonly scope: BlockScope;
}

export function rejectFromPolicy(policy: string, r: PolicyReject): Reject {
  return {
    policy,
    code: r.code,
    reason: r.reason,
    details: r.details,
    scope: r.scope ?? "order",
    ...(r.userData === undefined ? {} : { userData: r.userData }),
  };
}

export function blockToReject(block: AccountBlock): Reject {
  return { ...block, scope: "account" };
}

export function formatReject(r: Reject): string {
  return `[${r.policy}] ${r.reason}: ${r.details}`;
}

/** The one text for a field a policy needed but the message did not carry. */
export function missingField(field: string, scope: RejectScope = "order"): PolicyReject {
  return {
    code: "MissingRequiredField",
    reason: `failed to access required field '${field}'`,
    details: `failed to access required field '${field}'`,
    scope,
  };
}
