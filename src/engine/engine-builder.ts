/** Assembles an Engine from its ordered policies, refusing an empty list, duplicate names or group ids, and policies already in an engine. */
import { systemClock, type Clock } from "./clock.js";
import { Engine } from "./engine.js";
import { EngineBuildError } from "./errors.js";
import type { ListenerErrorHandler } from "./events.js";
import type { PreTradePolicy } from "./pretrade/policy.js";
import type { SyncMode } from "./sync-mode.js";
import { ENGINE_NAME } from "./engine-name.js";
import type { ExecutionIdBounds } from "./execution-ids.js";

/**
 * Policy instances built into an engine. A policy keeps its state in itself and is attached
 * to its engine's registry and peers when built, so one instance in two engines shares its
 * state between them and follows the second's accounts (found by review, session 34: a
 * deposit into one engine let the other accept orders). Misuse detection only: nothing here
 * takes part in a decision. Weak: it keeps no policy alive; an instance stays refused once
 * its engine is dropped (its state is that engine's).
 */
const inAnEngine = new WeakSet<PreTradePolicy>();

/**
 * Collects the ordered policy list. Policies run in registration order in every stage.
 * `build()` refuses an empty list, duplicate names, duplicate non-default group ids and a
 * policy instance already in an engine; a builder builds one engine.
 */
export class EngineBuilder {
  private readonly policies: PreTradePolicy[] = [];
  private mode: SyncMode = "accountSync";
  /**
   * Epoch time by default, not time since this process started: policies keep absolute times
   * in their state (window logs, id acceptance times), and a snapshot restored into a new
   * process must find them in its past (found by review: restored, a rate window never
   * passed and ids were never forgotten until the new process had run as long as the old).
   */
  private engineClock: Clock = systemClock();
  private listenerErrors: ListenerErrorHandler | undefined;
  private idBounds: ExecutionIdBounds | undefined;
  private built = false;

  syncMode(mode: SyncMode): this {
    this.mode = mode;
    return this;
  }

  /** Time source handed to policies as `ctx.nowMs` (inject a `ManualClock` in tests); a restored snapshot needs one that continues its times. */
  clock(clock: Clock): this {
    this.engineClock = clock;
    return this;
  }

  /**
   * Where a throwing event listener's error goes (with the event); the engine has already
   * gone on without it. Default: rethrown in a microtask, so it surfaces as an uncaught error.
   */
  onListenerError(handler: ListenerErrorHandler): this {
    this.listenerErrors = handler;
    return this;
  }

  /**
   * How long and how many applied execution ids are remembered (default
   * DEFAULT_EXECUTION_ID_BOUNDS); checked by `build()` (`InvalidExecutionIdBounds`).
   */
  executionIdBounds(bounds: ExecutionIdBounds): this {
    this.idBounds = bounds;
    return this;
  }

  policy(policy: PreTradePolicy): this {
    this.policies.push(policy);
    return this;
  }

  build(): Engine {
    if (this.built) throw new EngineBuildError("AlreadyBuilt", "this builder has built its engine already: its policy instances are in that engine (build another engine from a new builder with new policy instances)");
    if (this.policies.length === 0) throw new EngineBuildError("NoPolicies", "an engine needs at least one policy");
    const names = new Set<string>();
    const groups = new Set<number>();
    for (const p of this.policies) {
      // "Engine" names the engine's own rejects and blocks; a custom policy under it would read
      // as the engine's and escape the kill switch its failing callbacks arm (found by review).
      if (p.name.startsWith("@") || p.name === ENGINE_NAME) {
        throw new EngineBuildError("ReservedPolicyName", `policy name '${p.name}' is reserved (names starting with '@', and '${ENGINE_NAME}', belong to the engine)`);
      }
      if (names.has(p.name)) throw new EngineBuildError("DuplicatePolicyName", `duplicate policy name '${p.name}'`);
      names.add(p.name);
      if (inAnEngine.has(p)) throw new EngineBuildError("PolicyInAnotherEngine", `policy '${p.name}' is already in an engine: each engine needs its own policy instances`);
      const group = p.policyGroupId ?? 0;
      if (group !== 0) {
        if (groups.has(group)) throw new EngineBuildError("DuplicatePolicyGroupId", `duplicate policy group id ${group}`);
        groups.add(group);
      }
    }
    const engine = new Engine({ policies: [...this.policies], syncMode: this.mode, clock: this.engineClock, onListenerError: this.listenerErrors, executionIdBounds: this.idBounds });
    for (const p of this.policies) inAnEngine.add(p);
    this.built = true;
    return engine;
  }
}
