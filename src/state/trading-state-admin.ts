/**
 * The operator's trading-state change (AdminService.SetTradingState) against the engine's
 * TradingStatePolicy. A halt may also fire the kill switch's cancel notices for its scope.
 */
import type { Engine } from "../engine/index.js";
import { quoted } from "../param/quoted.js";
import type { AccountBlock, ControlScope, TradingStateName } from "../model/index.js";
import { TradingStatePolicy } from "../policies/trading-state/index.js";
import { CommandError } from "./command-error.js";

export interface SetTradingState {
  readonly kind: "setTradingState";
  /** The TradingStatePolicy to change; undefined = the only one configured. */
  readonly policy: string | undefined;
  readonly scope: ControlScope;
  readonly state: TradingStateName;
  readonly reason: string;
  /** With HALTED: also tell the channels holding the scope's accounts to cancel their working orders. */
  readonly cancelWorkingOrders: boolean;
}

/** The named (or the one) TradingStatePolicy; a typed error when there is none. */
export function tradingStatePolicyOf(engine: Engine, name: string | undefined): TradingStatePolicy {
  if (name !== undefined) {
    const policy = engine.policy(name);
    if (!policy) throw new CommandError("UNKNOWN_NAME", "policy_name", `no policy named ${quoted(name)}`);
    if (!(policy instanceof TradingStatePolicy)) throw new CommandError("FAILED_PRECONDITION", "policy_name", `policy ${quoted(name)} is not a TradingStatePolicy`);
    return policy;
  }
  const found = engine.policies.filter((p): p is TradingStatePolicy => p instanceof TradingStatePolicy);
  if (found.length === 0) throw new CommandError("FAILED_PRECONDITION", "policy_name", "no TradingStatePolicy is configured");
  if (found.length > 1) throw new CommandError("MISSING_FIELD", "policy_name", "policy_name: several TradingStatePolicy instances are configured; name one");
  return found[0]!;
}

/** The block a halting kill switch's notice carries: the trading-state reject's texts. */
function haltBlock(policy: string): AccountBlock {
  return { policy, code: "TradingHalted", reason: "trading halted", details: "trading state HALTED was set by an operator" };
}

export function runSetTradingState(
  engine: Engine,
  c: SetTradingState,
): { previous: TradingStateName; changed: boolean; cancelWorkingOrders?: { scope: ControlScope; block: AccountBlock } } {
  const policy = tradingStatePolicyOf(engine, c.policy);
  // The wire's codec refuses this before the door (nothing journaled); the door still
  // refuses it for in-process callers and for journals written before the codec did.
  if (c.cancelWorkingOrders && c.state !== "HALTED") {
    throw new CommandError("INVALID_VALUE", "cancel_working_orders", "cancel_working_orders: only a HALTED state cancels working orders");
  }
  // The same state again (ACTIVE, or a halt with the same reason) changes nothing: no event,
  // as unblocking an account that is not blocked announces none (found by review).
  const changed = policy.stateOf(c.scope) !== c.state || (c.state !== "ACTIVE" && policy.reasonOf(c.scope) !== c.reason);
  const previous = policy.setState(c.scope, c.state, c.reason);
  return c.cancelWorkingOrders ? { previous, changed, cancelWorkingOrders: { scope: c.scope, block: haltBlock(policy.name) } } : { previous, changed };
}
