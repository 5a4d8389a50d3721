/**
 * The raw generator's answers, decoded by hand and only as far as the oracle and the
 * latency need them: the correlation id; for an order the outcome, its reject codes, the
 * lock prices and the balance leg of each account outcome; for a top-up whether it was
 * accepted; for a fill the account blocks; whole-message and per-command errors. Every
 * other field is skipped unread. The views keep protobuf-es's field names, so the oracle
 * reads them as it would read the generated messages.
 *
 * A malformed answer throws (the caller fails the stream: its answers can no longer be
 * matched to what was sent). Tests compare the views with protobuf-es's `fromBinary`.
 */
import { ProtoReader } from "../src/transport/wire/proto-reader.js";

export interface ErrorView {
  readonly code: number;
  readonly message: string;
}

export interface RejectView {
  readonly code: number;
  readonly details: string;
}

export interface AmountView {
  readonly delta: string;
  readonly absolute: string;
}

export interface OutcomeView {
  readonly asset: string;
  readonly balance: AmountView | undefined;
}

export interface ExecuteView {
  readonly accepted: boolean;
  readonly committed: boolean;
  readonly reservationId: number;
  readonly lock: { readonly prices: readonly { readonly price: string }[] } | undefined;
  readonly accountAdjustments: readonly OutcomeView[];
  readonly rejects: readonly RejectView[];
}

export interface PostTradeView {
  readonly accountBlocks: readonly { readonly reason: string }[];
}

/** A command's or a report's result; "other" is any kind the generator never expects (`field` says which). */
export type ResultView =
  | { readonly case: "execute"; readonly value: ExecuteView }
  | { readonly case: "adjustment"; readonly value: { readonly accepted: boolean } }
  | { readonly case: "error"; readonly value: ErrorView }
  | { readonly case: "postTrade"; readonly value: PostTradeView }
  | { readonly case: "other"; readonly value: { readonly field: number } };

export interface ResultHolder {
  readonly result: ResultView;
}

/** An `OpenResponse` or a `PublishResponse`. */
export interface AnswerView {
  readonly correlationId: number;
  readonly results: readonly ResultHolder[];
  /** The message was refused whole (nothing ran). */
  readonly error: ErrorView | undefined;
  /** A `ChannelNotice` (OpenResponse only), not decoded. */
  readonly notice: boolean;
}

const WIRE_VARINT = 0;
const WIRE_I64 = 1;
const WIRE_LEN = 2;
const WIRE_I32 = 5;

class Malformed extends Error {
  override name = "MalformedAnswer";
}

/** Skips a field the view does not need. */
function skip(r: ProtoReader, tag: number): void {
  switch (tag & 7) {
    case WIRE_VARINT:
      r.uint64();
      return;
    case WIRE_I64:
      r.pos += 8;
      break;
    case WIRE_LEN:
      r.pos = r.lengthDelimitedEnd();
      return;
    case WIRE_I32:
      r.pos += 4;
      break;
    default:
      throw new Malformed(`wire type ${tag & 7} of field ${tag >>> 3}`);
  }
  if (r.pos > r.end) throw new Malformed("truncated field");
}

function text(r: ProtoReader): string {
  const end = r.lengthDelimitedEnd();
  const s = (r.buf as Buffer).toString("utf8", r.pos, end);
  r.pos = end;
  return s;
}

function readError(r: ProtoReader): ErrorView {
  let code = 0;
  let message = "";
  while (!r.done) {
    const tag = r.uint32();
    if (tag === 8) code = r.int32();
    else if (tag === 18) message = text(r);
    else skip(r, tag);
  }
  return { code, message };
}

function readReject(r: ProtoReader): RejectView {
  let code = 0;
  let details = "";
  while (!r.done) {
    const tag = r.uint32();
    if (tag === 16) code = r.int32();
    else if (tag === 34) details = text(r);
    else skip(r, tag);
  }
  return { code, details };
}

function readAmount(r: ProtoReader): AmountView {
  let delta = "";
  let absolute = "";
  while (!r.done) {
    const tag = r.uint32();
    if (tag === 10) delta = text(r);
    else if (tag === 18) absolute = text(r);
    else skip(r, tag);
  }
  return { delta, absolute };
}

function readOutcome(r: ProtoReader): OutcomeView {
  let asset = "";
  let balance: AmountView | undefined;
  while (!r.done) {
    const tag = r.uint32();
    if (tag === 18) asset = text(r);
    else if (tag === 26) balance = r.nested(readAmount);
    else skip(r, tag);
  }
  return { asset, balance };
}

function readLockPrice(r: ProtoReader): { price: string } {
  let price = "";
  while (!r.done) {
    const tag = r.uint32();
    if (tag === 18) price = text(r);
    else skip(r, tag);
  }
  return { price };
}

function readLock(r: ProtoReader): { prices: { price: string }[] } {
  const prices: { price: string }[] = [];
  while (!r.done) {
    const tag = r.uint32();
    if (tag === 10) prices.push(r.nested(readLockPrice));
    else skip(r, tag);
  }
  return { prices };
}

function readExecute(r: ProtoReader): ExecuteView {
  let accepted = false;
  let committed = false;
  let reservationId = 0;
  let lock: ExecuteView["lock"];
  const accountAdjustments: OutcomeView[] = [];
  const rejects: RejectView[] = [];
  while (!r.done) {
    const tag = r.uint32();
    if (tag === 8) accepted = r.bool();
    else if (tag === 16) reservationId = Number(r.uint64());
    else if (tag === 24) committed = r.bool();
    else if (tag === 34) lock = r.nested(readLock);
    else if (tag === 42) accountAdjustments.push(r.nested(readOutcome));
    else if (tag === 50) rejects.push(r.nested(readReject));
    else skip(r, tag);
  }
  return { accepted, committed, reservationId, lock, accountAdjustments, rejects };
}

function readAdjustment(r: ProtoReader): { accepted: boolean } {
  let accepted = false;
  while (!r.done) {
    const tag = r.uint32();
    if (tag === 8) accepted = r.bool();
    else skip(r, tag);
  }
  return { accepted };
}

function readPostTrade(r: ProtoReader): PostTradeView {
  const accountBlocks: { reason: string }[] = [];
  while (!r.done) {
    const tag = r.uint32();
    if (tag === 10) accountBlocks.push(r.nested(readBlock));
    else skip(r, tag);
  }
  return { accountBlocks };
}

function readBlock(r: ProtoReader): { reason: string } {
  let reason = "";
  while (!r.done) {
    const tag = r.uint32();
    if (tag === 26) reason = text(r);
    else skip(r, tag);
  }
  return { reason };
}

/** `CommandResult`: error 1, execute 4, adjustment 9; the last oneof member wins, as in protobuf. */
function readCommandResult(r: ProtoReader): ResultHolder {
  let result: ResultView | undefined;
  while (!r.done) {
    const tag = r.uint32();
    if (tag === 10) result = { case: "error", value: r.nested(readError) };
    else if (tag === 34) result = { case: "execute", value: r.nested(readExecute) };
    else if (tag === 74) result = { case: "adjustment", value: r.nested(readAdjustment) };
    else {
      result = { case: "other", value: { field: tag >>> 3 } };
      skip(r, tag);
    }
  }
  return { result: result ?? { case: "other", value: { field: 0 } } };
}

/** `ReportResult`: error 1, postTrade 2. */
function readReportResult(r: ProtoReader): ResultHolder {
  let result: ResultView | undefined;
  while (!r.done) {
    const tag = r.uint32();
    if (tag === 10) result = { case: "error", value: r.nested(readError) };
    else if (tag === 18) result = { case: "postTrade", value: r.nested(readPostTrade) };
    else {
      result = { case: "other", value: { field: tag >>> 3 } };
      skip(r, tag);
    }
  }
  return { result: result ?? { case: "other", value: { field: 0 } } };
}

/** `errorField`: OpenResponse.error is field 4, PublishResponse.error field 3. */
function readAnswer(bytes: Buffer, readResult: (r: ProtoReader) => ResultHolder, errorField: number, noticeField: number): AnswerView {
  const r = new ProtoReader(bytes);
  let correlationId = 0;
  const results: ResultHolder[] = [];
  let error: ErrorView | undefined;
  let notice = false;
  const errorTag = errorField * 8 + WIRE_LEN;
  const noticeTag = noticeField * 8 + WIRE_LEN;
  try {
    while (!r.done) {
      const tag = r.uint32();
      if (tag === 8) correlationId = Number(r.uint64());
      else if (tag === 18) results.push(r.nested(readResult));
      else if (tag === errorTag) error = r.nested(readError);
      else if (tag === noticeTag) {
        notice = true;
        skip(r, tag);
      } else skip(r, tag);
    }
  } catch (e) {
    // ProtoReader signals truncation with a shared marker object, not an Error.
    throw e instanceof Error ? e : new Malformed(`truncated or malformed answer (${bytes.length} bytes)`);
  }
  return { correlationId, results, error, notice };
}

export function decodeOpenAnswer(bytes: Buffer): AnswerView {
  return readAnswer(bytes, readCommandResult, 4, 3);
}

export function decodePublishAnswer(bytes: Buffer): AnswerView {
  // PublishResponse has no notice field; -1 never matches a tag.
  return readAnswer(bytes, readReportResult, 3, -1);
}
