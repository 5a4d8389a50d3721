/** A commit/rollback pair registered by a main-stage or adjustment hook. */
import type { AccountId } from "../../param/ids.js";

export interface Mutation {
  commit(): void;
  rollback(): void;
  /**
   * Plain data from which the owning policy's `restoreMutation` rebuilds the same pair.
   * Needed only for main-stage mutations, which live on in open reservations and so must
   * survive a snapshot; `undefined` = none (such a reservation cannot be snapshotted).
   */
  readonly record?: unknown;
}

/** The mutations of one call with, index for index, the name of the policy that pushed each. */
export interface OwnedMutations {
  readonly list: readonly Mutation[];
  readonly owners: readonly string[];
}

/**
 * What a mutation step reports its blocks through (the call's context): the engine names
 * the owning policy in it before each step, so a block raised by a commit or a rollback is
 * stamped with the policy that registered it, whichever policy ran last in the call.
 */
export interface StepOwner {
  currentPolicy: string;
  /** The account of the call, which a failing finalizer blocks (§E). */
  readonly accountId?: AccountId | undefined;
  /** Arms the kill switch for a failing commit/rollback of `currentPolicy`'s mutation (§E). */
  finalizerFailed?(step: "commit" | "rollback", error: unknown): void;
}

const NOOP = (): void => {};

export const NO_MUTATIONS: OwnedMutations = Object.freeze({ list: Object.freeze([]), owners: Object.freeze([]) });

/**
 * The shared collector of one pipeline call. Commit runs in registration order,
 * rollback in reverse: a later mutation may depend on an earlier one's effect.
 */
export class Mutations {
  // Created with their first element (an array grown from `[]` reserves 17 slots; a call
  // usually registers one or two mutations).
  private list: Mutation[] | undefined = undefined;
  /** Parallel to `list`: kept apart so a push costs one extra array slot, no wrapper object. */
  private owners: string[] | undefined = undefined;
  /** @internal Set by the engine before each hook: the policy whose pushes follow. */
  owner = "";

  push(mutation: Mutation): void;
  push(commit: (() => void) | undefined, rollback: (() => void) | undefined, record?: unknown): void;
  push(a: Mutation | (() => void) | undefined, b?: () => void, record?: unknown): void {
    let mutation: Mutation;
    if (typeof a === "object" && a !== null) mutation = a;
    else if (record === undefined) mutation = { commit: a ?? NOOP, rollback: b ?? NOOP };
    else mutation = { commit: a ?? NOOP, rollback: b ?? NOOP, record };
    if (this.list === undefined || this.owners === undefined) {
      this.list = [mutation];
      this.owners = [this.owner];
    } else {
      this.list.push(mutation);
      this.owners.push(this.owner);
    }
  }

  get size(): number {
    return this.list?.length ?? 0;
  }

  /** @internal Hands the list over with its owners (used when a reservation takes ownership). */
  handOver(): OwnedMutations {
    if (this.list === undefined || this.owners === undefined) return NO_MUTATIONS;
    const owned = { list: this.list, owners: this.owners };
    this.list = undefined;
    this.owners = undefined;
    return owned;
  }
}

/**
 * Commits in registration order, naming each step's owner first (see `StepOwner`). A
 * failing commit arms the kill switch and does not stop the others (their state must still
 * move); the first failure is returned for the caller to report.
 */
export function commitOwned(owned: OwnedMutations, control: StepOwner | undefined): { policy: string; error: unknown } | undefined {
  const { list, owners } = owned;
  let failure: { policy: string; error: unknown } | undefined;
  for (let i = 0; i < list.length; i++) {
    if (control !== undefined) control.currentPolicy = owners[i]!;
    try {
      list[i]!.commit();
    } catch (error) {
      control?.finalizerFailed?.("commit", error);
      failure ??= { policy: owners[i]!, error };
    }
  }
  return failure;
}
