// The error recovery refuses to go past: damage that is not a torn tail, so skipping it would
// silently drop acknowledged records. The message names the file, byte offset and sequence.

export class JournalCorruptionError extends Error {
  override name = "JournalCorruptionError";
  constructor(
    readonly file: string,
    readonly offset: number,
    readonly expectedSequence: bigint,
    readonly reason: string,
  ) {
    super(`journal corrupt: ${file} offset ${offset}: ${reason}`);
  }
}

/**
 * A segment in a format this build does not read (a newer build's). Not damage: it is never
 * taken for a torn tail, and `journal cut` refuses it (a cut would set aside good records).
 */
export class JournalFormatError extends JournalCorruptionError {
  override name = "JournalFormatError";
  constructor(file: string, firstSequence: bigint, reason: string) {
    super(file, 0, firstSequence, reason);
    this.message = `journal unreadable by this build: ${file}: ${reason}`;
  }
}
