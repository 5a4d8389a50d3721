/**
 * The feed's `PublishRequest` from bytes straight to the door's execution reports.
 *
 * The generated-message path (publish-request-decoder.ts, then `decodeExecutionReport`)
 * built a generated report, its instrument, trade, fee and lock messages, the lock's price
 * list, a string per decimal and asset, then the domain report from them: a fifth of what
 * a report allocated. Here each report is read into locals and built as the domain report,
 * inside a `DecodedReport` (decoded-messages.ts).
 *
 * As for orders (wire-commands.ts), only the plain, valid case is recognised: anything
 * `decodeExecutionReport` would judge (an empty or malformed decimal, a blank asset, an
 * unknown enum, a lock group over 16 bits, a client order id out of bounds) or anything
 * unusual on the wire sends the whole message to the generated-message decoder, which
 * decodes it or reports the error exactly as before. A test compares both paths.
 */
import type { PublishRequest } from "../../../gen/openpit/sidecar/v1/feed_pb.js";
import type { ExecutionReport as WireReport } from "../../../gen/openpit/sidecar/v1/types_pb.js";
import { Fee, Pnl, PolicyGroupId, Price, Quantity, type AccountId, type Instrument, type PositionEffect } from "../../param/index.js";
import type { DecimalValue, ValueType } from "../../param/decimal-value.js";
import { PreTradeLock, type ExecutionReport, type MonetaryAmount, type Trade } from "../../model/index.js";
import { decodePublishRequest } from "../../transport/wire/publish-request-decoder.js";
import { LEN, ProtoReader, UNEXPECTED, VARINT } from "../../transport/wire/proto-reader.js";
import { DecodedReport } from "./decoded-messages.js";
import { checkClientOrderId, positionSideName, readInstrument, sideName } from "./wire-commands.js";
import { appended, nextListItem, readAsset, readDecimal, readSharedUint64 } from "./wire-values.js";

/** `PublishRequest` whose reports are already the door's reports; anything unusual decoded as before. */
export function decodePublishRequestToReports(bytes: Uint8Array): PublishRequest {
  try {
    return readPublishRequest(new ProtoReader(bytes));
  } catch {
    return decodePublishRequest(bytes);
  }
}

function readPublishRequest(r: ProtoReader): PublishRequest {
  const m: PublishRequest = { $typeName: "openpit.sidecar.v1.PublishRequest", correlationId: 0n, reports: [] };
  let reports: PublishRequest["reports"] | undefined;
  while (nextListItem(r, m)) reports = appended(reports, readReport(r));
  if (reports !== undefined) m.reports = reports;
  return m;
}

function readReport(r: ProtoReader): WireReport {
  const end = r.lengthDelimitedEnd();
  const start = r.pos;
  const outer = r.end;
  r.end = end;
  const report = readReportBody(r);
  r.end = outer;
  r.pos = end;
  return new DecodedReport(report, r.buf, start, end).asMessage();
}

/** `PositionEffect`'s name (OPEN = 1, CLOSE = 2), as a constant of the code (see `sideName`). */
export function positionEffectName(n: number): PositionEffect | undefined {
  return n === 1 ? "OPEN" : n === 2 ? "CLOSE" : undefined;
}

/**
 * The parts of a report that are usually absent, as `decodeExecutionReport` builds them
 * (both keys, both undefined), shared: reports are read, never changed, and equal parts
 * need not be separate objects.
 */
const NO_FINANCIAL_IMPACT = Object.freeze({ pnl: undefined, fee: undefined });
const NO_POSITION_IMPACT = Object.freeze({ positionEffect: undefined, positionSide: undefined });

/**
 * The usual P&L and fee of a fill, "0", as one shared value each: values are immutable
 * (their caches are of their own digits), so equal ones need not be separate objects.
 */
const PNL_ZERO = new Pnl(0, undefined, 0);
const FEE_ZERO = new Fee(0, undefined, 0);

/** A decimal field; the exact text "0" (length 1, the digit) gives `zero` itself. */
function readZeroOr<T extends DecimalValue>(r: ProtoReader, type: ValueType<T>, zero: T): T {
  const buf = r.buf;
  const at = r.pos;
  if (at + 1 < r.end && buf[at] === 1 && buf[at + 1] === 48) {
    r.pos = at + 2;
    return zero;
  }
  return readDecimal(r, type);
}

/**
 * Where the trade price of the report being read lies in the buffer (decoding is
 * synchronous), so that a lock price of the same bytes — a fill at the reserved price, the
 * usual case — is the same value rather than a second equal one. `-1`: none read yet.
 */
let tradePriceStart = -1;
let tradePriceEnd = -1;
let tradePrice: Price | undefined;

/** A report as `decodeExecutionReport` builds it (same keys, same order, same values), or `UNEXPECTED`. */
function readReportBody(r: ProtoReader): ExecutionReport {
  tradePriceStart = -1;
  tradePriceEnd = -1;
  tradePrice = undefined;
  let instrument: Instrument | undefined;
  let accountId = 0n;
  let side = 0;
  let pnl: Pnl | undefined;
  let fee: Fee | undefined;
  let lastTrade: Trade | undefined;
  let fillFee: MonetaryAmount | undefined;
  let leavesQuantity: Quantity | undefined;
  let lock: PreTradeLock | undefined;
  let isFinal = false;
  let positionEffect = 0;
  let positionSide = 0;
  let clientOrderId: string | undefined;
  let executionId: string | undefined;
  while (!r.done) {
    const tag = r.uint32();
    switch (tag) {
      // A message field seen twice merges: the generated path decodes that.
      case LEN(1):
        if (instrument !== undefined) throw UNEXPECTED;
        instrument = r.nested(readInstrument);
        break;
      case VARINT(2):
        accountId = readSharedUint64(r);
        break;
      case VARINT(3):
        side = r.int32();
        break;
      case LEN(4):
        pnl = readZeroOr(r, Pnl, PNL_ZERO);
        break;
      case LEN(5):
        fee = readZeroOr(r, Fee, FEE_ZERO);
        break;
      case LEN(6):
        if (lastTrade !== undefined) throw UNEXPECTED;
        lastTrade = r.nested(readTradeBody);
        break;
      case LEN(7):
        if (fillFee !== undefined) throw UNEXPECTED;
        fillFee = r.nested(readFillFeeBody);
        break;
      case LEN(8):
        leavesQuantity = readDecimal(r, Quantity);
        break;
      case LEN(9):
        if (lock !== undefined) throw UNEXPECTED;
        lock = r.nested(readLockBody);
        break;
      case VARINT(10):
        isFinal = r.bool();
        break;
      case VARINT(11):
        positionEffect = r.int32();
        break;
      case VARINT(12):
        positionSide = r.int32();
        break;
      case LEN(13):
        clientOrderId = r.string();
        break;
      case LEN(14):
        executionId = r.string();
        break;
      default:
        throw UNEXPECTED;
    }
  }
  const decodedSide = sideName(side);
  const decodedEffect = positionEffectName(positionEffect);
  const decodedPositionSide = positionSideName(positionSide);
  if ((side !== 0 && decodedSide === undefined) || (positionEffect !== 0 && decodedEffect === undefined)) throw UNEXPECTED;
  if (positionSide !== 0 && decodedPositionSide === undefined) throw UNEXPECTED;
  checkClientOrderId(clientOrderId);
  // The client order id's rule (decode-report.ts): a bad one is named by the generated path.
  checkClientOrderId(executionId);
  const report: { -readonly [K in keyof ExecutionReport]: ExecutionReport[K] } = {
    operation: {
      instrument,
      // In range by construction, as the order decoder's.
      accountId: accountId === 0n ? undefined : (accountId as AccountId),
      side: decodedSide,
    },
    financialImpact: pnl === undefined && fee === undefined ? NO_FINANCIAL_IMPACT : { pnl, fee },
    fill: { lastTrade, fee: fillFee, leavesQuantity, lock, isFinal },
    positionImpact: decodedEffect === undefined && decodedPositionSide === undefined ? NO_POSITION_IMPACT : { positionEffect: decodedEffect, positionSide: decodedPositionSide },
  };
  if (clientOrderId !== undefined) report.clientOrderId = clientOrderId;
  if (executionId !== undefined) report.executionId = executionId;
  return report;
}

/** `Trade { price = 1; quantity = 2 }`, both required. */
function readTradeBody(r: ProtoReader): Trade {
  let price: Price | undefined;
  let quantity: Quantity | undefined;
  while (!r.done) {
    const tag = r.uint32();
    if (tag === LEN(1)) {
      const start = r.pos;
      price = readDecimal(r, Price);
      tradePriceStart = start;
      tradePriceEnd = r.pos;
      tradePrice = price;
    } else if (tag === LEN(2)) quantity = readDecimal(r, Quantity);
    else throw UNEXPECTED;
  }
  if (price === undefined || quantity === undefined) throw UNEXPECTED;
  return { price, quantity };
}

/** `MonetaryAmount { amount = 1; currency = 2 }`, both required. */
function readFillFeeBody(r: ProtoReader): MonetaryAmount {
  let amount: Fee | undefined;
  let currency: string | undefined;
  while (!r.done) {
    const tag = r.uint32();
    if (tag === LEN(1)) amount = readDecimal(r, Fee);
    else if (tag === LEN(2)) currency = readAsset(r);
    else throw UNEXPECTED;
  }
  if (amount === undefined || currency === undefined) throw UNEXPECTED;
  return { amount, currency };
}

/** `PreTradeLock { repeated LockPrice prices = 1 }` as `decodeLock` builds it. */
function readLockBody(r: ProtoReader): PreTradeLock {
  // The usual lock, one price, built without a list of pairs (PreTradeLock.single).
  let first: Price | undefined;
  let firstGroup = PolicyGroupId.DEFAULT;
  let entries: (readonly [PolicyGroupId, Price])[] | undefined;
  while (!r.done) {
    if (r.uint32() !== LEN(1)) throw UNEXPECTED;
    const price = r.nested(readLockPrice);
    if (first === undefined) {
      first = price;
      firstGroup = lockGroup;
    } else {
      entries ??= [[firstGroup, first]];
      entries.push([lockGroup, price]);
    }
  }
  if (first === undefined) return PreTradeLock.of([]);
  return entries === undefined ? PreTradeLock.single(firstGroup, first) : PreTradeLock.of(entries);
}

/** The group `readLockPrice` read last (decoding is synchronous: no pair per price for it). */
let lockGroup = PolicyGroupId.DEFAULT;

/** `LockPrice { policy_group_id = 1; price = 2 }`: a group within 16 bits, a price present; the group goes to `lockGroup`. */
function readLockPrice(r: ProtoReader): Price {
  let group = 0;
  let price: Price | undefined;
  while (!r.done) {
    const tag = r.uint32();
    if (tag === VARINT(1)) group = r.uint32();
    else if (tag === LEN(2)) price = sameAsTradePrice(r) ?? readDecimal(r, Price);
    else throw UNEXPECTED;
  }
  if (group > 0xffff || price === undefined) throw UNEXPECTED;
  lockGroup = PolicyGroupId.fromU16(group);
  return price;
}

/** The report's trade price itself when the decimal field at the reader's position has its very bytes (length prefix included). */
function sameAsTradePrice(r: ProtoReader): Price | undefined {
  if (tradePrice === undefined) return undefined;
  const buf = r.buf;
  const at = r.pos;
  const n = tradePriceEnd - tradePriceStart;
  if (at + n > r.end) return undefined;
  for (let k = 0; k < n; k++) if (buf[at + k] !== buf[tradePriceStart + k]) return undefined;
  r.pos = at + n;
  return tradePrice;
}
