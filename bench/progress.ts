/** One self-overwriting status line on stderr (`\r`), throttled so it costs nothing. */
export interface Progress {
  /** Text or a thunk: hot loops pass a thunk so nothing is formatted between redraws. */
  update(text: string | (() => string)): void;
  /** Leaves the current line and prints a permanent one. */
  log(text: string): void;
  done(): void;
}

export function stderrProgress(): Progress {
  let last = 0;
  let width = 0;
  const write = (text: string) => {
    process.stderr.write(`\r${text.padEnd(width)}`);
    width = text.length;
  };
  return {
    update(text) {
      const now = Date.now();
      if (now - last < 200) return;
      last = now;
      write(typeof text === "string" ? text : text());
    },
    log(text) {
      write(text);
      process.stderr.write("\n");
      width = 0;
    },
    done() {
      if (width > 0) write("");
      process.stderr.write("\r");
      width = 0;
    },
  };
}

export const silentProgress: Progress = { update() {}, log() {}, done() {} };
