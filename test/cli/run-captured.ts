/** The CLI run in process with its output captured: what every CLI test reads. */
import { runCli } from "../../src/cli/run-cli.js";

export interface CapturedRun {
  readonly code: number;
  readonly out: string;
  readonly err: string;
}

/** `openpit ARGV` with `env` (none of the process's), optionally interrupted (Ctrl-C) when `interrupted` settles. */
export async function runCaptured(argv: readonly string[], env: Record<string, string> = {}, interrupted?: Promise<void>): Promise<CapturedRun> {
  let out = "";
  let err = "";
  const code = await runCli([...argv], { out: (t) => (out += t), err: (t) => (err += t) }, env, interrupted);
  return { code, out, err };
}
