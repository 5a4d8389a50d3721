/**
 * Re-reads of a file (or a set of files) shared by concurrent callers, each resolving on a
 * read that began after it asked. A read already under way may have opened the files before
 * the change the caller knows of (SIGHUP right after a rename, while the interval's read
 * runs), so one more read follows it, shared by every caller that asks meanwhile: none
 * resolves on the old contents. Used by the tokens file and the CRL (watched-file.ts) and by
 * the TLS certificate files (certificate-files.ts).
 */
export class FreshReads {
  #reading: Promise<void> | undefined;
  #again: Promise<void> | undefined;

  constructor(private readonly read: () => Promise<void>) {}

  /** Resolves once a read that started after this call has finished. */
  run(): Promise<void> {
    if (this.#reading === undefined) {
      this.#reading = this.read().finally(() => (this.#reading = undefined));
      return this.#reading;
    }
    this.#again ??= this.#reading.then(() => {
      this.#again = undefined;
      return this.run();
    });
    return this.#again;
  }
}
