/**
 * `npx tsx bench/cold-order-effect.ts ROOT_A ROOT_B [pairs of runs] [pairs per round] [rounds]`:
 * the effect of B against A on the cold order, with its standard error, from
 * `cold-order-ab.ts` run both ways round.
 *
 * In one `cold-order-ab.ts` process the copy loaded second runs faster by about a microsecond
 * with identical code (docs/performance.md, "Session 22", point 3), so one run's "B − A" is the
 * effect plus that bias. Run as `A B` it reads effect + bias, run as `B A` it reads
 * −effect + bias: half their difference is the effect, half their sum the bias. This runs the
 * two orders alternately, `pairs` times (default 10; each pair two processes of about five
 * seconds), prints each pair's estimate, and then their mean ± its standard error, the figure
 * the session notes quote. Roots as `cold-order-ab.ts` takes them (`ROOT@stream` for the
 * stream handler's reach). A diagnostic: never asserted.
 */
import { execFileSync } from "node:child_process";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { meanAndError, medianDifference, pairEstimate } from "./paired-effect.js";

const HERE = dirname(fileURLToPath(import.meta.url));

function positive(text: string | undefined, fallback: number, what: string): number {
  const v = Number(text ?? fallback);
  if (!Number.isSafeInteger(v) || v < 1) throw new Error(`${what} must be a positive integer, not ${text}`);
  return v;
}

function runAb(first: string, second: string, perRound: number, rounds: number): number {
  const report = execFileSync(process.execPath, ["--import", "tsx", resolve(HERE, "cold-order-ab.ts"), first, second, String(perRound), String(rounds)], {
    cwd: resolve(HERE, ".."),
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
  });
  return medianDifference(report);
}

function main(): void {
  const [rootA, rootB, pairsArg, perRoundArg, roundsArg] = process.argv.slice(2);
  if (!rootA || !rootB) throw new Error("usage: cold-order-effect.ts ROOT_A ROOT_B [pairs of runs] [pairs per round] [rounds]");
  const pairs = positive(pairsArg, 10, "pairs of runs");
  const perRound = positive(perRoundArg, 2_000, "pairs per round");
  const rounds = positive(roundsArg, 2, "rounds");
  process.stdout.write(`A = ${rootA}\nB = ${rootB}\n${pairs} pairs of cold-order-ab runs (A B, then B A), ${rounds} rounds of ${perRound} each; µs\n`);
  const effects: number[] = [];
  const biases: number[] = [];
  for (let i = 0; i < pairs; i++) {
    const forward = runAb(rootA, rootB, perRound, rounds);
    const backward = runAb(rootB, rootA, perRound, rounds);
    const { effect, bias } = pairEstimate(forward, backward);
    effects.push(effect);
    biases.push(bias);
    process.stdout.write(`pair ${String(i + 1).padStart(2)}: A B ${forward.toFixed(2)}, B A ${backward.toFixed(2)} → B − A ${effect >= 0 ? "+" : ""}${effect.toFixed(2)}\n`);
  }
  const e = meanAndError(effects);
  const b = meanAndError(biases);
  process.stdout.write(`effect of B against A: ${e.mean >= 0 ? "+" : ""}${e.mean.toFixed(2)} ± ${e.error.toFixed(2)} µs per cold order (mean ± standard error; negative: B faster)\n`);
  process.stdout.write(`load-order bias (the second copy loaded): ${b.mean.toFixed(2)} ± ${b.error.toFixed(2)} µs\n`);
}

try {
  main();
} catch (e) {
  process.stderr.write(`cold-order-effect: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(2);
}
