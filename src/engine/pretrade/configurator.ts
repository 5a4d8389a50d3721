/** Retunes policies by name at runtime: edits a copy, published only if the policy accepts it. */
import type { AccountId } from "../../param/ids.js";
import { quoted } from "../../param/quoted.js";
import type { AccountBlock } from "../../model/reject.js";
import { PolicyConfigureError, SettingsValidationError } from "../errors.js";
import type { EngineEvent } from "../events.js";
import type { PolicyBlock, PreTradePolicy } from "./policy.js";

/** A built-in whose settings can be retuned at runtime; its live state (counters) survives. */
export interface ConfigurablePolicy<S> extends PreTradePolicy {
  /** A deep copy of the current settings for a configure closure to edit. */
  settingsDraft(): S;
  /**
   * Validates and publishes; throws `SettingsValidationError` and keeps the old value on
   * failure. May return blocks the new settings earn at once (recorded by the engine).
   * `nowMs`: the engine clock's time (the retuning command's), for state the old settings
   * let lapse by then and the new ones must not bring back (ClientOrderIdPolicy's ids).
   */
  publishSettings(next: S, nowMs: number): PolicyConfigurationResult | void;
}

export type SettingsOf<P> = P extends ConfigurablePolicy<infer S> ? S : never;
export type PolicyClass<P> = abstract new (...args: never[]) => P;

/** Blocks a configuration action asks the engine to record. */
export interface PolicyConfigurationResult {
  readonly accountBlocks: readonly { readonly accountId: AccountId; readonly block: PolicyBlock }[];
}

/**
 * `engine.configure()`: retunes built-ins by policy name. The edit runs on a copy that is
 * published only if the closure returns normally and the policy accepts it.
 */
export class Configurator {
  private busy = false;

  constructor(
    private readonly policies: readonly PreTradePolicy[],
    private readonly record: (accountId: AccountId, block: AccountBlock) => void,
    private readonly emit: (event: EngineEvent) => void,
    private readonly nowMs: () => number,
  ) {}

  /** Returns the blocks the new settings earned (recorded, stamped with the policy's name). */
  update<P extends ConfigurablePolicy<unknown>>(
    name: string,
    type: PolicyClass<P>,
    edit: (draft: SettingsOf<P>) => void,
  ): readonly { readonly accountId: AccountId; readonly block: AccountBlock }[] {
    return this.apply(name, type, (policy) => {
      const draft = policy.settingsDraft() as SettingsOf<P>;
      edit(draft);
      return policy.publishSettings(draft, this.nowMs()) ?? undefined;
    });
  }

  /**
   * Runs a policy-specific action (e.g. setting a P&L accumulator) and records the blocks
   * it reports. Returns them with the policy's name stamped.
   */
  apply<P extends PreTradePolicy>(
    name: string,
    type: PolicyClass<P>,
    action: (policy: P) => PolicyConfigurationResult | undefined,
  ): readonly { readonly accountId: AccountId; readonly block: AccountBlock }[] {
    const out = this.run(name, type, action);
    const recorded = (out?.accountBlocks ?? []).map(({ accountId, block }) => ({ accountId, block: { ...block, policy: name } }));
    for (const { accountId, block } of recorded) this.record(accountId, block);
    return recorded;
  }

  private run<P extends PreTradePolicy, R>(name: string, type: PolicyClass<P>, action: (policy: P) => R): R {
    if (this.busy) throw new PolicyConfigureError("NestedConfiguration", "configure called from inside a configure closure");
    const policy = this.policies.find((p) => p.name === name);
    if (!policy) throw new PolicyConfigureError("UnknownPolicy", `no policy named ${quoted(name)}`);
    if (!(policy instanceof type)) {
      throw new PolicyConfigureError(
        "PolicyTypeMismatch",
        `policy ${quoted(name)} is a ${policy.constructor.name}, expected ${type.name}`,
      );
    }
    this.busy = true;
    let result: R;
    try {
      result = action(policy);
    } catch (e) {
      if (e instanceof PolicyConfigureError) throw e;
      const message = e instanceof Error ? e.message : String(e);
      throw new PolicyConfigureError("Validation", message);
    } finally {
      this.busy = false;
    }
    // Announced once published and outside the try: `Validation` means the old settings were
    // kept, and a listener is not inside the configure closure (found by review, session 34:
    // a listener's throw here was reported as `Validation` for settings already in force).
    this.emit({ kind: "policyConfigured", policy: name });
    return result;
  }
}

export { SettingsValidationError };
