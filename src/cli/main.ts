/** `npx openpit …` (bin/openpit.js): the operator CLI's process entry. */
import { dropIpServerNameWarning } from "./ip-server-name-warning.js";
import { runCli } from "./run-cli.js";

dropIpServerNameWarning();

const interrupted = new Promise<void>((resolve) => {
  process.once("SIGINT", () => resolve());
  process.once("SIGTERM", () => resolve());
});

process.stdout.on("error", (e: NodeJS.ErrnoException) => {
  // `openpit journal inspect DIR | head`, `openpit events --json | head`: the reader closed
  // the pipe early, which is not an error (as journal-cli.ts does for `npm run journal`).
  if (e.code === "EPIPE") process.exit(0);
  throw e;
});

const code = await runCli(process.argv.slice(2), { out: (t) => process.stdout.write(t), err: (t) => process.stderr.write(t) }, process.env, interrupted);
// Leave the event loop to empty on its own (stdout drains) unless something holds it open.
process.exitCode = code;
setTimeout(() => process.exit(code), 2_000).unref();
