/**
 * The channel's and the feed's answers written straight from the door's domain results to
 * protobuf bytes.
 *
 * encode-results.ts builds generated messages (`CommandResult`, `ExecuteResult`, a lock,
 * an `AccountOutcome` and its amounts per outcome…) that the hand encoders in
 * src/transport/wire then serialise at once: about 1 KiB of objects per accepted order and
 * per fill, made only to be thrown away (docs/performance.md, "Allocation per order").
 * Here the hot kinds — accepted and rejected orders and starts, finalize, errors, a fill's
 * post-trade result — are written field by field from the domain values; every other kind
 * (and anything answered before the door, already a generated message) is built by
 * encode-results.ts and written by the wire encoder, so rarely used shapes stay defined by
 * the schema alone.
 *
 * The bytes must be exactly protobuf-es's `toBinary` of what encode-results.ts builds (the
 * field rules below mirror it: fields in number order, implicit-presence scalars skipped at
 * their zero value, message fields written when set); test/server/wire/write-answers.test.ts
 * holds them to it on random results of every kind.
 */
import type { CommandResult } from "../../../gen/openpit/sidecar/v1/channel_pb.js";
import type { ReportResult as WireReportResult } from "../../../gen/openpit/sidecar/v1/feed_pb.js";
import type { AccountAdjustmentOutcome, AccountBlock, AccountPnlOutcome, PnlOutcome, PostTradeResult, PreTradeLock, Reject } from "../../model/index.js";
import type { DecimalValue, Price } from "../../param/index.js";
import { writeDecimalField } from "./decimal-field.js";
import { boundedMessage, type CommandError } from "../../state/command-error.js";
import type { ChannelResult, ReportResult } from "../../state/results.js";
import { EncodedMessage, encodeResults } from "../../transport/wire/encoded-message.js";
import { writeCommandResult } from "../../transport/wire/open-response-encoder.js";
import type { ProtoWriter } from "../../transport/wire/proto-writer.js";
import { writeReportResult } from "../../transport/wire/publish-response-encoder.js";
import { encodeChannelResult, encodeErrorCode, reportResults } from "./encode-results.js";
import { encodeHaltReason, encodeRejectCode, encodeScope } from "./enums.js";

/** One command's answer: from the door (domain), or answered before it (already a generated message). */
export type ChannelAnswer = ChannelResult | CommandResult;

/** One report's answer, likewise. */
export type FeedAnswer = ReportResult | WireReportResult;

/** An `OpenResponse` of `correlationId` with one result per answer, in order. */
export function encodeChannelAnswers(correlationId: bigint, answers: readonly ChannelAnswer[]): EncodedMessage {
  return encodeResults(correlationId, answers, writeChannelAnswer);
}

/** A `PublishResponse` of `correlationId` with one result per answer, in order. */
export function encodeFeedAnswers(correlationId: bigint, answers: readonly FeedAnswer[]): EncodedMessage {
  return encodeResults(correlationId, answers, writeFeedAnswer);
}

/** The generated message of one answer (runOpenRequest's answers as objects: tests, the in-process bench). */
export function channelAnswerMessage(a: ChannelAnswer): CommandResult {
  return isGenerated(a) ? a : encodeChannelResult(a);
}

/** The same for a report's answer. */
export function feedAnswerMessage(a: FeedAnswer): WireReportResult {
  return isGenerated(a) ? a : reportResults.encode(a);
}

/** Generated messages carry their type name; the door's results a `kind`. */
function isGenerated(a: ChannelAnswer | FeedAnswer): a is CommandResult | WireReportResult {
  return (a as { $typeName?: string }).$typeName !== undefined;
}

/** `OpenResponse.results` (2): a `CommandResult`. */
function writeChannelAnswer(w: ProtoWriter, a: ChannelAnswer): void {
  if (isGenerated(a)) return writeCommandResult(w, a);
  // Each case below writes what encodeChannelResult would build for that kind.
  switch (a.kind) {
    case "executeAccepted": {
      const result = w.beginMessage(2);
      const x = w.beginMessage(4); // ExecuteResult
      w.boolField(1, true);
      if (a.reservationId !== 0n) w.uint64Field(2, a.reservationId);
      if (a.committed) w.boolField(3, true);
      writeLock(w, 4, a.lock);
      writeOutcomes(w, 5, a.outcomes);
      w.endMessage(x);
      w.endMessage(result);
      return;
    }
    case "executeRejected":
    case "startRejected": {
      const result = w.beginMessage(2);
      // ExecuteResult (4) rejects = 6; StartResult (3) rejects = 3.
      const x = a.kind === "executeRejected" ? w.beginMessage(4) : w.beginMessage(3);
      const field = a.kind === "executeRejected" ? 6 : 3;
      for (let i = 0; i < a.rejects.length; i++) writeReject(w, field, a.rejects[i]!);
      w.endMessage(x);
      w.endMessage(result);
      return;
    }
    case "startAccepted": {
      const result = w.beginMessage(2);
      const x = w.beginMessage(3); // StartResult
      w.boolField(1, true);
      if (a.requestId !== 0n) w.uint64Field(2, a.requestId);
      w.endMessage(x);
      w.endMessage(result);
      return;
    }
    case "finalized": {
      const result = w.beginMessage(2);
      const x = w.beginMessage(7); // FinalizeResult
      if (a.id !== 0n) w.uint64Field(1, a.id);
      w.endMessage(x);
      w.endMessage(result);
      return;
    }
    case "error": {
      const result = w.beginMessage(2);
      writeError(w, 1, a.error);
      w.endMessage(result);
      return;
    }
    default:
      writeCommandResult(w, encodeChannelResult(a));
  }
}

/** `PublishResponse.results` (2): a `ReportResult`. */
function writeFeedAnswer(w: ProtoWriter, a: FeedAnswer): void {
  if (isGenerated(a) || a.kind !== "postTrade") return writeReportResult(w, feedAnswerMessage(a));
  const result = w.beginMessage(2);
  const p = w.beginMessage(2); // PostTradeResult
  const r: PostTradeResult = a.result;
  for (let i = 0; i < r.accountBlocks.length; i++) writeBlock(w, 1, r.accountBlocks[i]!);
  for (let i = 0; i < r.accountPnls.length; i++) writeAccountPnl(w, 2, r.accountPnls[i]!);
  writeOutcomes(w, 3, r.accountAdjustments);
  if (r.duplicateExecutionId === true) w.boolField(4, true);
  w.endMessage(p);
  w.endMessage(result);
}

function writeError(w: ProtoWriter, field: number, e: CommandError): void {
  const mark = w.beginMessage(field);
  const code = encodeErrorCode(e.code);
  if (code) w.int32Field(1, code);
  if (e.message) w.stringField(2, boundedMessage(e.message));
  if (e.field) w.stringField(3, e.field);
  if (e.ownerAddress) w.stringField(4, e.ownerAddress);
  w.endMessage(mark);
}

function writeReject(w: ProtoWriter, field: number, r: Reject): void {
  writeBlock(w, field, r, encodeScope(r.scope));
}

/** `AccountBlock`; a `Reject` is the same fields plus its scope (5). */
function writeBlock(w: ProtoWriter, field: number, b: AccountBlock, scope = 0): void {
  const mark = w.beginMessage(field);
  if (b.policy) w.stringField(1, b.policy);
  const code = encodeRejectCode(b.code);
  if (code) w.int32Field(2, code);
  if (b.reason) w.stringField(3, b.reason);
  if (b.details) w.stringField(4, b.details);
  if (scope) w.int32Field(5, scope);
  w.endMessage(mark);
}

/** `PreTradeLock`: its `LockPrice`s (1), default group first, as `encodeLock`. */
function writeLock(w: ProtoWriter, field: number, lock: PreTradeLock): void {
  const mark = w.beginMessage(field);
  // The usual lock (default-group prices only) read as it is: a new lock per accepted
  // order, so `entries()` built its pairs for every answer.
  const defaults = lock.defaultsOnly();
  if (defaults !== undefined) {
    for (let i = 0; i < defaults.length; i++) writeLockPrice(w, 0, defaults[i]!);
  } else {
    const entries = lock.entries();
    for (let i = 0; i < entries.length; i++) writeLockPrice(w, entries[i]![0], entries[i]![1]);
  }
  w.endMessage(mark);
}

function writeLockPrice(w: ProtoWriter, group: number, price: Price): void {
  const inner = w.beginMessage(1);
  if (group !== 0) w.uint32Field(1, group);
  writeDecimalField(w, 2, price);
  w.endMessage(inner);
}

function writeOutcomes(w: ProtoWriter, field: number, list: readonly AccountAdjustmentOutcome[]): void {
  for (let i = 0; i < list.length; i++) writeOutcome(w, field, list[i]!);
}

/** `AccountOutcome`, as `encodeOutcome`. */
function writeOutcome(w: ProtoWriter, field: number, o: AccountAdjustmentOutcome): void {
  const mark = w.beginMessage(field);
  const e = o.entry;
  if (o.policyGroupId !== 0) w.uint32Field(1, o.policyGroupId);
  if (e.asset) w.stringField(2, e.asset);
  if (e.balance) writeAmount(w, 3, e.balance.delta, e.balance.absolute);
  if (e.held) writeAmount(w, 4, e.held.delta, e.held.absolute);
  if (e.incoming) writeAmount(w, 5, e.incoming.delta, e.incoming.absolute);
  if (e.realizedPnl) writePnl(w, 6, e.realizedPnl);
  if (e.averageEntryPrice) writeDecimalField(w, 7, e.averageEntryPrice);
  w.endMessage(mark);
}

/** `OutcomeAmount` from a pair of decimals (positions, P&L; a decimal's text is never empty, so both are written). */
function writeAmount(w: ProtoWriter, field: number, delta: DecimalValue, absolute: DecimalValue): void {
  const mark = w.beginMessage(field);
  writeDecimalField(w, 1, delta);
  writeDecimalField(w, 2, absolute);
  w.endMessage(mark);
}

/** `PnlOutcome`: a value (1) or a halt (2; a oneof member is written even at zero). */
function writePnl(w: ProtoWriter, field: number, p: PnlOutcome): void {
  const mark = w.beginMessage(field);
  if (p.kind === "value") writeAmount(w, 1, p.delta, p.absolute);
  else w.int32Field(2, encodeHaltReason(p.reason));
  w.endMessage(mark);
}

function writeAccountPnl(w: ProtoWriter, field: number, a: AccountPnlOutcome): void {
  const mark = w.beginMessage(field);
  if (a.accountId !== 0n) w.uint64Field(1, a.accountId);
  if (a.policyGroupId !== 0) w.uint32Field(2, a.policyGroupId);
  if (a.result) writePnl(w, 3, a.result);
  w.endMessage(mark);
}
