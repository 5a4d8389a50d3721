/** The account book's public surface: the read-only view policies get, the book, its data and footprints. */
export type { AccountBookView, BookInstrument, BookInstrumentData } from "./account-book-view.js";
export { AccountBook, type AccountBookData } from "./account-book.js";
export { footprintOf, type OrderFootprint } from "./order-footprint.js";
export { BOOK_OWNER, bookMutation, restoreBookMutation } from "./book-mutation.js";
export { bookPendingOverflow, bookPositionOverflow } from "./book-rejects.js";
