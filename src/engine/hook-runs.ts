/**
 * The policies implementing each hook, resolved once when the engine is built, and the
 * loops that run a pre-trade stage's hooks over an order.
 */
import type { Order } from "../model/order.js";
import { rejectFromPolicy, type Reject } from "../model/reject.js";
import type { CallContext } from "./pretrade/contexts.js";
import { PolicyCallbackError } from "./errors.js";
import type { Mutations } from "./pretrade/mutations.js";
import type { PolicyPreTradeResult, PreTradePolicy } from "./pretrade/policy.js";
import { StageHooks, type MainHook, type StartHook } from "./pretrade/stage-hooks.js";
import { MainOutcome } from "./stage-outcomes.js";
import { rollbackEvery } from "./reservation.js";

/** The policies that implement each hook, resolved once at build time. */
export interface HookLists {
  readonly start: StageHooks<StartHook>;
  readonly startDry: StageHooks<StartHook>;
  readonly main: StageHooks<MainHook>;
  readonly mainDry: StageHooks<MainHook>;
  readonly postTrade: readonly PreTradePolicy[];
  readonly adjustment: readonly PreTradePolicy[];
}

export function hookListsOf(policies: readonly PreTradePolicy[]): HookLists {
  const having = (pick: (p: PreTradePolicy) => unknown) => policies.filter((p) => pick(p) !== undefined);
  return {
    start: new StageHooks<StartHook>(policies, (p) => p.checkPreTradeStart),
    startDry: new StageHooks<StartHook>(policies, (p) => p.checkPreTradeStartDryRun ?? p.checkPreTradeStart),
    main: new StageHooks<MainHook>(policies, (p) => p.performPreTradeCheck),
    mainDry: new StageHooks<MainHook>(policies, (p) => p.performPreTradeCheckDryRun ?? p.performPreTradeCheck),
    postTrade: having((p) => p.applyExecutionReport),
    adjustment: having((p) => p.applyAccountAdjustment),
  };
}

/**
 * Every start hook runs, even after a reject; rejects keep policy order. `onRejects` hears each
 * policy's rejects as soon as it returns (a drop copy records their block then, before a later
 * policy's: first cause wins, as in runMain).
 */
export function runStart(ctx: CallContext, order: Order, hooks: StageHooks<StartHook>, onRejects?: (rejects: readonly Reject[]) => void): Reject[] | undefined {
  let rejects: Reject[] | undefined;
  const { policies, names, fns } = hooks;
  for (let i = 0; i < policies.length; i++) {
    const name = names[i]!;
    ctx.currentPolicy = name;
    let out;
    try {
      out = fns[i]!.call(policies[i]!, ctx, order);
    } catch (e) {
      throw new PolicyCallbackError(name, "checkPreTradeStart", e);
    }
    if (out && out.length > 0) {
      rejects ??= [];
      const from = rejects.length;
      for (const r of out) rejects.push(rejectFromPolicy(name, r));
      if (onRejects) onRejects(rejects.slice(from));
    }
  }
  return rejects;
}

/** Every main hook runs, even after a reject; a throw rolls back what was registered. */
export function runMain(
  ctx: CallContext,
  order: Order,
  mutations: Mutations,
  hooks: StageHooks<MainHook>,
  dryRun: boolean,
  onRejects?: (rejects: readonly Reject[]) => void,
): MainOutcome {
  const result = new MainOutcome(dryRun);
  const { policies, names, fns } = hooks;
  for (let i = 0; i < policies.length; i++) {
    const policy = policies[i]!;
    const name = names[i]!;
    ctx.currentPolicy = name;
    mutations.owner = name;
    let out: PolicyPreTradeResult | undefined | void;
    try {
      out = fns[i]!.call(policy, ctx, order, mutations);
    } catch (e) {
      if (!dryRun) rollbackEvery(mutations.handOver(), ctx);
      throw new PolicyCallbackError(name, "performPreTradeCheck", e);
    }
    if (out) {
      const rejects = result.add(policy, out);
      if (rejects && onRejects) onRejects(rejects);
    }
  }
  return result;
}
