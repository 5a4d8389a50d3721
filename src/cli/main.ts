/** `npx openpit …` (bin/openpit.js): the operator CLI's process entry. */
import { dropIpServerNameWarning } from "./ip-server-name-warning.js";
import { runCli } from "./run-cli.js";

dropIpServerNameWarning();

let stop: () => void = () => undefined;
const interrupted = new Promise<void>((resolve) => {
  stop = resolve;
  process.once("SIGINT", () => resolve());
  process.once("SIGTERM", () => resolve());
});

let stdoutClosed = false;
process.stdout.on("error", (e: NodeJS.ErrnoException) => {
  // `openpit journal inspect DIR | head`, `openpit events --json | head`: the reader closed
  // the pipe early, which is not an error. Nothing more is written, a stream being followed
  // stops as at Ctrl-C, and the command's own exit code stands: a corrupt journal still exits
  // 1 (found by review: exiting 0 here at once, a pipefail script saw it healthy).
  if (e.code === "EPIPE") {
    stdoutClosed = true;
    stop();
    return;
  }
  throw e;
});

const out = (t: string): void => {
  if (!stdoutClosed) process.stdout.write(t);
};
const code = await runCli(process.argv.slice(2), { out, err: (t) => process.stderr.write(t) }, process.env, interrupted);
// Leave the event loop to empty on its own (stdout drains) unless something holds it open.
process.exitCode = code;
setTimeout(() => process.exit(code), 2_000).unref();
