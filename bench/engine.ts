/**
 * In-process engine benchmark: `npm run bench:engine [-- --json] [--no-pin] [--case <name>] [--calls N]`.
 * Each case is warmed up, then measured call by call; prints calls/s and latency
 * percentiles (a table, or JSON with `--json`). No network, no sidecar.
 *
 * It runs as the sidecar does (its script carries `npm start`'s V8 flags; a test keeps them equal: bench/sidecar-v8-flags.ts) and on one
 * core (bench/one-core.ts), the shape issue 12's target is stated in.
 */
import { ENGINE_CASES } from "./engine-cases.js";
import { pinnedCpu, rerunOnOneCore } from "./one-core.js";
import { formatTable, measure, type MeasurePlan, type MeasureResult } from "./measure.js";

interface Options {
  readonly json: boolean;
  /** Run on one core (bench/one-core.ts); `--no-pin` runs wherever the scheduler puts it. */
  readonly pin: boolean;
  readonly cases: readonly string[];
  readonly plan: MeasurePlan;
}

function parseArgs(argv: readonly string[]): Options {
  let json = false;
  let pin = true;
  const cases: string[] = [];
  let calls = 500_000;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--json") json = true;
    else if (arg === "--no-pin") pin = false;
    else if (arg === "--case") cases.push(requireValue(argv, ++i, arg));
    else if (arg === "--calls") calls = Number(requireValue(argv, ++i, arg));
    else throw new Error(`unknown argument '${arg}' (expected --json, --no-pin, --case <name>, --calls <n>)`);
  }
  if (!Number.isSafeInteger(calls) || calls <= 0) throw new Error("--calls must be a positive integer");
  const unknown = cases.filter((name) => !ENGINE_CASES.some((c) => c.name === name));
  if (unknown.length > 0) {
    throw new Error(`unknown case(s) ${unknown.join(", ")}; known: ${ENGINE_CASES.map((c) => c.name).join(", ")}`);
  }
  // Warm-up is a fifth of the measured calls (at least 10k), so the JIT has compiled the path.
  return { json, pin, cases, plan: { warmupCalls: Math.max(10_000, Math.floor(calls / 5)), calls, maxMeasureMs: 8_000 } };
}

function requireValue(argv: readonly string[], i: number, flag: string): string {
  const value = argv[i];
  if (value === undefined) throw new Error(`${flag} needs a value`);
  return value;
}

function main(): void {
  const options = parseArgs(process.argv.slice(2));
  const exitCode = rerunOnOneCore(options.pin);
  if (exitCode !== undefined) {
    process.exitCode = exitCode;
    return;
  }
  const cpu = pinnedCpu();
  if (!options.json) process.stderr.write(cpu === undefined ? "unpinned: the scheduler may move the thread between cores\n" : `pinned to CPU ${cpu} (one core: the engine's thread and V8's helper threads share it)\n`);
  const selected = options.cases.length === 0 ? ENGINE_CASES : ENGINE_CASES.filter((c) => options.cases.includes(c.name));
  const results: MeasureResult[] = [];
  for (const benchCase of selected) {
    if (!options.json) process.stderr.write(`running ${benchCase.name}: ${benchCase.description}\n`);
    results.push(measure(benchCase.name, benchCase.setup(), options.plan));
  }
  if (options.json) {
    process.stdout.write(`${JSON.stringify({ node: process.version, pinnedCpu: cpu ?? null, plan: options.plan, results }, null, 2)}\n`);
  } else {
    process.stdout.write(`${formatTable(results)}\n`);
  }
}

try {
  main();
} catch (e) {
  process.stderr.write(`bench:engine: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exitCode = 2;
}
