/** The value types (Price, Quantity, Volume, Pnl, Fee, ...) and the arithmetic between them. */
import type { Decimal } from "decimal.js";
import { DecimalValue, makeValue, product, quotientScale } from "./decimal-value.js";
import { ParamError } from "./param-error.js";
import { quoted } from "./quoted.js";
import type { Side } from "./enums.js";

/** Signed price; negative prices exist (spreads, some futures). */
export class Price extends DecimalValue {
  // The fields are written here, not in DecimalValue: see the note on its fields (one receiver map per store site).
  constructor(
    override readonly small: number,
    override big: Decimal | undefined,
    override readonly scale: number,
  ) {
    super();
  }

  /** See `DecimalValue.name`: keeps the class name without the loader redefining it. */
  // @ts-expect-error TS2699: deliberate, see DecimalValue.name
  static override get name(): string {
    return "Price";
  }

  static override readonly kind = "Price" as const;

  /** Settlement notional of `quantity` at this price: |p| × q. */
  calculateVolume(quantity: Quantity): Volume {
    return product(Volume, this.abs(), quantity);
  }
}

/** Instrument units; never negative. */
export class Quantity extends DecimalValue {
  // The fields are written here, not in DecimalValue: see the note on its fields (one receiver map per store site).
  constructor(
    override readonly small: number,
    override big: Decimal | undefined,
    override readonly scale: number,
  ) {
    super();
  }

  /** See `DecimalValue.name`: keeps the class name without the loader redefining it. */
  // @ts-expect-error TS2699: deliberate, see DecimalValue.name
  static override get name(): string {
    return "Quantity";
  }

  static override readonly kind = "Quantity" as const;
  static override readonly nonNegative = true;

  calculateVolume(price: Price): Volume {
    return price.calculateVolume(this);
  }
}

/** Settlement-currency notional of an order; never negative. */
export class Volume extends DecimalValue {
  // The fields are written here, not in DecimalValue: see the note on its fields (one receiver map per store site).
  constructor(
    override readonly small: number,
    override big: Decimal | undefined,
    override readonly scale: number,
  ) {
    super();
  }

  /** See `DecimalValue.name`: keeps the class name without the loader redefining it. */
  // @ts-expect-error TS2699: deliberate, see DecimalValue.name
  static override get name(): string {
    return "Volume";
  }

  static override readonly kind = "Volume" as const;
  static override readonly nonNegative = true;

  /** Units bought by this volume at `price`: v / |p|. A zero price is `InvalidPrice`. */
  calculateQuantity(price: Price): Quantity {
    if (price.isZero()) throw new ParamError("Volume", "InvalidPrice", "cannot derive a quantity at price 0");
    const q = this.decimal.dividedBy(price.decimal.abs());
    return makeValue(Quantity, q, quotientScale(q, this.scale, price.scale));
  }

  toCashFlowInflow(): CashFlow {
    return CashFlow.from(this);
  }

  toCashFlowOutflow(): CashFlow {
    return CashFlow.from(this).neg();
  }
}

/** |price| × quantity; never negative. */
export class Notional extends DecimalValue {
  // The fields are written here, not in DecimalValue: see the note on its fields (one receiver map per store site).
  constructor(
    override readonly small: number,
    override big: Decimal | undefined,
    override readonly scale: number,
  ) {
    super();
  }

  /** See `DecimalValue.name`: keeps the class name without the loader redefining it. */
  // @ts-expect-error TS2699: deliberate, see DecimalValue.name
  static override get name(): string {
    return "Notional";
  }

  static override readonly kind = "Notional" as const;
  static override readonly nonNegative = true;

  calculateMarginRequired(leverage: Leverage): Notional {
    const m = this.decimal.dividedBy(leverage.toDecimalValue().decimal);
    return makeValue(Notional, m, quotientScale(m, this.scale, 1));
  }
}

/** Realized profit and loss; positive is a gain. */
export class Pnl extends DecimalValue {
  // The fields are written here, not in DecimalValue: see the note on its fields (one receiver map per store site).
  constructor(
    override readonly small: number,
    override big: Decimal | undefined,
    override readonly scale: number,
  ) {
    super();
  }

  /** See `DecimalValue.name`: keeps the class name without the loader redefining it. */
  // @ts-expect-error TS2699: deliberate, see DecimalValue.name
  static override get name(): string {
    return "Pnl";
  }

  static override readonly kind = "Pnl" as const;

  static fromFee(fee: Fee): Pnl {
    return Pnl.from(fee).neg();
  }
}

/** Positive is a cost, negative a rebate. */
export class Fee extends DecimalValue {
  // The fields are written here, not in DecimalValue: see the note on its fields (one receiver map per store site).
  constructor(
    override readonly small: number,
    override big: Decimal | undefined,
    override readonly scale: number,
  ) {
    super();
  }

  /** See `DecimalValue.name`: keeps the class name without the loader redefining it. */
  // @ts-expect-error TS2699: deliberate, see DecimalValue.name
  static override get name(): string {
    return "Fee";
  }

  static override readonly kind = "Fee" as const;

  toPnl(): Pnl {
    return Pnl.fromFee(this);
  }
}

/** Positive is an inflow, negative an outflow. */
export class CashFlow extends DecimalValue {
  // The fields are written here, not in DecimalValue: see the note on its fields (one receiver map per store site).
  constructor(
    override readonly small: number,
    override big: Decimal | undefined,
    override readonly scale: number,
  ) {
    super();
  }

  /** See `DecimalValue.name`: keeps the class name without the loader redefining it. */
  // @ts-expect-error TS2699: deliberate, see DecimalValue.name
  static override get name(): string {
    return "CashFlow";
  }

  static override readonly kind = "CashFlow" as const;
}

/** Positive is long, negative short; also used for balances, which may go negative. */
export class PositionSize extends DecimalValue {
  // The fields are written here, not in DecimalValue: see the note on its fields (one receiver map per store site).
  constructor(
    override readonly small: number,
    override big: Decimal | undefined,
    override readonly scale: number,
  ) {
    super();
  }

  /** See `DecimalValue.name`: keeps the class name without the loader redefining it. */
  // @ts-expect-error TS2699: deliberate, see DecimalValue.name
  static override get name(): string {
    return "PositionSize";
  }

  static override readonly kind = "PositionSize" as const;

  static fromQuantityAndSide(quantity: Quantity, side: Side): PositionSize {
    const size = PositionSize.from(quantity);
    return side === "BUY" ? size : size.neg();
  }
}

/**
 * Fixed-point leverage with one decimal digit: 1.0 to 3000.0 in steps of 0.1, held as
 * the integer number of tenths (10..30000) exactly as OpenPit's u16 representation.
 */
export class Leverage {
  static readonly MIN_TENTHS = 10;
  static readonly MAX_TENTHS = 30000;

  private constructor(readonly tenths: number) {}

  static fromTenths(tenths: number): Leverage {
    if (!Number.isInteger(tenths) || tenths < Leverage.MIN_TENTHS || tenths > Leverage.MAX_TENTHS) {
      throw new ParamError("Leverage", "InvalidLeverage", `leverage must be 1.0..3000.0 in steps of 0.1, got ${tenths / 10}`);
    }
    return new Leverage(tenths);
  }

  static fromString(text: string): Leverage {
    const value = LeverageDecimal.fromString(text);
    const tenths = value.decimal.times(10);
    if (!tenths.isInteger()) {
      throw new ParamError("Leverage", "InvalidLeverage", `leverage ${quoted(text)} is not a multiple of 0.1`);
    }
    // The range is checked on the exact decimal and the text repeats what was sent: a double
    // would print 1e+22, or other digits, for a value the client never wrote (found by review).
    if (tenths.lt(Leverage.MIN_TENTHS) || tenths.gt(Leverage.MAX_TENTHS)) {
      throw new ParamError("Leverage", "InvalidLeverage", `leverage must be 1.0..3000.0 in steps of 0.1, got ${text}`);
    }
    return Leverage.fromTenths(tenths.toNumber());
  }

  toDecimalValue(): LeverageDecimal {
    return LeverageDecimal.fromString(this.toString());
  }

  toString(): string {
    return `${Math.trunc(this.tenths / 10)}.${this.tenths % 10}`;
  }

  toJSON(): string {
    return this.toString();
  }
}

/** Leverage as an exact decimal, for arithmetic. */
class LeverageDecimal extends DecimalValue {
  // The fields are written here, not in DecimalValue: see the note on its fields (one receiver map per store site).
  constructor(
    override readonly small: number,
    override big: Decimal | undefined,
    override readonly scale: number,
  ) {
    super();
  }

  // @ts-expect-error TS2699: deliberate, see DecimalValue.name
  static override get name(): string {
    return "LeverageDecimal";
  }

  static override readonly kind = "Leverage" as const;
  static override readonly nonNegative = true;
}
