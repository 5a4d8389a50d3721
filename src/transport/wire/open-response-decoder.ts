/**
 * `OpenResponse` from bytes, specialised by hand for the results an order flow receives
 * (execute, start, finalize, error); other results and notices are decoded by protobuf-es
 * from their own bytes, and anything unusual sends the whole message to `fromBinary`
 * (see proto-reader.ts). The TypeScript client's side of open-request-decoder.ts; tests
 * compare it with `fromBinary` on randomized and corrupted messages.
 */
import { fromBinary } from "@bufbuild/protobuf";
import {
  ChannelNoticeSchema,
  CommandResultSchema,
  OpenResponseSchema,
  type CommandResult,
  type ExecuteResult,
  type OpenResponse,
  type StartResult,
} from "../../../gen/openpit/sidecar/v1/channel_pb.js";
import type { CommandError } from "../../../gen/openpit/sidecar/v1/errors_pb.js";
import type { AccountOutcome, LockPrice, OutcomeAmount, PnlOutcome, PreTradeLock, Reject } from "../../../gen/openpit/sidecar/v1/types_pb.js";
import { LEN, ProtoReader, UNEXPECTED, VARINT } from "./proto-reader.js";

export function decodeOpenResponse(bytes: Uint8Array): OpenResponse {
  try {
    return readOpenResponse(new ProtoReader(bytes));
  } catch {
    return fromBinary(OpenResponseSchema, bytes);
  }
}

function readOpenResponse(r: ProtoReader): OpenResponse {
  const m: OpenResponse = { $typeName: "openpit.sidecar.v1.OpenResponse", correlationId: 0n, results: [] };
  while (!r.done) {
    const tag = r.uint32();
    if (tag === VARINT(1)) m.correlationId = r.uint64();
    else if (tag === LEN(2)) m.results.push(r.nested(readCommandResult));
    else if (tag === LEN(3) && m.notice === undefined) m.notice = r.nested((n) => fromBinary(ChannelNoticeSchema, n.buf.subarray(n.pos, n.end)));
    // A second occurrence would merge into the first: protobuf-es decodes that message.
    else if (tag === LEN(4) && m.error === undefined) m.error = r.nested(readError);
    else throw UNEXPECTED;
  }
  return m;
}

function readCommandResult(r: ProtoReader): CommandResult {
  const start = r.pos;
  if (r.done) return { $typeName: "openpit.sidecar.v1.CommandResult", result: { case: undefined } };
  const tag = r.uint32();
  let result: CommandResult["result"] | undefined;
  switch (tag) {
    case LEN(1):
      result = { case: "error", value: r.nested(readError) };
      break;
    case LEN(3):
      result = { case: "start", value: r.nested(readStart) };
      break;
    case LEN(4):
      result = { case: "execute", value: r.nested(readExecute) };
      break;
    case LEN(7):
      result = { case: "finalize", value: { $typeName: "openpit.sidecar.v1.FinalizeResult", id: r.nested((n) => n.singleId()) } };
      break;
  }
  // Another kind, or a second oneof member after the first: protobuf-es decodes this one.
  if (result === undefined || !r.done) return fromBinary(CommandResultSchema, r.buf.subarray(start, r.end));
  return { $typeName: "openpit.sidecar.v1.CommandResult", result };
}

export function readError(r: ProtoReader): CommandError {
  const e: CommandError = { $typeName: "openpit.sidecar.v1.CommandError", code: 0, message: "", field: "", ownerAddress: "" };
  while (!r.done) {
    const tag = r.uint32();
    if (tag === VARINT(1)) e.code = r.int32();
    else if (tag === LEN(2)) e.message = r.string();
    else if (tag === LEN(3)) e.field = r.string();
    else if (tag === LEN(4)) e.ownerAddress = r.string();
    else throw UNEXPECTED;
  }
  return e;
}

function readStart(r: ProtoReader): StartResult {
  const s: StartResult = { $typeName: "openpit.sidecar.v1.StartResult", accepted: false, requestId: 0n, rejects: [] };
  while (!r.done) {
    const tag = r.uint32();
    if (tag === VARINT(1)) s.accepted = r.bool();
    else if (tag === VARINT(2)) s.requestId = r.uint64();
    else if (tag === LEN(3)) s.rejects.push(r.nested(readReject));
    else throw UNEXPECTED;
  }
  return s;
}

function readExecute(r: ProtoReader): ExecuteResult {
  const x: ExecuteResult = {
    $typeName: "openpit.sidecar.v1.ExecuteResult",
    accepted: false,
    reservationId: 0n,
    committed: false,
    accountAdjustments: [],
    rejects: [],
  };
  while (!r.done) {
    const tag = r.uint32();
    if (tag === VARINT(1)) x.accepted = r.bool();
    else if (tag === VARINT(2)) x.reservationId = r.uint64();
    else if (tag === VARINT(3)) x.committed = r.bool();
    else if (tag === LEN(4) && x.lock === undefined) x.lock = r.nested(readLock);
    else if (tag === LEN(5)) x.accountAdjustments.push(r.nested(readOutcome));
    else if (tag === LEN(6)) x.rejects.push(r.nested(readReject));
    else throw UNEXPECTED;
  }
  return x;
}

export function readLock(r: ProtoReader): PreTradeLock {
  const lock: PreTradeLock = { $typeName: "openpit.sidecar.v1.PreTradeLock", prices: [] };
  while (!r.done) {
    if (r.uint32() !== LEN(1)) throw UNEXPECTED;
    lock.prices.push(r.nested(readLockPrice));
  }
  return lock;
}

function readLockPrice(r: ProtoReader): LockPrice {
  const p: LockPrice = { $typeName: "openpit.sidecar.v1.LockPrice", policyGroupId: 0, price: "" };
  while (!r.done) {
    const tag = r.uint32();
    if (tag === VARINT(1)) p.policyGroupId = r.uint32();
    else if (tag === LEN(2)) p.price = r.string();
    else throw UNEXPECTED;
  }
  return p;
}

function readAmount(r: ProtoReader): OutcomeAmount {
  const a: OutcomeAmount = { $typeName: "openpit.sidecar.v1.OutcomeAmount", delta: "", absolute: "" };
  while (!r.done) {
    const tag = r.uint32();
    if (tag === LEN(1)) a.delta = r.string();
    else if (tag === LEN(2)) a.absolute = r.string();
    else throw UNEXPECTED;
  }
  return a;
}

export function readPnl(r: ProtoReader): PnlOutcome {
  const p: PnlOutcome = { $typeName: "openpit.sidecar.v1.PnlOutcome", result: { case: undefined } };
  while (!r.done) {
    if (p.result.case !== undefined) throw UNEXPECTED;
    const tag = r.uint32();
    if (tag === LEN(1)) p.result = { case: "value", value: r.nested(readAmount) };
    else if (tag === VARINT(2)) p.result = { case: "halted", value: r.int32() };
    else throw UNEXPECTED;
  }
  return p;
}

export function readOutcome(r: ProtoReader): AccountOutcome {
  const o: AccountOutcome = { $typeName: "openpit.sidecar.v1.AccountOutcome", policyGroupId: 0, asset: "" };
  while (!r.done) {
    const tag = r.uint32();
    if (tag === VARINT(1)) o.policyGroupId = r.uint32();
    else if (tag === LEN(2)) o.asset = r.string();
    else if (tag === LEN(3) && o.balance === undefined) o.balance = r.nested(readAmount);
    else if (tag === LEN(4) && o.held === undefined) o.held = r.nested(readAmount);
    else if (tag === LEN(5) && o.incoming === undefined) o.incoming = r.nested(readAmount);
    else if (tag === LEN(6) && o.realizedPnl === undefined) o.realizedPnl = r.nested(readPnl);
    else if (tag === LEN(7)) o.averageEntryPrice = r.string();
    else throw UNEXPECTED;
  }
  return o;
}

function readReject(r: ProtoReader): Reject {
  const j: Reject = { $typeName: "openpit.sidecar.v1.Reject", policy: "", code: 0, reason: "", details: "", scope: 0 };
  while (!r.done) {
    const tag = r.uint32();
    if (tag === LEN(1)) j.policy = r.string();
    else if (tag === VARINT(2)) j.code = r.int32();
    else if (tag === LEN(3)) j.reason = r.string();
    else if (tag === LEN(4)) j.details = r.string();
    else if (tag === VARINT(5)) j.scope = r.int32();
    else throw UNEXPECTED;
  }
  return j;
}
