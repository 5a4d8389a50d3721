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
