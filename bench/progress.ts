/** One self-overwriting status line on stderr (`\r`), throttled so it costs nothing. */
export interface Progress {
  /** Text or a thunk: hot loops pass a thunk so nothing is formatted between redraws. */
  update(text: string | (() => string)): void;
  /** Leaves the current line and prints a permanent one. */
  log(text: string): void;
  done(): void;
}

export function stderrProgress(): Progress {
  // Piped to a file or CI log, `\r` redraws would pile up: print a plain line now and then.
  const tty = process.stderr.isTTY === true;
  const every = tty ? 200 : 5_000;
  let last = 0;
  let width = 0;
  const write = (text: string) => {
    if (!tty) {
      if (text) process.stderr.write(`${text}\n`);
      return;
    }
    process.stderr.write(`\r${text.padEnd(width)}`);
    width = text.length;
  };
  return {
    update(text) {
      const now = Date.now();
      if (now - last < every) return;
      last = now;
      write(typeof text === "string" ? text : text());
    },
    log(text) {
      write(text);
      if (tty) process.stderr.write("\n");
      width = 0;
    },
    done() {
      if (!tty) return;
      if (width > 0) write("");
      process.stderr.write("\r");
      width = 0;
    },
  };
}

export const silentProgress: Progress = { update() {}, log() {}, done() {} };
