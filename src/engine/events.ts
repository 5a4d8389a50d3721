/** The account-state changes (blocks, unblocks, reconfigured policies) the engine announces to listeners. */
import type { AccountGroupId, AccountId } from "../param/ids.js";
import type { AccountBlock } from "../model/reject.js";

/** What changed in the engine's account state; a monitor can subscribe to these. */
export type EngineEvent =
  | { readonly kind: "accountBlocked"; readonly accountId: AccountId; readonly block: AccountBlock }
  | { readonly kind: "accountUnblocked"; readonly accountId: AccountId }
  | { readonly kind: "accountBlockReasonReplaced"; readonly accountId: AccountId; readonly block: AccountBlock }
  | { readonly kind: "groupBlocked"; readonly group: AccountGroupId; readonly block: AccountBlock }
  | { readonly kind: "groupUnblocked"; readonly group: AccountGroupId }
  | { readonly kind: "groupBlockReasonReplaced"; readonly group: AccountGroupId; readonly block: AccountBlock }
  | { readonly kind: "globalBlocked"; readonly block: AccountBlock }
  | { readonly kind: "policyConfigured"; readonly policy: string }
  /** A soft limit: usage rose to `share` of a policy's limit (once per crossing). Decimal strings. */
  | {
      readonly kind: "softLimitCrossed";
      readonly accountId: AccountId;
      readonly policy: string;
      readonly limit: string;
      readonly usage: string;
      readonly max: string;
      readonly share: string;
    };

export type EngineEventListener = (event: EngineEvent) => void;

/** Told of a listener's throw (`EngineBuilder.onListenerError`); the engine has gone on without it. */
export type ListenerErrorHandler = (error: unknown, event: EngineEvent) => void;

/**
 * The default: the error is thrown again in a microtask, so it surfaces as an uncaught error
 * (the sidecar fails closed on one) without reaching the engine call that announced the event.
 */
export const rethrowLater: ListenerErrorHandler = (error) => {
  queueMicrotask(() => {
    throw error;
  });
};
