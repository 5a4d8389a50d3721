/**
 * `npx tsx bench/profile-top.ts <file.cpuprofile> [N]`: where a V8 CPU profile (written
 * by `npm run bench -- --profile`) spends its time — self time per area of the code
 * (our engine/policies/state/server, generated code, protobuf-es, grpc-js, Node internals,
 * GC, idle), the top N functions by self time, and the top N of our own functions (src/)
 * by inclusive time (self plus everything they call), which shows which command path is
 * expensive rather than which leaf. For a profile of a recovery (the durability section's
 * replay), it also prints where the replay's time went: reading, JSON.parse, plain-data
 * decode, the engine, GC.
 */
import { readProfile, replaySplit, summarizeProfile } from "./profile-summary.js";

function main(): void {
  const [file, n = "25"] = process.argv.slice(2);
  if (!file) throw new Error("usage: tsx bench/profile-top.ts <file.cpuprofile> [N]");
  const profile = readProfile(file);
  const s = summarizeProfile(profile, Number(n));
  const pct = (ms: number, of = s.totalMs) => `${((100 * ms) / of).toFixed(1).padStart(5)} %`;
  console.log(`total ${(s.totalMs / 1000).toFixed(2)} s sampled\n\nby area (self time):`);
  for (const [area, ms] of s.byArea) console.log(`  ${pct(ms)}  ${area}`);
  console.log(`\ntop ${n} functions (self time):`);
  for (const [name, ms] of s.topSelf) console.log(`  ${pct(ms)}  ${name}`);
  console.log(`\ntop ${n} of our functions (inclusive time):`);
  for (const [name, ms] of s.topInclusiveOurs) console.log(`  ${pct(ms)}  ${name}`);
  const replay = replaySplit(profile, Number(n));
  if (replay) {
    console.log(`\nrecovery: ${replay.totalMs.toFixed(0)} ms sampled inside recoverState (GC included), by bucket:`);
    for (const b of replay.buckets) console.log(`  ${pct(b.ms, replay.totalMs)}  ${b.ms.toFixed(0).padStart(6)} ms  ${b.bucket}`);
    console.log(`\nrecovery: top ${n} functions (self time):`);
    for (const f of replay.topSelf) console.log(`  ${pct(f.ms, replay.totalMs)}  ${f.fn}`);
  }
}

main();
