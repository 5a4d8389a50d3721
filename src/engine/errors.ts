import { OpenpitError } from "../param/param-error.js";

/** A request or reservation used after it was consumed, or read after finalisation. */
export class LifecycleError extends OpenpitError {
  override name = "LifecycleError";
}

export type EngineBuildErrorKind = "DuplicatePolicyName" | "DuplicatePolicyGroupId" | "NoPolicies";

export class EngineBuildError extends OpenpitError {
  override name = "EngineBuildError";
  constructor(
    readonly kind: EngineBuildErrorKind,
    message: string,
  ) {
    super(message);
  }
}

export type PolicyConfigureErrorKind = "UnknownPolicy" | "PolicyTypeMismatch" | "Validation" | "NestedConfiguration";

export class PolicyConfigureError extends OpenpitError {
  override name = "PolicyConfigureError";
  constructor(
    readonly kind: PolicyConfigureErrorKind,
    message: string,
  ) {
    super(message);
  }
}

/** Thrown by a policy's settings validation; the configurator reports it as `Validation`. */
export class SettingsValidationError extends OpenpitError {
  override name = "SettingsValidationError";
}

export type AccountBlockErrorKind = "ReservedGroup" | "AccountNotBlocked" | "GroupNotBlocked";

export class AccountBlockError extends OpenpitError {
  override name = "AccountBlockError";
  constructor(
    readonly kind: AccountBlockErrorKind,
    message: string,
  ) {
    super(message);
  }
}

export type AccountGroupErrorKind = "AlreadyRegistered" | "NotInGroup" | "ReservedGroup";

export class AccountGroupRegistrationError extends OpenpitError {
  override name = "AccountGroupRegistrationError";
  constructor(
    readonly kind: AccountGroupErrorKind,
    message: string,
  ) {
    super(message);
  }
}

/**
 * A policy hook or a mutation closure threw. The engine has already rolled back what the
 * failed call had registered; `cause` is the original error.
 */
export class PolicyCallbackError extends OpenpitError {
  override name = "PolicyCallbackError";
  constructor(
    readonly policy: string,
    readonly hook: string,
    cause: unknown,
  ) {
    super(`policy '${policy}' threw in ${hook}: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
  }
}
