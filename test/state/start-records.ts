/** A start's journal records read back, a crash, and a cut: what the start-crash tests share. */
import { cpSync, statSync } from "node:fs";
import { join } from "node:path";
import { decodeCommand } from "../../src/state/command-codec.js";
import type { Command } from "../../src/state/commands.js";
import { readJournal } from "../../src/state/journal/journal-reader.js";
import type { SidecarState } from "../../src/state/sidecar-state.js";
import { patchFile } from "./journal/journal-test-helpers.js";

/** Stops the state as a crash after its last flush would: the journal closed, nothing else. */
export async function crash(state: SidecarState): Promise<void> {
  await state.journal.flush();
  await state.journal.close();
}

export interface StartRecord {
  readonly seq: bigint;
  readonly file: string;
  readonly offset: number;
  /** The record's payload size. */
  readonly bytes: number;
  /** The command's kind; an admin command's own kind after a colon. */
  readonly kind: string;
}

const kindOf = (c: Command) => (c.kind === "admin" ? `admin:${c.command.kind}` : c.kind);

/** Every record of the journal in `dir`, in order. */
export function journalRecords(dir: string): StartRecord[] {
  const out: StartRecord[] = [];
  readJournal(dir, { onRecord: (r, file, offset) => out.push({ seq: r.seq, file, offset, bytes: r.payload.length, kind: kindOf(decodeCommand(r.payload)) }) });
  return out;
}

/** Zeroes the segment from `offset` to its end: what a crash leaves in a preallocated segment. */
export function cutAt(dir: string, file: string, offset: number): void {
  const path = join(dir, file);
  patchFile(path, offset, Buffer.alloc(statSync(path).size - offset));
}

/**
 * A copy of the data directory `dir` for each of `records` cut before it and torn inside it
 * (20 bytes in): what a crash at any of a start's records leaves. `tempDir` makes each copy's
 * directory.
 */
export function crashCopies(dir: string, records: readonly StartRecord[], tempDir: () => string): { cut: string; dir: string }[] {
  const out: { cut: string; dir: string }[] = [];
  for (const [i, r] of records.entries()) {
    for (const [cut, offset] of [
      [`before #${i} ${r.kind}`, r.offset],
      [`torn #${i} ${r.kind}`, r.offset + 20],
    ] as const) {
      const d = tempDir();
      cpSync(dir, d, { recursive: true });
      cutAt(d, r.file, offset);
      out.push({ cut, dir: d });
    }
  }
  return out;
}
