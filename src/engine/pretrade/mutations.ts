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
  // Created on the first push: with their first element, or at `capacity` when the caller
  // knows how many can come (an array grown from one element reallocates to 18 slots at
  // the second push, and the main stage with every control on registers four or five).
  private list: Mutation[] | undefined = undefined;
  /** Parallel to `list`: kept apart so a push costs one extra array slot, no wrapper object. */
  private owners: string[] | undefined = undefined;
  /** How many of `list`'s slots are used (`list` may be longer, its tail unset). */
  private count = 0;
  /** @internal Set by the engine before each hook: the policy whose pushes follow. */
  owner = "";

  /** `capacity`: the most pushes expected (the main stage: one per hook, plus the book's); a guess, not a limit. */
  constructor(private readonly capacity = 1) {}

  push(mutation: Mutation): void;
  push(commit: (() => void) | undefined, rollback: (() => void) | undefined, record?: unknown): void;
  push(a: Mutation | (() => void) | undefined, b?: () => void, record?: unknown): void {
    let mutation: Mutation;
    if (typeof a === "object" && a !== null) mutation = a;
    else if (record === undefined) mutation = { commit: a ?? NOOP, rollback: b ?? NOOP };
    else mutation = { commit: a ?? NOOP, rollback: b ?? NOOP, record };
    let list = this.list;
    let owners = this.owners;
    if (list === undefined || owners === undefined) {
      if (this.capacity <= 1) {
        this.list = [mutation];
        this.owners = [this.owner];
        this.count = 1;
        return;
      }
      list = this.list = new Array<Mutation>(this.capacity);
      owners = this.owners = new Array<string>(this.capacity);
    }
    const i = this.count++;
    if (i < list.length) {
      list[i] = mutation;
      owners[i] = this.owner;
    } else {
      list.push(mutation);
      owners.push(this.owner);
    }
  }

  get size(): number {
    return this.count;
  }

  /** @internal Hands the list over with its owners (used when a reservation takes ownership). */
  handOver(): OwnedMutations {
    const list = this.list;
    const owners = this.owners;
    if (list === undefined || owners === undefined) return NO_MUTATIONS;
    // Trimmed to what was pushed (in place: a shorter length drops the unset tail); only
    // when shorter, as setting `length` is a runtime call even when it does not change.
    if (this.count < list.length) {
      list.length = this.count;
      owners.length = this.count;
    }
    this.list = undefined;
    this.owners = undefined;
    this.count = 0;
    return { list, owners };
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
