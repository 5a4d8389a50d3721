/** Account events (blocks, halts, configuration, recovery rollbacks) on the wire. */
import { create } from "@bufbuild/protobuf";
import * as ev from "../../../gen/openpit/sidecar/v1/events_pb.js";
import { SoftLimitCrossedSchema } from "../../../gen/openpit/sidecar/v1/controls_pb.js";
import type { SequencedEvent } from "../../state/event-hub.js";
import { encodeAuditRecord } from "./audit.js";
import { encodeBlock } from "./encode.js";
import { encodeHaltReason } from "./enums.js";
import { encodeScope, encodeTradingState } from "./trading-state.js";
import * as tsp from "../../../gen/openpit/sidecar/v1/trading_state_pb.js";
import type { RollbackReason } from "../../state/event-hub.js";

const ROLLBACK_REASONS: Record<RollbackReason, ev.RollbackReason> = {
  recovery: ev.RollbackReason.RECOVERY,
  connectionLost: ev.RollbackReason.CONNECTION_LOST,
  clientEnded: ev.RollbackReason.CLIENT_ENDED,
  shutdown: ev.RollbackReason.SHUTDOWN,
  closedByPolicy: ev.RollbackReason.CLOSED_BY_POLICY,
  expired: ev.RollbackReason.EXPIRED,
  fenced: ev.RollbackReason.FENCED,
};

export function encodeEvent({ sequence, event: e, actor }: SequencedEvent): ev.AccountEvent {
  let event: ev.AccountEvent["event"];
  switch (e.kind) {
    case "accountBlocked":
      event = { case: "accountBlocked", value: create(ev.AccountBlockedSchema, { accountId: e.accountId, block: encodeBlock(e.block) }) };
      break;
    case "accountUnblocked":
      event = { case: "accountUnblocked", value: create(ev.AccountUnblockedSchema, { accountId: e.accountId }) };
      break;
    case "accountBlockReasonReplaced":
      event = {
        case: "accountBlockReasonReplaced",
        value: create(ev.AccountBlockReasonReplacedSchema, { accountId: e.accountId, block: encodeBlock(e.block) }),
      };
      break;
    case "groupBlocked":
      event = { case: "groupBlocked", value: create(ev.GroupBlockedSchema, { groupId: e.group, block: encodeBlock(e.block) }) };
      break;
    case "groupUnblocked":
      event = { case: "groupUnblocked", value: create(ev.GroupUnblockedSchema, { groupId: e.group }) };
      break;
    case "groupBlockReasonReplaced":
      event = {
        case: "groupBlockReasonReplaced",
        value: create(ev.GroupBlockReasonReplacedSchema, { groupId: e.group, block: encodeBlock(e.block) }),
      };
      break;
    case "globalBlocked":
      event = { case: "globalBlocked", value: create(ev.GlobalBlockedSchema, { block: encodeBlock(e.block) }) };
      break;
    case "pnlHalted":
      event = {
        case: "pnlHalted",
        value: create(ev.PnlHaltedSchema, {
          accountId: e.accountId,
          policyGroupId: e.policyGroupId,
          reason: encodeHaltReason(e.reason),
        }),
      };
      break;
    case "reservationsRolledBack":
      event = {
        case: "reservationsRolledBack",
        value: create(ev.ReservationsRolledBackSchema, {
          accountId: e.accountId,
          reservationIds: [...e.reservationIds],
          reason: ROLLBACK_REASONS[e.reason],
          channelId: e.channelId ?? 0n,
        }),
      };
      break;
    case "tradingStateChanged":
      event = {
        case: "tradingStateChanged",
        value: create(tsp.TradingStateChangedSchema, {
          scope: encodeScope(e.scope),
          state: encodeTradingState(e.state),
          previous: encodeTradingState(e.previous),
          reason: e.reason,
        }),
      };
      break;
    case "cancelWorkingOrdersSent":
      event = {
        case: "cancelWorkingOrdersSent",
        value: create(tsp.CancelWorkingOrdersSentSchema, {
          accountIds: [...e.accountIds],
          blockedBy: e.blockedBy,
          block: encodeBlock(e.block),
          channelIds: [...e.channelIds],
          scope: encodeScope(e.scope),
        }),
      };
      break;
    case "policyConfigured":
      event = { case: "policyConfigured", value: create(ev.PolicyConfiguredSchema, { policyName: e.policy }) };
      break;
    case "softLimitCrossed": {
      const { accountId, policy, limit, usage, max, share } = e;
      event = { case: "softLimitCrossed", value: create(SoftLimitCrossedSchema, { accountId, policy, limit, usage, max, share }) };
      break;
    }
    case "auditRecorded":
      event = { case: "auditRecorded", value: create(ev.AuditRecordedSchema, { record: encodeAuditRecord(e.record) }) };
      break;
  }
  return create(ev.AccountEventSchema, { sequence, event, actor: actor ?? "" });
}
