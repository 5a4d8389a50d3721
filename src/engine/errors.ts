/** Engine errors with a stable kind: spent handles, bad builds or configs, block/group misuse, snapshots. */
import { OpenpitError } from "../param/param-error.js";
import type { PostTradeResult } from "../model/outcomes.js";
import type { AccountAdjustmentBatchResult } from "./results.js";

/** An error that carries a stable, machine-readable `kind`. */
abstract class KindedError<K extends string> extends OpenpitError {
  constructor(
    readonly kind: K,
    message: string,
  ) {
    super(message);
  }
}

/** A request or reservation used after it was consumed, or read after finalisation. */
export class LifecycleError extends OpenpitError {
  override name = "LifecycleError";
}

/**
 * `ReservedPolicyName`: names starting with '@' belong to the engine (its account book's mutations).
 * `PolicyInAnotherEngine`: a policy instance already built into an engine (each engine needs its own).
 * `AlreadyBuilt`: a builder's second `build()` (its policies are in the first engine).
 * `InvalidExecutionIdBounds`: a retention under 1 ms or a negative count of execution ids (execution-ids.ts).
 */
export type EngineBuildErrorKind =
  | "DuplicatePolicyName"
  | "DuplicatePolicyGroupId"
  | "NoPolicies"
  | "ReservedPolicyName"
  | "PolicyInAnotherEngine"
  | "AlreadyBuilt"
  | "InvalidExecutionIdBounds";

export class EngineBuildError extends KindedError<EngineBuildErrorKind> {
  override name = "EngineBuildError";
}

export type PolicyConfigureErrorKind = "UnknownPolicy" | "PolicyTypeMismatch" | "Validation" | "NestedConfiguration";

export class PolicyConfigureError extends KindedError<PolicyConfigureErrorKind> {
  override name = "PolicyConfigureError";
}

/** Thrown by a policy's settings validation; the configurator reports it as `Validation`. */
export class SettingsValidationError extends OpenpitError {
  override name = "SettingsValidationError";
}

export type AccountBlockErrorKind = "ReservedGroup" | "AccountNotBlocked" | "GroupNotBlocked";

export class AccountBlockError extends KindedError<AccountBlockErrorKind> {
  override name = "AccountBlockError";
}

export type AccountGroupErrorKind = "AlreadyRegistered" | "NotInGroup" | "ReservedGroup";

export class AccountGroupRegistrationError extends KindedError<AccountGroupErrorKind> {
  override name = "AccountGroupRegistrationError";
}

/** What a post-trade or adjustment call had done when a policy threw (`PolicyCallbackError.result`). */
export type PolicyCallbackResult = PostTradeResult | AccountAdjustmentBatchResult;

/**
 * A policy hook or a mutation closure threw. The engine has already rolled back what the
 * failed call had registered; `cause` is the original error. `result`: for
 * `applyExecutionReport` and `applyAccountAdjustment`, what the call did all the same, as
 * it would have returned it (openpit-semantics §5, §8): the other policies' post-trade
 * result (§1.10: not atomic, every adjustment must still be propagated), or the batch's
 * outcome (rejected and rolled back, or committed). Undefined for pre-trade and reservations.
 */
export class PolicyCallbackError extends OpenpitError {
  override name = "PolicyCallbackError";
  constructor(
    readonly policy: string,
    readonly hook: string,
    cause: unknown,
    readonly result: PolicyCallbackResult | undefined = undefined,
  ) {
    super(`policy '${policy}' threw in ${hook}: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
  }
}

/** `executePreTradeDropCopy` met an evaluation failure (see `Engine.applyDropCopy`). */
export class DropCopyRefusedError extends OpenpitError {
  override name = "DropCopyRefusedError";
  constructor(readonly rejects: readonly { readonly policy: string; readonly reason: string; readonly details: string }[]) {
    super(`drop-copy failed: ${rejects.map((r) => `[${r.policy}] ${r.reason}: ${r.details}`).join("; ")}`);
  }
}

export type SnapshotErrorKind =
  /** The snapshot's policy list (names or order) is not the engine's. */
  | "PolicyMismatch"
  /** A stateful policy implements no `snapshotState`/`restoreState` (or a mutation no `restoreMutation`). */
  | "NotSnapshottable"
  /** An open reservation holds a mutation registered without a `record`. */
  | "MissingMutationRecord"
  /** A handle names a policy this engine does not have. */
  | "UnknownPolicy"
  /** The data is not something `snapshotState`/`toData` produced. */
  | "Malformed";

/**
 * Engine state or an open handle could not be captured or restored. `policy` names the
 * policy at fault, when there is one, so durable mode can say which policy to fix.
 */
export class SnapshotError extends KindedError<SnapshotErrorKind> {
  override name = "SnapshotError";
  constructor(
    kind: SnapshotErrorKind,
    message: string,
    readonly policy: string | undefined = undefined,
  ) {
    super(kind, message);
  }
}
