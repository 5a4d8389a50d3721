/**
 * `npx tsx bench/cold-order-ab.ts ROOT_A ROOT_B [pairs] [rounds]`: two checkouts' order
 * paths (bench/cold-path.ts) compared cold in one process, order against order.
 *
 * cold-order.ts run once per version cannot tell a change of a few percent: the same code
 * measures 3–6 µs warm from one process to the next (how V8 optimised it, where the heap
 * landed, the VM's phase). Here both versions are loaded side by side (each root's own
 * src/ and bench/ modules, so two independent copies of the code and two sidecar states),
 * warmed up together, then timed in pairs: the TLB is evicted (cold-path.ts), one version
 * runs an order, the TLB is evicted again, the other runs one; which goes first alternates.
 * Whatever the process or the minute does to one does it to the other. Printed per round
 * and overall: each version's whole-order p50 and p90, the median of the paired
 * differences (B − A), and in how many pairs B was faster. A diagnostic: never asserted.
 *
 * A root written `ROOT@stream` loads the path from grpc-js's read to its write (the channel
 * service's stream handler included: cold-path.ts's `stream` reach) instead of decoder and
 * door alone: `cold-order-ab.ts . .@stream` measures what the handler adds, cold.
 */
import { TLB_EVICTION, WARM_UP, evict, evictionSink, loadOrderPath, percentileUs, type OrderTimes, type PathReach } from "./cold-path.js";

/** `ROOT` or `ROOT@stream`. */
function rootAndReach(spec: string): [string, PathReach] {
  // Only a trailing `@door` or `@stream` names the reach: a directory may contain `@` itself.
  const at = spec.lastIndexOf("@");
  const reach = at < 0 ? "" : spec.slice(at + 1);
  if (reach !== "door" && reach !== "stream") return [spec, "door"];
  return [spec.slice(0, at), reach];
}


async function main(): Promise<void> {
  const [rootA, rootB, pairsArg, roundsArg] = process.argv.slice(2);
  if (!rootA || !rootB) throw new Error("usage: cold-order-ab.ts ROOT_A ROOT_B [pairs per round] [rounds]");
  const [pairs, rounds] = [Number(pairsArg ?? 5_000), Number(roundsArg ?? 4)];
  if (!Number.isSafeInteger(pairs) || pairs < 1 || !Number.isSafeInteger(rounds) || rounds < 1) throw new Error("pairs and rounds are positive integers");
  const paths = [await loadOrderPath(...rootAndReach(rootA)), await loadOrderPath(...rootAndReach(rootB))] as const;
  const taken: OrderTimes = { decode: 0, rest: 0 };
  const whole = (i: 0 | 1): number => {
    paths[i].order(taken);
    return taken.decode + taken.rest;
  };
  for (let i = 0; i < WARM_UP; i++) {
    whole(0);
    whole(1);
  }
  const all = { a: [] as number[], b: [] as number[], diff: [] as number[] };
  let bFaster = 0;
  process.stdout.write(`A = ${rootA}\nB = ${rootB}\n${rounds} rounds of ${pairs} pairs, TLB evicted before each order; whole order µs\n`);
  process.stdout.write(`round   A p50 / p90        B p50 / p90        B − A median   B faster\n`);
  for (let r = 0; r < rounds; r++) {
    const round = { a: [] as number[], b: [] as number[], diff: [] as number[] };
    let faster = 0;
    for (let k = 0; k < pairs; k++) {
      const first: 0 | 1 = k % 2 === 0 ? 0 : 1;
      evict(TLB_EVICTION);
      const t1 = whole(first);
      evict(TLB_EVICTION);
      const t2 = whole(first === 0 ? 1 : 0);
      const [a, b] = first === 0 ? [t1, t2] : [t2, t1];
      round.a.push(a);
      round.b.push(b);
      round.diff.push(b - a);
      if (b < a) faster++;
    }
    process.stdout.write(
      `${String(r + 1).padStart(5)}  ${percentileUs(round.a, 50)} / ${percentileUs(round.a, 90)}   ${percentileUs(round.b, 50)} / ${percentileUs(round.b, 90)}   ${percentileUs(round.diff, 50)}        ${((100 * faster) / pairs).toFixed(1).padStart(5)} %\n`,
    );
    all.a.push(...round.a);
    all.b.push(...round.b);
    all.diff.push(...round.diff);
    bFaster += faster;
  }
  process.stdout.write(
  `  all  ${percentileUs(all.a, 50)} / ${percentileUs(all.a, 90)}   ${percentileUs(all.b, 50)} / ${percentileUs(all.b, 90)}   ${percentileUs(all.diff, 50)}        ${((100 * bFaster) / (pairs * rounds)).toFixed(1).padStart(5)} %\n`,
  );
  if (evictionSink() === 0.5) process.stdout.write("\n"); // keeps the eviction's reads observable
}

main().catch((e: unknown) => {
  process.stderr.write(`cold-order-ab: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(2);
});
