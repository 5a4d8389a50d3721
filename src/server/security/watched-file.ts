/**
 * A credentials file re-read while the sidecar runs (the tokens file, the client CRL), so
 * that revoking a credential needs no restart (a restart is a state recovery: every gateway
 * reconnects). As with the certificate files (certificate-files.ts), a read that does not
 * parse is reported and what is in force stays: a file caught half-written, or a typo, must
 * neither lock every holder out nor let anyone in (nor, for a CRL, un-revoke anybody).
 */
import { readFile } from "node:fs/promises";
import { FreshReads } from "./fresh-reads.js";

/** A file's text, or an Error saying which file could not be read and why. */
export function readWhole(file: string): Promise<string> {
  return readFile(file, "utf8").catch((e: unknown) => {
    throw new Error(`cannot read ${file}: ${(e as Error).message}`);
  });
}

export interface WatchedFileEvents<T> {
  /** A read that was refused (each new problem once); what is in force stays. */
  readonly refused?: (message: string) => void;
  /** A changed file was put in force; the caller ends what it no longer admits. */
  readonly replaced?: (value: T) => void;
}

export class WatchedFile<T> {
  private text: string;
  private value: T;
  private timer: NodeJS.Timeout | undefined;
  /** A read under way may predate the caller's change: see FreshReads. */
  private readonly rereads = new FreshReads(() => this.read());
  /** The last refusal reported, so a bad file left in place is reported once, not every interval. */
  private lastProblem: string | undefined;

  /**
   * `initial`: the file as read (and checked) at start, where a bad file is a configuration
   * error. `parse` reads a later text, throwing an Error that says what is wrong with it;
   * `refusal` opens the message of a refused read ("tokens file reload refused, …").
   * `readText` reads what is compared and parsed (default: the file's text); a value that
   * depends on a second file reads both, so a change to either is seen.
   */
  constructor(
    file: string,
    initial: { readonly text: string; readonly value: T },
    private readonly parse: (text: string) => T,
    private readonly refusal: string,
    private readonly events: WatchedFileEvents<T> = {},
    private readonly readText: () => Promise<string> = () => readWhole(file),
  ) {
    this.text = initial.text;
    this.value = initial.value;
  }

  get current(): T {
    return this.value;
  }

  /**
   * Reads the file once; a file that parses and differs from the one in force replaces it.
   * The interval and SIGHUP call this; tests await it.
   */
  reload(): Promise<void> {
    return this.rereads.run();
  }

  private async read(): Promise<void> {
    let text: string;
    try {
      text = await this.readText();
    } catch (e) {
      return this.refuse((e as Error).message);
    }
    if (text === this.text) {
      this.lastProblem = undefined;
      return;
    }
    let value: T;
    try {
      value = this.parse(text);
    } catch (e) {
      return this.refuse((e as Error).message);
    }
    this.lastProblem = undefined;
    this.text = text;
    this.value = value;
    this.events.replaced?.(value);
  }

  private refuse(problem: string): void {
    if (problem === this.lastProblem) return;
    this.lastProblem = problem;
    this.events.refused?.(`${this.refusal}: ${problem}`);
  }

  /** Re-reads every `intervalMs` until `stop`. */
  watch(intervalMs: number): void {
    // Unreferenced: the listener keeps the process alive, not the re-reading of a file.
    this.timer ??= setInterval(() => void this.reload(), intervalMs).unref();
  }

  stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
  }
}
