/**
 * The raw generator's answers, decoded by hand and only as far as the oracle and the
 * latency need them: the correlation id; for an order the outcome, its reject codes, the
 * lock prices and every account outcome (balance, held, incoming, realized P&L, average
 * entry price); for a top-up whether it was accepted, its rejects, outcomes and blocks;
 * for a fill the account blocks, account P&Ls and account outcomes; whole-message and
 * per-command errors. Every other field (policy group ids, texts the oracle does not
 * compare) is skipped unread. The views keep protobuf-es's field names, so the oracle
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

/** `PnlOutcome`: a value, or a halt reason (the enum's number). */
export interface PnlView {
  readonly result: { readonly case: "value"; readonly value: AmountView } | { readonly case: "halted"; readonly value: number } | { readonly case: undefined; readonly value?: undefined };
}

export interface OutcomeView {
  readonly asset: string;
  // Optional as in protobuf-es (the decoder always sets them, to undefined when absent).
  readonly balance?: AmountView | undefined;
  readonly held?: AmountView | undefined;
  readonly incoming?: AmountView | undefined;
  readonly realizedPnl?: PnlView | undefined;
  readonly averageEntryPrice?: string | undefined;
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
  readonly accountPnls: readonly { readonly accountId: number; readonly result: PnlView | undefined }[];
  readonly accountAdjustments: readonly OutcomeView[];
}

export interface AdjustmentView {
  readonly accepted: boolean;
  readonly failedIndex: number;
  readonly rejects: readonly RejectView[];
  readonly outcomes: readonly OutcomeView[];
  readonly accountBlocks: readonly { readonly reason: string }[];
}

/** A command's or a report's result; "other" is any kind the generator never expects (`field` says which). */
export type ResultView =
  | { readonly case: "execute"; readonly value: ExecuteView }
  | { readonly case: "adjustment"; readonly value: AdjustmentView }
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

/** The enum at `codeTag` and the text at `textTag` of a message (CommandError, Reject); other fields skipped. */
function codeAndText(r: ProtoReader, codeTag: number, textTag: number): { code: number; text: string } {
  let code = 0;
  let t = "";
  while (!r.done) {
    const tag = r.uint32();
    if (tag === codeTag) code = r.int32();
    else if (tag === textTag) t = text(r);
    else skip(r, tag);
  }
  return { code, text: t };
}

/** CommandError: code 1, message 2. */
function readError(r: ProtoReader): ErrorView {
  const { code, text: message } = codeAndText(r, 8, 18);
  return { code, message };
}

/** Reject: code 2, details 4. */
function readReject(r: ProtoReader): RejectView {
  const { code, text: details } = codeAndText(r, 16, 34);
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

/** The case of a `PnlOutcome` that held none (as protobuf-es has it), shared: it is never written to. */
const NO_PNL: PnlView["result"] = Object.freeze({ case: undefined });

/** PnlOutcome: value 1, halted 2 (a oneof: the last member wins). */
function readPnl(r: ProtoReader): PnlView {
  let result: PnlView["result"] = NO_PNL;
  while (!r.done) {
    const tag = r.uint32();
    if (tag === 10) result = { case: "value", value: r.nested(readAmount) };
    else if (tag === 16) result = { case: "halted", value: r.int32() };
    else skip(r, tag);
  }
  return { result };
}

/** AccountOutcome: asset 2, balance 3, held 4, incoming 5, realized_pnl 6, average_entry_price 7 (policy group 1 skipped). */
function readOutcome(r: ProtoReader): OutcomeView {
  let asset = "";
  let balance: AmountView | undefined;
  let held: AmountView | undefined;
  let incoming: AmountView | undefined;
  let realizedPnl: PnlView | undefined;
  let averageEntryPrice: string | undefined;
  while (!r.done) {
    const tag = r.uint32();
    if (tag === 18) asset = text(r);
    else if (tag === 26) balance = r.nested(readAmount);
    else if (tag === 34) held = r.nested(readAmount);
    else if (tag === 42) incoming = r.nested(readAmount);
    else if (tag === 50) realizedPnl = r.nested(readPnl);
    else if (tag === 58) averageEntryPrice = text(r);
    else skip(r, tag);
  }
  return { asset, balance, held, incoming, realizedPnl, averageEntryPrice };
}

/** AccountPnl: account id 1, result 3 (policy group 2 skipped). */
function readAccountPnl(r: ProtoReader): { accountId: number; result: PnlView | undefined } {
  let accountId = 0;
  let result: PnlView | undefined;
  while (!r.done) {
    const tag = r.uint32();
    if (tag === 8) accountId = Number(r.uint64());
    else if (tag === 26) result = r.nested(readPnl);
    else skip(r, tag);
  }
  return { accountId, result };
}

/** The last text at `textTag` of a message, other fields skipped. */
function lastText(r: ProtoReader, textTag: number): string {
  let t = "";
  while (!r.done) {
    const tag = r.uint32();
    if (tag === textTag) t = text(r);
    else skip(r, tag);
  }
  return t;
}

/** Every message at `listTag` (a repeated field), read with `read`; other fields skipped. */
function listOf<T>(r: ProtoReader, listTag: number, read: (r: ProtoReader) => T): T[] {
  const out: T[] = [];
  while (!r.done) {
    const tag = r.uint32();
    if (tag === listTag) out.push(r.nested(read));
    else skip(r, tag);
  }
  return out;
}

/** LockPrice: price 2. */
const readLockPrice = (r: ProtoReader): { price: string } => ({ price: lastText(r, 18) });

/** PreTradeLock: prices 1. */
const readLock = (r: ProtoReader): { prices: { price: string }[] } => ({ prices: listOf(r, 10, readLockPrice) });

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

/** AccountBlock: reason 3. */
const readBlock = (r: ProtoReader): { reason: string } => ({ reason: lastText(r, 26) });

/** AdjustmentBatchResult: accepted 1, failed index 2, rejects 3, outcomes 4, account blocks 5. */
function readAdjustment(r: ProtoReader): AdjustmentView {
  let accepted = false;
  let failedIndex = 0;
  const rejects: RejectView[] = [];
  const outcomes: OutcomeView[] = [];
  const accountBlocks: { reason: string }[] = [];
  while (!r.done) {
    const tag = r.uint32();
    if (tag === 8) accepted = r.bool();
    else if (tag === 16) failedIndex = r.uint32();
    else if (tag === 26) rejects.push(r.nested(readReject));
    else if (tag === 34) outcomes.push(r.nested(readOutcome));
    else if (tag === 42) accountBlocks.push(r.nested(readBlock));
    else skip(r, tag);
  }
  return { accepted, failedIndex, rejects, outcomes, accountBlocks };
}

/** PostTradeResult: account blocks 1, account P&Ls 2, account outcomes 3. */
function readPostTrade(r: ProtoReader): PostTradeView {
  const accountBlocks: { reason: string }[] = [];
  const accountPnls: { accountId: number; result: PnlView | undefined }[] = [];
  const accountAdjustments: OutcomeView[] = [];
  while (!r.done) {
    const tag = r.uint32();
    if (tag === 10) accountBlocks.push(r.nested(readBlock));
    else if (tag === 18) accountPnls.push(r.nested(readAccountPnl));
    else if (tag === 26) accountAdjustments.push(r.nested(readOutcome));
    else skip(r, tag);
  }
  return { accountBlocks, accountPnls, accountAdjustments };
}

/**
 * A message that is one oneof (`CommandResult`, `ReportResult`): `member` reads the members
 * the generator expects; any other is "other". The last member wins, as in protobuf.
 */
function readOneof(r: ProtoReader, member: (tag: number, r: ProtoReader) => ResultView | undefined): ResultHolder {
  let result: ResultView | undefined;
  while (!r.done) {
    const tag = r.uint32();
    result = member(tag, r);
    if (result === undefined) {
      result = { case: "other", value: { field: tag >>> 3 } };
      skip(r, tag);
    }
  }
  return { result: result ?? { case: "other", value: { field: 0 } } };
}

/** `CommandResult`: error 1, execute 4, adjustment 9. */
const commandResultMember = (tag: number, r: ProtoReader): ResultView | undefined =>
  tag === 10
    ? { case: "error", value: r.nested(readError) }
    : tag === 34
      ? { case: "execute", value: r.nested(readExecute) }
      : tag === 74
        ? { case: "adjustment", value: r.nested(readAdjustment) }
        : undefined;

/** `ReportResult`: error 1, postTrade 2. */
const reportResultMember = (tag: number, r: ProtoReader): ResultView | undefined =>
  tag === 10 ? { case: "error", value: r.nested(readError) } : tag === 18 ? { case: "postTrade", value: r.nested(readPostTrade) } : undefined;

const readCommandResult = (r: ProtoReader): ResultHolder => readOneof(r, commandResultMember);
const readReportResult = (r: ProtoReader): ResultHolder => readOneof(r, reportResultMember);

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
