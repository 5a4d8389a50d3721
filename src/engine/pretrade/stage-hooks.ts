/** The policies implementing one pre-trade hook, with their names and hook functions, resolved once when the engine is built. */
import type { Order } from "../../model/order.js";
import type { PolicyReject } from "../../model/reject.js";
import type { Mutations } from "./mutations.js";
import type { PolicyPreTradeResult, PreTradeContext, PreTradePolicy } from "./policy.js";

type Maybe<T> = T | undefined | void;

export type StartHook = (this: PreTradePolicy, ctx: PreTradeContext, order: Order) => Maybe<readonly PolicyReject[]>;
export type MainHook = (this: PreTradePolicy, ctx: PreTradeContext, order: Order, mutations: Mutations) => Maybe<PolicyPreTradeResult>;

/**
 * Parallel lists, index for index. The engine's stage loops read a policy's name and hook
 * from here rather than from the policy: with a dozen policy classes those property reads
 * were megamorphic lookups on every hook of every order. Policies' names and hooks are
 * fixed once the engine is built (the hook lists always were).
 */
export class StageHooks<F> {
  readonly policies: readonly PreTradePolicy[];
  readonly names: readonly string[];
  readonly fns: readonly F[];

  constructor(all: readonly PreTradePolicy[], pick: (p: PreTradePolicy) => F | undefined) {
    const policies: PreTradePolicy[] = [];
    const fns: F[] = [];
    for (const p of all) {
      const fn = pick(p);
      if (fn === undefined) continue;
      policies.push(p);
      fns.push(fn);
    }
    this.policies = policies;
    this.names = policies.map((p) => p.name);
    this.fns = fns;
  }

  get length(): number {
    return this.policies.length;
  }
}
