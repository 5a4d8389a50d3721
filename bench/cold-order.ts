/**
 * `npx tsx bench/cold-order.ts [orders per block] [blocks] [--profile FILE] [--only CONDITION] [--reach stream]`: the order path's
 * cost when it runs cold, measured in this process without the VM's noise.
 *
 * In the closed loop the sidecar sleeps between two orders while grpc-js, the kernel and
 * whatever else the host runs use the CPU, and each order then runs several times slower
 * than the same code in a tight loop (docs/performance.md, "Session 11", "Session 21").
 * Here the channel's path — request bytes → door commands → door → engine → answer bytes,
 * as alloc-sites.ts drives it, without grpc-js — is timed one order at a time in these
 * conditions, in alternating blocks:
 *
 * - `warm`:  orders back to back;
 * - `cache`: before each order, 8 MiB are read and written densely (a word per 64-byte line):
 *            the CPU's caches hold none of the order's code or data;
 * - `tlb`:   before each order, one word per 4 KiB page of 64 MiB is read and written: 16 384
 *            pages but only 1 MiB of lines, so the caches keep most of the order's lines
 *            and what is lost is the address translations (the TLB);
 * - `tlb, other first`: the same eviction, then an untimed order of another account, then
 *            the timed one: the code and everything orders share (the policies' tables,
 *            V8's feedback) are warm again, the timed order's own account state is not.
 *            What it costs above `warm` is the account's own data; the rest of `tlb`'s
 *            cost is the code and the shared structures.
 * - `syscall`: one system call (an `fstat`) before each order. On this VM (`pti=on`, no
 *            PCID) every entry into the kernel empties the TLB of user-space translations:
 *            what it costs above `warm` is re-walking the page tables, which are cached;
 * - `sleep`: a 50 µs wait on a futex before each order, as the sidecar waits in
 *            `epoll_wait` between two orders of the closed loop: the vCPU idles, and the
 *            host's other work takes the caches as well (docs/performance.md, "Session 22").
 *
 * Printed per condition: p50 and p90 of decoding, of the door with the engine and the
 * answer's encoding, and of the whole. `--profile FILE` writes a V8 CPU profile of the last
 * `tlb` block, or of the `--only` condition's (5 µs sampling), for bench/profile-top.ts; the
 * eviction loop (`evict`) is in it too where the condition evicts.
 * `--only tlb` runs one condition's blocks (and the warm-up): for `perf record`, whose
 * samples cannot otherwise be told apart by condition.
 * `--reach stream` times what the server runs between grpc-js's read and its write instead
 * (request deserializer, the channel service's stream handler with the server's metrics,
 * response serializer: cold-path.ts); "decode" is then the deserializer, "door, engine,
 * encode" everything after it.
 * A diagnostic: never asserted.
 */
import { fstatSync, openSync, writeFileSync } from "node:fs";
import { Session } from "node:inspector/promises";
import { fileURLToPath } from "node:url";
import { ACCOUNTS, CACHE_EVICTION, WARM_UP, TLB_EVICTION, evict, evictionSink, loadOrderPath, percentileUs, type Eviction, type OrderTimes } from "./cold-path.js";

const CONDITIONS = ["warm", "cache", "tlb", "tlb, other first", "syscall", "sleep"] as const;
type Condition = (typeof CONDITIONS)[number];

/** What evicts before each order. */
const EVICTION: Record<Condition, Eviction | undefined> = {
  warm: undefined,
  cache: CACHE_EVICTION,
  tlb: TLB_EVICTION,
  "tlb, other first": undefined,
  syscall: undefined,
  sleep: undefined,
};

/** What `syscall` asks the kernel about (a file of its own: stdin may be closed). */
const STAT_FD = openSync(process.execPath, "r");
/** What `sleep` waits on (nobody wakes it: the wait times out). */
const SLEEPER = new Int32Array(new SharedArrayBuffer(4));

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const at = args.indexOf("--profile");
  const profileFile = at >= 0 ? args.splice(at, 2)[1] : undefined;
  if (at >= 0 && !profileFile) throw new Error("--profile needs a file name");
  const onlyAt = args.indexOf("--only");
  const only = onlyAt >= 0 ? args.splice(onlyAt, 2)[1] : undefined;
  if (only !== undefined && !(CONDITIONS as readonly string[]).includes(only)) throw new Error(`--only takes one of ${CONDITIONS.join(", ")}`);
  const conditions = CONDITIONS.filter((c) => only === undefined || c === only);
  const reachAt = args.indexOf("--reach");
  const reach = reachAt >= 0 ? args.splice(reachAt, 2)[1] : "door";
  if (reach !== "door" && reach !== "stream") throw new Error("--reach takes door or stream");
  const [perBlock, blocks] = [Number(args[0] ?? 5_000), Number(args[1] ?? 2)];
  if (!Number.isSafeInteger(perBlock) || perBlock < 1 || !Number.isSafeInteger(blocks) || blocks < 1) throw new Error("orders per block and blocks are positive integers");

  const path = await loadOrderPath(fileURLToPath(new URL("..", import.meta.url)), reach);
  const times = Object.fromEntries(CONDITIONS.map((c) => [c, { decode: [] as number[], rest: [] as number[], whole: [] as number[] }])) as Record<
    Condition,
    { decode: number[]; rest: number[]; whole: number[] }
  >;
  const taken: OrderTimes = { decode: 0, rest: 0 };
  const order = (record?: Condition): void => {
    path.order(taken);
    if (record) {
      const t = times[record];
      t.decode.push(taken.decode);
      t.rest.push(taken.rest);
      t.whole.push(taken.decode + taken.rest);
    }
  };
  for (let i = 0; i < WARM_UP; i++) order();

  const profiled: Condition = (only as Condition | undefined) ?? "tlb";
  const inspector = profileFile ? new Session() : undefined;
  if (inspector) {
    inspector.connect();
    await inspector.post("Profiler.enable");
    await inspector.post("Profiler.setSamplingInterval", { interval: 5 });
  }
  for (let b = 0; b < blocks; b++) {
    for (const condition of conditions) {
      const e = EVICTION[condition];
      if (inspector && condition === profiled) await inspector.post("Profiler.start");
      for (let i = 0; i < perBlock; i++) {
        if (e) evict(e);
        if (condition === "syscall") fstatSync(STAT_FD);
        if (condition === "sleep") Atomics.wait(SLEEPER, 0, 0, 0.05);
        if (condition === "tlb, other first") {
          evict(TLB_EVICTION);
          order();
          // The timed order is of the account half the ring away: none of its state was read.
          path.skip(ACCOUNTS / 2 - 1);
        }
        order(condition);
      }
      if (inspector && condition === profiled) {
        const { profile } = await inspector.post("Profiler.stop");
        // One block's profile is enough to read; the last is written.
        writeFileSync(profileFile!, JSON.stringify(profile));
      }
    }
  }
  inspector?.disconnect();

  const us = percentileUs;
  process.stdout.write(`${blocks} blocks of ${perBlock} orders per condition, after ${WARM_UP} warm-up orders; µs, p50 / p90\n`);
  process.stdout.write(`condition          decode            door, engine, encode   whole\n`);
  for (const c of conditions) {
    const t = times[c];
    process.stdout.write(`${c.padEnd(17)} ${us(t.decode, 50)} / ${us(t.decode, 90)}   ${us(t.rest, 50)} / ${us(t.rest, 90)}        ${us(t.whole, 50)} / ${us(t.whole, 90)}\n`);
  }
  if (profileFile) process.stdout.write(`CPU profile of the last ${profiled} block: ${profileFile} (npx tsx bench/profile-top.ts ${profileFile})\n`);
  if (evictionSink() === 0.5) process.stdout.write("\n"); // keeps the eviction's reads observable
}

main().catch((e: unknown) => {
  process.stderr.write(`cold-order: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(2);
});
