/** A commit/rollback pair registered by a main-stage or adjustment hook. */
export interface Mutation {
  commit(): void;
  rollback(): void;
}

const NOOP = (): void => {};

/**
 * The shared collector of one pipeline call. Commit runs in registration order,
 * rollback in reverse: a later mutation may depend on an earlier one's effect.
 */
export class Mutations {
  private readonly list: Mutation[] = [];

  push(mutation: Mutation): void;
  push(commit: (() => void) | undefined, rollback: (() => void) | undefined): void;
  push(a: Mutation | (() => void) | undefined, b?: () => void): void {
    if (typeof a === "object" && a !== null) this.list.push(a);
    else this.list.push({ commit: a ?? NOOP, rollback: b ?? NOOP });
  }

  get size(): number {
    return this.list.length;
  }

  /** Hands the registered list over (used when a reservation takes ownership). */
  drain(): Mutation[] {
    return this.list.splice(0);
  }

  commitAll(): void {
    commitAll(this.drain());
  }

  rollbackAll(): void {
    rollbackAll(this.drain());
  }
}

export function commitAll(list: readonly Mutation[]): void {
  for (let i = 0; i < list.length; i++) list[i]!.commit();
}

export function rollbackAll(list: readonly Mutation[]): void {
  for (let i = list.length - 1; i >= 0; i--) list[i]!.rollback();
}
