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
  const entries = lock.entries();
  const prices = new Array<pb.LockPrice>(entries.length);
  for (let i = 0; i < entries.length; i++) {
    const [group, price] = entries[i]!;
    prices[i] = { $typeName: "openpit.sidecar.v1.LockPrice", policyGroupId: group, price: price.toString() };
  }
  return { $typeName: "openpit.sidecar.v1.PreTradeLock", prices };
}

function encodeAmount(a: OutcomeAmount | undefined): pb.OutcomeAmount | undefined {
  return a && { $typeName: "openpit.sidecar.v1.OutcomeAmount", delta: a.delta.toString(), absolute: a.absolute.toString() };
}

export function encodePnlOutcome(p: PnlOutcome | undefined): pb.PnlOutcome | undefined {
  if (!p) return undefined;
  return {
    $typeName: "openpit.sidecar.v1.PnlOutcome",
    result:
      p.kind === "value"
        ? { case: "value", value: { $typeName: "openpit.sidecar.v1.OutcomeAmount", delta: p.delta.toString(), absolute: p.absolute.toString() } }
        : { case: "halted", value: encodeHaltReason(p.reason) },
  };
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
  const result = encodePnlOutcome(p.result);
  const out: pb.AccountPnl = { $typeName: "openpit.sidecar.v1.AccountPnl", accountId: p.accountId, policyGroupId: p.policyGroupId };
  if (result) out.result = result;
  return out;
}

/** Every fill's answer: literals too (see above). */
export function encodePostTrade(r: PostTradeResult): pb.PostTradeResult {
  return {
    $typeName: "openpit.sidecar.v1.PostTradeResult",
    accountBlocks: r.accountBlocks.length === 0 ? [] : r.accountBlocks.map(encodeBlock),
    accountPnls: r.accountPnls.length === 0 ? [] : r.accountPnls.map(encodeAccountPnl),
    accountAdjustments: encodeOutcomes(r.accountAdjustments),
    duplicateExecutionId: r.duplicateExecutionId === true,
  };
}
