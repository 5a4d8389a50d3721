/**
 * How the suite's files share worker processes (read by vitest.config.ts, checked by
 * test/suite-isolation.test.ts).
 *
 * A fresh fork per file costs its imports again (grpc-js, the server, the engine: about 1.2 s a
 * file here, more than half of the end-to-end time), so files share their worker's module cache
 * (`isolate: false`) unless they change what the process shares. Sharing is safe for a file
 * that starts its servers on port 0 and its journals in temp dirs of its own and closes them.
 */

/**
 * Pure in-process suites (no servers, processes, sockets or timers: the engine, the parameter
 * types, the policies, the state layer's in-process checks, the codecs) run in one worker: with
 * one worker on a 2-core machine, their files are smaller than a fork's start.
 */
export const SHARED_WORKER = [
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
  // The import layers, read from the sources.
  "test/architecture/**/*.test.ts",
];

/**
 * The quick bench runs the load harness's sections with windows of a few hundred
 * milliseconds on CPUs it pins: beside another file one of its durability rounds once
 * finished no order at all (a clean-clone run, two files at a time), so it runs alone.
 */
export const ALONE = ["test/bench/harness.test.ts"];

/**
 * Files that change what a process shares, each in a fork of its own: module mocks, fake
 * timers, spies (on shared prototypes, process streams, Date or a module's object), a
 * library's prototype or logger replaced, the environment, process listeners. Plain paths, so
 * that the isolation test can check that every such file is here.
 */
export const ISOLATED = [
  "test/cli/change-applied-read-failed.test.ts",
  "test/cli/cli.test.ts",
  "test/cli/group-block-reason.test.ts",
  "test/client/gateway-callbacks-throw.test.ts",
  "test/console/console-refused-body-unread.test.ts",
  "test/client/token-http-proxy.test.ts",
  "test/durability/file-modes.test.ts",
  "test/durability/lock-release-race.test.ts",
  "test/durability/recovery-announcement.test.ts",
  "test/engine/system-clock.test.ts",
  "test/replication/journal-tail-stop.test.ts",
  "test/security/certificate-path.test.ts",
  "test/security/certificate-revocation.test.ts",
  "test/security/sighup-cert-during-read.test.ts",
  "test/security/stop-during-listen.test.ts",
  "test/observability/grpc-log.test.ts",
  "test/server/channel-cancel-mid-slices.test.ts",
  "test/server/fail-closed-in-grace.test.ts",
  "test/server/feed-cancel-mid-slices.test.ts",
  "test/server/list-accounts-cost.test.ts",
  "test/state/configure-journaled-settings.test.ts",
  "test/state/journal/ack-order.test.ts",
  "test/state/journal/data-dir-creation.test.ts",
  "test/state/journal/fsyncgate-restart.test.ts",
  "test/state/journal/group-commit.test.ts",
  "test/state/journal/header-short-write.test.ts",
  "test/state/journal/journal-cut-short-write.test.ts",
  "test/state/journal/rollover-failure-temp.test.ts",
  "test/state/journal/snapshot-short-write.test.ts",
  "test/state/listed-instruments-bounded.test.ts",
  "test/state/long-account-list-bounded.test.ts",
  "test/state/snapshot-retry-backoff.test.ts",
  // Sets a generated enum's and the reject table's entries for a run (sendingAsNewer).
  "test/server/example-command-errors.test.ts",
];

/**
 * What makes a file change the process it runs in (see ISOLATED). Found by review (session
 * 37): the first version missed a prototype replaced by assignment (grpc-js's server stream
 * `emit`, wrapped for good) and grpc-js's logger set through our own `quietGrpcBindLog`.
 */
export const CHANGES_THE_PROCESS =
  /\bvi\.(mock|doMock|spyOn|useFakeTimers|stubEnv|stubGlobal)\(|process\.env(\.\w+|\[[^\]]+\])\s*=[^=]|delete process\.env|process\.(on|once|prependListener|chdir|setMaxListeners|umask)\(|globalThis\.\w+\s*=[^=]|\.prototype\.\w+\s*=[^=]|\b(setLogger|setLogVerbosity|quietGrpcBindLog|boundFileJournals|sendingAsNewer)\(/;
