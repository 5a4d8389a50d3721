// Public surface of the journal layer: the Journal contract, its memory and file
// implementations, the recovery reader and the snapshot file store.
export { JournalClosedError, JournalFailedError } from "./journal.js";
export type { DurabilityMode, Journal, JournalRecord, JournalStatus } from "./journal.js";
export { MemoryJournal, type MemoryJournalOptions } from "./memory-journal.js";
export { DEFAULT_SEGMENT_BYTES, FileJournal, type FileJournalOptions } from "./file-journal.js";
export { openJournal, type OpenJournalOptions } from "./open-journal.js";
export type { JournalIo } from "./journal-io.js";
export { JournalCorruptionError } from "./journal-corruption-error.js";
export {
  JournalEndsShortError,
  readJournal,
  type JournalEnd,
  type JournalReadResult,
  type ReadJournalOptions,
  type RecordCallback,
  type SegmentInfo,
  type TornTail,
} from "./journal-reader.js";
export { listSegments, listSnapshotFiles, type SegmentFile } from "./journal-files.js";
export {
  listSnapshots,
  pruneAfterSnapshot,
  readLatestSnapshot,
  writeSnapshot,
  type LatestSnapshot,
  type PruneResult,
  type SkippedSnapshot,
  type SnapshotListing,
  type WrittenSnapshot,
} from "./snapshot-files.js";
export { segmentFileName, snapshotFileName } from "./segment-format.js";
