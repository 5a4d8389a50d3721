/**
 * File journals bounded like a replicated one: every FileJournal the file opens takes records
 * of at most BOUND bytes and says so (maxRecordBytes), as a JetStream stream with a
 * max_msg_size of 64 KiB does, without a NATS server. A file that calls this spies on
 * FileJournal.open for all its tests (restored after them), so it runs in a fork of its own
 * (test/suite-projects.ts ISOLATED).
 */
import { afterAll, beforeAll, vi } from "vitest";
import { FileJournal } from "../../src/state/journal/file-journal.js";
import { RecordTooLargeError } from "../../src/state/journal/journal.js";

/** A JetStream stream's max_msg_size of 64 KiB less the publish's and the record's headers (jetstream-journal.ts). */
export const BOUND = 64_992;

/** Call at a file's top level: its file journals are bounded to `bound` bytes a record. */
export function boundFileJournals(bound = BOUND): void {
  beforeAll(() => {
    const open = FileJournal.open.bind(FileJournal);
    vi.spyOn(FileJournal, "open").mockImplementation((options) => {
      const journal = open(options);
      const append = journal.append.bind(journal);
      Object.defineProperty(journal, "maxRecordBytes", { value: bound });
      journal.append = (payload: Uint8Array) => {
        if (payload.length > bound) throw new RecordTooLargeError(payload.length, bound);
        return append(payload);
      };
      return journal;
    });
  });
  afterAll(() => vi.restoreAllMocks());
}
