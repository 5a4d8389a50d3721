// One entry point that picks the journal implementation from the durability mode.
import { FileJournal, type FileJournalOptions } from "./file-journal.js";
import type { Journal } from "./journal.js";
import { MemoryJournal, type MemoryJournalOptions } from "./memory-journal.js";

export type OpenJournalOptions = ({ readonly mode: "ephemeral" } & MemoryJournalOptions) | FileJournalOptions;

/** "ephemeral" → MemoryJournal; "sync" / "async" → FileJournal.open (synchronous recovery of the end). */
export function openJournal(options: OpenJournalOptions): Journal {
  return options.mode === "ephemeral" ? new MemoryJournal(options) : FileJournal.open(options);
}
