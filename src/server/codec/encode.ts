/** Rejects, blocks, locks, outcomes and post-trade results on the wire. */
import { create } from "@bufbuild/protobuf";
import * as pb from "../../../gen/openpit/sidecar/v1/types_pb.js";
import type {
  AccountAdjustmentOutcome,
  AccountBlock,
  AccountPnlOutcome,
  OutcomeAmount,
  PnlOutcome,
  PnlState,
  PostTradeResult,
  PreTradeLock,
  Reject,
} from "../../model/index.js";
import { encodeHaltReason, encodeRejectCode, encodeScope } from "./enums.js";

export function encodeReject(r: Reject): pb.Reject {
  return create(pb.RejectSchema, {
    policy: r.policy,
    code: encodeRejectCode(r.code),
    reason: r.reason,
    details: r.details,
    scope: encodeScope(r.scope),
  });
}

export function encodeRejects(rejects: readonly Reject[]): pb.Reject[] {
  return rejects.map(encodeReject);
}

export function encodeBlock(b: AccountBlock): pb.AccountBlock {
  return create(pb.AccountBlockSchema, { policy: b.policy, code: encodeRejectCode(b.code), reason: b.reason, details: b.details });
}

// The encoders on the accept path (lock, outcomes, amounts) build message literals rather
// than calling `create()`: protobuf-es encodes a complete literal with its `$typeName` byte
// for byte like a created message, and skipping `create()` saves about a microsecond of
// sidecar CPU per accepted order (see docs/performance.md).

export function encodeLock(lock: PreTradeLock): pb.PreTradeLock {
  const prices: pb.LockPrice[] = [];
  for (const [group, price] of lock.entries()) {
    prices.push({ $typeName: "openpit.sidecar.v1.LockPrice", policyGroupId: group, price: price.toString() });
  }
  return { $typeName: "openpit.sidecar.v1.PreTradeLock", prices };
}

function encodeAmount(a: OutcomeAmount | undefined): pb.OutcomeAmount | undefined {
  return a && { $typeName: "openpit.sidecar.v1.OutcomeAmount", delta: a.delta.toString(), absolute: a.absolute.toString() };
}

export function encodePnlOutcome(p: PnlOutcome | undefined): pb.PnlOutcome | undefined {
  if (!p) return undefined;
  return create(pb.PnlOutcomeSchema, {
    result:
      p.kind === "value"
        ? { case: "value", value: create(pb.OutcomeAmountSchema, { delta: p.delta.toString(), absolute: p.absolute.toString() }) }
        : { case: "halted", value: encodeHaltReason(p.reason) },
  });
}

export function encodePnlState(s: PnlState | undefined): pb.PnlState | undefined {
  if (!s) return undefined;
  return create(pb.PnlStateSchema, {
    state: s.kind === "value" ? { case: "value", value: s.value.toString() } : { case: "halted", value: encodeHaltReason(s.reason) },
  });
}

export function encodeOutcome(o: AccountAdjustmentOutcome): pb.AccountOutcome {
  const e = o.entry;
  return {
    $typeName: "openpit.sidecar.v1.AccountOutcome",
    policyGroupId: o.policyGroupId,
    asset: e.asset,
    balance: encodeAmount(e.balance),
    held: encodeAmount(e.held),
    incoming: encodeAmount(e.incoming),
    realizedPnl: encodePnlOutcome(e.realizedPnl),
    averageEntryPrice: e.averageEntryPrice?.toString(),
  };
}

export function encodeOutcomes(list: readonly AccountAdjustmentOutcome[]): pb.AccountOutcome[] {
  return list.map(encodeOutcome);
}

function encodeAccountPnl(p: AccountPnlOutcome): pb.AccountPnl {
  return create(pb.AccountPnlSchema, { accountId: p.accountId, policyGroupId: p.policyGroupId, result: encodePnlOutcome(p.result) });
}

export function encodePostTrade(r: PostTradeResult): pb.PostTradeResult {
  return create(pb.PostTradeResultSchema, {
    accountBlocks: r.accountBlocks.map(encodeBlock),
    accountPnls: r.accountPnls.map(encodeAccountPnl),
    accountAdjustments: encodeOutcomes(r.accountAdjustments),
  });
}
