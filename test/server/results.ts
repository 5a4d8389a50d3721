import { create, toJson, toJsonString, type JsonValue } from "@bufbuild/protobuf";
import type { ServiceError, status } from "@grpc/grpc-js";
import { CommandResultSchema, type CommandResult, type OpenResponse } from "../../gen/openpit/sidecar/v1/channel_pb.js";
import type { CommandError } from "../../gen/openpit/sidecar/v1/errors_pb.js";
import * as pb from "../../gen/openpit/sidecar/v1/types_pb.js";
import { ACCOUNT, type Harness } from "./harness.js";

type Result = CommandResult["result"];
type ResultCase = NonNullable<Result["case"]>;

/** The result's value if it is of `kind`; otherwise fails with the whole result printed. */
export function as<K extends ResultCase>(r: CommandResult | undefined, kind: K): Extract<Result, { case: K }>["value"] {
  if (r?.result.case !== kind) {
    throw new Error(`expected a ${kind} result, got ${r ? toJsonString(CommandResultSchema, r) : "no result"}`);
  }
  return r.result.value as never;
}

export const errorOf = (r: CommandResult | undefined): CommandError => as(r, "error");

/**
 * A result in proto3 JSON form: defaults are omitted and uint64 becomes a string, so one
 * `toEqual` pins every field the server set and nothing else.
 */
export function json(r: CommandResult | undefined): JsonValue {
  if (!r) throw new Error("no result");
  return toJson(CommandResultSchema, r);
}

/** Handle ids are `channelId << 32 | seq` (see HandleTable). */
export function handleId(channelId: bigint, seq: bigint): bigint {
  return (channelId << 32n) | seq;
}

export interface FillInit {
  readonly qty: string;
  readonly price: string;
  /** The reservation's lock price (default group). */
  readonly lockPrice?: string;
  readonly side?: pb.Side;
  readonly accountId?: bigint;
}

/**
 * A final AAPL/USD fill for ACCOUNT against a lock price of 100. P&L and fee default to
 * "0": the P&L kill switch blocks an account whose report lacks them.
 */
export function fill({ qty, price, lockPrice = "100", side = pb.Side.BUY, accountId = ACCOUNT }: FillInit): pb.ExecutionReport {
  return create(pb.ExecutionReportSchema, {
    instrument: { underlyingAsset: "AAPL", settlementAsset: "USD" },
    accountId,
    side,
    pnl: "0",
    fee: "0",
    lastTrade: { price, quantity: qty },
    leavesQuantity: "0",
    isFinal: true,
    lock: { prices: [{ policyGroupId: 0, price: lockPrice }] },
  });
}

/** A fee-only report (no trade): SpotFunds debits `usd` from the account's available USD. */
export function feeReport(usd: string, accountId = ACCOUNT): pb.ExecutionReport {
  return create(pb.ExecutionReportSchema, {
    instrument: { underlyingAsset: "AAPL", settlementAsset: "USD" },
    accountId,
    side: pb.Side.BUY,
    pnl: "0",
    fee: "0",
    fillFee: { amount: usd, currency: "USD" },
  });
}

/** Resolves with the next server notice of `kind` the channel receives. */
export function nextNotice<K extends NonNullable<NonNullable<OpenResponse["notice"]>["notice"]["case"]>>(
  notices: NoticeTap,
  kind: K,
): Promise<Extract<NonNullable<OpenResponse["notice"]>["notice"], { case: K }>["value"]> {
  return new Promise((resolve) => {
    notices.waiters.push((m) => {
      const n = m.notice?.notice;
      if (n?.case !== kind) return false;
      resolve(n.value as never);
      return true;
    });
  });
}

/** Collects a channel's notices and wakes whoever waits for one; pass `tap.onNotice` to `h.channel`. */
export class NoticeTap {
  readonly seen: OpenResponse[] = [];
  readonly waiters: ((m: OpenResponse) => boolean)[] = [];
  readonly onNotice = (m: OpenResponse): void => {
    this.seen.push(m);
    for (let i = 0; i < this.waiters.length; i++) {
      if (this.waiters[i]!(m)) this.waiters.splice(i--, 1);
    }
  };
}

/** An admin call that must fail: its status code, message and `openpit-error-kind` trailer. */
export async function adminFailure(h: Harness, method: string, request: unknown): Promise<[status, string, string]> {
  const e = await h.admin(method, request).then(
    () => {
      throw new Error(`${method} succeeded`);
    },
    (err: unknown) => err as ServiceError,
  );
  return [e.code, e.details, String(e.metadata.get("openpit-error-kind")[0])];
}
