/**
 * The tokens file, re-read while the sidecar runs, so that removing a hash revokes its token
 * without a restart (a restart is a state recovery: every gateway reconnects). As with the
 * certificate files (certificate-files.ts), a read that does not parse is reported and the
 * tokens in force stay: a file caught half-written, or a typo, must neither lock every
 * token holder out nor let anyone in.
 */
import { readFile } from "node:fs/promises";
import { BearerTokens, parseTokensJson } from "./bearer-tokens.js";

export interface TokensFileEvents {
  /** A read that was refused (each new problem once); the tokens in force stay. */
  readonly refused?: (message: string) => void;
  /** A changed file was put in force; the caller ends what its old tokens admitted. */
  readonly replaced?: (tokens: BearerTokens) => void;
}

export class TokensFile {
  private text: string;
  private tokens: BearerTokens;
  private timer: NodeJS.Timeout | undefined;
  private reading: Promise<void> | undefined;
  /** The read that follows the one under way, for callers that asked while it ran. */
  private again: Promise<void> | undefined;
  /** The last refusal reported, so a bad file left in place is reported once, not every interval. */
  private lastProblem: string | undefined;

  /** Reads the file once, now: at start a bad file is a configuration error naming the field. */
  constructor(
    private readonly file: string,
    private readonly principals: ReadonlySet<string>,
    private readonly events: TokensFileEvents = {},
  ) {
    const { text, tokens } = BearerTokens.read(file, principals);
    this.text = text;
    this.tokens = tokens;
  }

  get current(): BearerTokens {
    return this.tokens;
  }

  /**
   * Reads the file once; a file that parses and differs from the one in force replaces it.
   * The interval and SIGHUP call this; tests await it.
   */
  reload(): Promise<void> {
    if (this.reading === undefined) {
      this.reading = this.read().finally(() => (this.reading = undefined));
      return this.reading;
    }
    // A read is under way, and may have opened the file before the change this caller knows
    // of (SIGHUP right after a rename, while the interval's read runs): one more read follows
    // it, shared by every caller that asks meanwhile, so none resolves on the old tokens.
    this.again ??= this.reading.then(() => {
      this.again = undefined;
      return this.reload();
    });
    return this.again;
  }

  private async read(): Promise<void> {
    let text: string;
    try {
      text = await readFile(this.file, "utf8");
    } catch (e) {
      return this.refuse(`cannot read ${this.file}: ${(e as Error).message}`);
    }
    if (text === this.text) {
      this.lastProblem = undefined;
      return;
    }
    let tokens: BearerTokens;
    try {
      tokens = BearerTokens.parse(parseTokensJson(text, this.file), `security.tokensFile(${this.file})`, this.principals);
    } catch (e) {
      return this.refuse((e as Error).message);
    }
    this.lastProblem = undefined;
    this.text = text;
    this.tokens = tokens;
    this.events.replaced?.(tokens);
  }

  private refuse(problem: string): void {
    if (problem === this.lastProblem) return;
    this.lastProblem = problem;
    this.events.refused?.(`tokens file reload refused, the tokens in force stay: ${problem}`);
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
