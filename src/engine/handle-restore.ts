/** Rebuilds open handles (reservations, requests) from the plain data their `toData()` produced. */
import { PreTradeLock } from "../model/pre-trade-lock.js";
import type { AccountGroupId } from "../param/ids.js";
import type { BlockSink } from "./pretrade/contexts.js";
import { SnapshotError } from "./errors.js";
import type { Mutation, OwnedMutations } from "./pretrade/mutations.js";
import type { AccountControl, PreTradePolicy } from "./pretrade/policy.js";
import type { RequestData } from "./pre-trade-request.js";
import { PreTradeReservation, type ReservationData } from "./reservation.js";
import { BOOK_OWNER, restoreBookMutation } from "./account-book/book-mutation.js";
import type { AccountBook } from "./account-book/account-book.js";

/**
 * Each mutation is rebuilt by its owning policy from its record. Its blocks go through a
 * control that stamps that policy's name and records them through the engine's sink, as
 * the live context does for a rollback step (first cause wins, events emitted).
 */
export function restoreReservation(
  data: ReservationData,
  policies: readonly PreTradePolicy[],
  sink: BlockSink,
  book: AccountBook,
): PreTradeReservation {
  if (typeof data !== "object" || data === null || !Array.isArray(data.mutations) || !(data.lock instanceof PreTradeLock)) {
    throw new SnapshotError("Malformed", "not the data of an open reservation");
  }
  if (!Array.isArray(data.accountAdjustments)) throw new SnapshotError("Malformed", "reservation data: accountAdjustments must be an array");
  const controls = new Map<string, AccountControl>();
  const list: Mutation[] = [];
  const owners: string[] = [];
  for (const { policy: name, record } of data.mutations) {
    if (name === BOOK_OWNER) {
      list.push(restoreBookMutation(book, record));
      owners.push(name);
      continue;
    }
    const policy = policies.find((p) => p.name === name);
    if (policy === undefined) {
      throw new SnapshotError("UnknownPolicy", `reservation data names policy '${name}', which this engine does not have`, name);
    }
    if (!policy.restoreMutation) {
      throw new SnapshotError("NotSnapshottable", `policy '${name}' cannot restore its mutations (no restoreMutation)`, name);
    }
    let control = controls.get(name);
    if (control === undefined) {
      control = { block: (accountId, block) => sink(accountId, block, name) };
      controls.set(name, control);
    }
    list.push(policy.restoreMutation(record, control));
    owners.push(name);
  }
  const owned: OwnedMutations = { list, owners };
  // No step owner to name: every restored control already stamps its own policy.
  return new PreTradeReservation(owned, undefined, data.lock, [...data.accountAdjustments], data.accountBlock);
}

/** Checks request data before the engine builds a context from it. */
export function checkRequestData(data: RequestData): void {
  if (typeof data !== "object" || data === null || typeof data.order !== "object" || data.order === null) {
    throw new SnapshotError("Malformed", "not the data of an unexecuted request");
  }
  if (typeof data.nowMs !== "number" || !Number.isFinite(data.nowMs)) throw new SnapshotError("Malformed", "request data: nowMs must be a finite number");
  if (typeof data.isDropCopy !== "boolean" || typeof data.isDryRun !== "boolean") {
    throw new SnapshotError("Malformed", "request data: isDropCopy and isDryRun must be booleans");
  }
}

/** The context's group cache as `CallContext.cachedGroup` holds it (`null` = not looked up). */
export function cachedGroupOf(data: RequestData): AccountGroupId | undefined | null {
  if (!("accountGroup" in data) || data.accountGroup === undefined) return null;
  return data.accountGroup ?? undefined;
}
