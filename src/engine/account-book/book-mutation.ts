/** The engine's own mutation in a reservation: the book entry of the accepted order, undone on rollback. */
import { SnapshotError } from "../errors.js";
import type { Mutation } from "../pretrade/mutations.js";
import type { AccountBook } from "./account-book.js";
import type { OrderFootprint } from "./order-footprint.js";

/**
 * The owner name the book's mutation carries in a reservation (and its data). It cannot be
 * a policy's: the engine builder refuses names starting with '@'.
 */
export const BOOK_OWNER = "@AccountBook";

/**
 * The footprint's mutation: a class rather than an object of closures, because this is made
 * for every accepted order and per-call closures (named by the loader) showed in profiles.
 */
class BookMutation implements Mutation {
  constructor(
    private readonly book: AccountBook,
    readonly record: OrderFootprint,
  ) {}

  /** The order stays open at the venue: its figures stay, only its match by client order id ends. */
  commit(): void {
    this.book.settle(this.record);
  }

  rollback(): void {
    this.book.release(this.record);
  }
}

/** Applies the footprint now; the mutation's rollback takes it out again, its commit keeps it. */
export function bookMutation(book: AccountBook, footprint: OrderFootprint): Mutation {
  book.reserve(footprint);
  return new BookMutation(book, footprint);
}

/** Rebuilds the mutation of an open reservation from its record (the footprint is already in the restored book). */
export function restoreBookMutation(book: AccountBook, record: unknown): Mutation {
  if (typeof record !== "object" || record === null || !("accountId" in record) || !("quantity" in record)) {
    throw new SnapshotError("Malformed", `reservation data: the account book's record is not an order footprint`, BOOK_OWNER);
  }
  book.track(record as OrderFootprint);
  return new BookMutation(book, record as OrderFootprint);
}
