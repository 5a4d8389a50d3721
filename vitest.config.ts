import { availableParallelism } from "node:os";
import { defineConfig } from "vitest/config";

/**
 * Pure in-process suites (no servers, processes, sockets, timers, env, mocks or module-level
 * state: the engine, the parameter types, the policies, the state layer's in-process checks) share one worker and its module cache
 * (`isolate: false`): with one worker on a 2-core machine, a fresh fork and a fresh import of
 * the engine per file cost more than their tests. Every other directory keeps a fork of its own.
 * A file added to these directories must keep to that (no vi.mock, fake timers, env or globals).
 */
const SHARED_WORKER = [
  "test/engine/**/*.test.ts",
  "test/param/**/*.test.ts",
  "test/policies/**/*.test.ts",
  // The state layer's codec, replay and snapshot checks, in process (journals in per-test temp dirs).
  "test/state/snapshot/**/*.test.ts",
  "test/state/{command-codec,door-replay,event-resume,handle-seq-wrap,many-policies-replay,snapshot-same-sequence,snapshot-schedule-durability}.test.ts",
  "test/state/journal/{corruption,journal-cut,round-trip,snapshots,torn-tail}.test.ts",
  // Codecs, formatters, the market-data store and the bench oracle, in process.
  "test/marketdata/**/*.test.ts",
  "test/server/wire/{decimal-field,direct-decoders,open-request,open-response,publish,write-answers}.test.ts",
  // Services' parts driven in process (no server): the answer paths, the slice queue, coalesced writes, audit.
  "test/server/{audit-config,audit-denial,coalesce-writes,feed-report-paths,slice-queue}.test.ts",
  "test/cli/{format,output,settings-path}.test.ts",
  "test/bench/{oracle-checks,oracle-scaled}.test.ts",
  "test/replication/{journal-message,journal-subjects}.test.ts",
  "test/ha/record-sequencer.test.ts",
];

/**
 * The quick bench runs the load harness's sections with windows of a few hundred
 * milliseconds on CPUs it pins: beside another file one of its durability rounds once
 * finished no order at all (a clean-clone run, two files at a time), so it runs alone.
 */
const ALONE = ["test/bench/harness.test.ts"];

export default defineConfig({
  test: {
    // End-to-end suites start real servers; forks keep each file's sockets apart.
    pool: "forks",
    // Two files at a time even on two cores (vitest's default there is one): most end-to-end
    // files wait on processes, sockets and timers, not on the CPU. Measured on a clean clone
    // here: 388 s against 599 s, every test green; the suites are written to hold under that
    // contention (they wait for what they need, never for a time).
    maxWorkers: Math.max(2, availableParallelism() - 1),
    testTimeout: 20_000,
    // Sidecars the suites start as processes inherit this: each binds its HTTP listener
    // (/metrics) on a free port instead of the default 9464, which parallel files would share.
    env: { OPENPIT_METRICS_LISTEN: "127.0.0.1:0" },
    projects: [
      { extends: true, test: { name: "unit", include: SHARED_WORKER, isolate: false } },
      { extends: true, test: { name: "e2e", include: ["test/**/*.test.ts"], exclude: [...SHARED_WORKER, ...ALONE] } },
      // After the others, one file at a time: nothing else runs beside it.
      { extends: true, test: { name: "alone", include: ALONE, maxWorkers: 1, sequence: { groupOrder: 1 } } },
    ],
  },
});
