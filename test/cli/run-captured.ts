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

/**
 * `run` (argv against the sidecar at `address()`, read when called: a harness started per
 * test) and `json` (the same with --json, which must exit 0 with nothing on stderr, parsed).
 */
export function cliAgainst(address: () => string): {
  run: (...argv: string[]) => Promise<CapturedRun>;
  json: (...argv: string[]) => Promise<Record<string, unknown>>;
} {
  const run = (...argv: string[]) => runCaptured([...argv, "--target", address()]);
  const json = async (...argv: string[]) => {
    const answer = await run(...argv, "--json");
    if (answer.code !== 0 || answer.err !== "") throw new Error(`openpit ${argv.join(" ")} --json exited ${answer.code}: ${answer.err}`);
    return JSON.parse(answer.out) as Record<string, unknown>;
  };
  return { run, json };
}
