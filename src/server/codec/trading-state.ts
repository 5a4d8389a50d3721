/** Trading states, control scopes and kill-switch notices on the wire (trading_state.proto). */
import { create } from "@bufbuild/protobuf";
import * as ts from "../../../gen/openpit/sidecar/v1/trading_state_pb.js";
import type { ControlScope, TradingStateName } from "../../model/index.js";
import { invalid, missing } from "../../state/command-error.js";
import { decodeAccountId, decodeGroupId, decodePolicyName } from "./scalars.js";
import { boundedReason } from "./reason.js";
import type { SetTradingState } from "../../state/trading-state-admin.js";
import type { TradingStateEntry } from "../../policies/trading-state/index.js";

const STATE_TO_WIRE: Record<TradingStateName, ts.TradingState> = {
  ACTIVE: ts.TradingState.ACTIVE,
  REDUCING: ts.TradingState.REDUCING,
  HALTED: ts.TradingState.HALTED,
};

export function encodeTradingState(state: TradingStateName): ts.TradingState {
  return STATE_TO_WIRE[state];
}

export function decodeTradingState(value: ts.TradingState, field: string): TradingStateName {
  switch (value) {
    case ts.TradingState.ACTIVE:
      return "ACTIVE";
    case ts.TradingState.REDUCING:
      return "REDUCING";
    case ts.TradingState.HALTED:
      return "HALTED";
    case ts.TradingState.UNSPECIFIED:
      return missing(field);
    default:
      return invalid(field, `unknown trading state ${value as number}`);
  }
}

export function encodeScope(scope: ControlScope): ts.TradingStateScope {
  switch (scope.kind) {
    case "account":
      return create(ts.TradingStateScopeSchema, { scope: { case: "accountId", value: scope.accountId } });
    case "group":
      return create(ts.TradingStateScopeSchema, { scope: { case: "groupId", value: scope.group } });
    case "global":
      return create(ts.TradingStateScopeSchema, { scope: { case: "global", value: true } });
  }
}

/** Account id 0 and group id 0 are "absent"; `global` must be true when chosen. */
export function decodeScope(scope: ts.TradingStateScope | undefined, field: string): ControlScope {
  const s = scope?.scope;
  switch (s?.case) {
    case "accountId":
      return { kind: "account", accountId: decodeAccountId(s.value, `${field}.account_id`) };
    case "groupId":
      if (s.value === 0) missing(`${field}.group_id`);
      return { kind: "group", group: decodeGroupId(s.value) };
    case "global":
      if (!s.value) invalid(`${field}.global`, "must be true when chosen");
      return { kind: "global" };
    default:
      return missing(`${field}.account_id|group_id|global`);
  }
}

/** SetTradingState as the door's command; fields checked in proto order. */
export function decodeSetTradingState(r: ts.SetTradingStateRequest): SetTradingState {
  const scope = decodeScope(r.scope, "scope");
  const state = decodeTradingState(r.state, "state");
  if (r.cancelWorkingOrders && state !== "HALTED") invalid("cancel_working_orders", "only a HALTED state cancels working orders");
  return {
    kind: "setTradingState",
    scope,
    state,
    reason: boundedReason(r.reason, "reason"),
    policy: r.policyName === "" ? undefined : decodePolicyName(r.policyName, "policy_name"),
    cancelWorkingOrders: r.cancelWorkingOrders,
  };
}

export function encodeTradingStates(entries: readonly TradingStateEntry[]): Partial<ts.GetTradingStatesResponse> {
  return {
    entries: entries.map((e) => create(ts.TradingStateEntrySchema, { scope: encodeScope(e.scope), state: encodeTradingState(e.state), reason: e.reason })),
  };
}
