/** `npm start`: serve the sidecar on the configured (or embedded default) configuration. */
import { writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { startSidecar } from "./app/start-sidecar.js";
import { UnsupportedTopologyError } from "./app/start-failover.js";
import { EXIT_CODES } from "./app/exit-codes.js";
import { installFailClosed, oneLine } from "./app/fail-closed.js";
import { quietGrpcBindLog } from "./app/grpc-log.js";
import { DEFAULT_CONFIG } from "./server/config/default-config.js";
import { checkArguments, ConfigError, loadConfig, USAGE } from "./server/config/load-config.js";
import { ListenError } from "./server/listen-error.js";
import type { SidecarServer } from "./server/server.js";
import { SettingsValidationError } from "./engine/index.js";
import { DurableStateError } from "./state/recovery.js";
import { setFailureReporter } from "./state/guarded.js";
import { createLogger, parseLogLevel } from "./server/log/sidecar-log.js";
import { describeWriter, THIS_WRITER } from "./state/journal-writer.js";
import { printableServer } from "./server/config/replication-config.js";

let server: SidecarServer | undefined;
installFailClosed(() => server);

/**
 * `--help`, `--version` and `--print-default-config[=FILE]` answer and exit before anything
 * starts. With `=FILE` the configuration goes to the file itself, so nothing npm prints
 * (its `> openpit-sidecar@… start` banner) can end up in it.
 */
function answerAndExit(argv: readonly string[]): boolean {
  if (argv.includes("--help")) {
    process.stdout.write(`${USAGE}\n`);
    return true;
  }
  if (argv.includes("--version")) {
    // The replay rules beside the version: two builds of one version may not replay each other's journal.
    process.stdout.write(`${describeWriter(THIS_WRITER)}\n`);
    return true;
  }
  const text = `${JSON.stringify(DEFAULT_CONFIG, null, 2)}\n`;
  if (argv.includes("--print-default-config")) {
    process.stdout.write(text);
    return true;
  }
  const toFile = argv.find((a) => a.startsWith("--print-default-config="));
  if (toFile === undefined) return false;
  const file = toFile.slice("--print-default-config=".length);
  if (file === "") throw new ConfigError(`--print-default-config=FILE needs a file name\n${USAGE}`);
  try {
    writeFileSync(file, text);
  } catch (e) {
    throw new ConfigError(`cannot write ${file}: ${(e as Error).message}`);
  }
  process.stdout.write(`openpit-sidecar: the default configuration was written to ${resolve(file)}\n`);
  return true;
}

async function main(): Promise<void> {
  // The lines on stdout are for whoever watches; the log on stderr says the same. A reader
  // gone (`npm start | tee log`, ended by the same Ctrl-C) must not turn the graceful stop
  // into an uncaught EPIPE, failing closed with no last snapshot (found by review, session 34).
  process.stdout.on("error", () => {});
  const argv = process.argv.slice(2);
  checkArguments(argv);
  if (answerAndExit(argv)) return;
  const config = loadConfig({ argv, env: process.env });
  const log = createLogger(parseLogLevel(process.env.LOG_LEVEL));
  quietGrpcBindLog(log);
  // Failures of timers, close handlers and event fan-out: a log line each (the process goes on).
  setFailureReporter((line) => log.error({ event: "error" }, line));
  // SIGHUP re-reads the tokens file, the client CRL and the TLS certificate files at once (the
  // intervals would within tokensRefreshIntervalMs / tls.refreshIntervalMs). Only with one of
  // them: otherwise SIGHUP keeps its default, ending the process as before. Handled from here, before recovery (which can take
  // minutes): an operator who revokes a credential and signals during it must not end the
  // sidecar; the signal is kept and acted on once it serves.
  let hangupDuringStart = false;
  let reloadCredentials: (() => Promise<void>) | undefined;
  if (config.security.tokensFile !== undefined || config.security.tls !== undefined) {
    process.on("SIGHUP", () => {
      if (reloadCredentials) void reloadCredentials();
      else hangupDuringStart = true;
    });
  }
  const durability = config.durability;
  const replication = config.replication;
  process.stdout.write(
    durability.mode === "ephemeral"
      ? "openpit-sidecar: ephemeral mode, state is kept in memory only and lost on exit\n"
      : durability.mode === "replicated" && replication && config.ownership
        ? `openpit-sidecar: replicated mode with failover: advertised ${config.ownership.advertisedAddress}, ${replication.shardCount} shards, ` +
          `lease TTL ${config.ownership.leaseTtlMs} ms, stream ${replication.stream} (${replication.servers.map(printableServer).join(", ")}); following as a standby\n`
        : durability.mode === "replicated" && replication
          ? `openpit-sidecar: replicated journal on stream ${replication.stream} (${replication.servers.map(printableServer).join(", ")}); recovering\n`
          : `openpit-sidecar: durable state in ${resolve(durability.dataDir)} (${durability.mode} mode); recovering\n`,
  );
  const started = await startSidecar(config, undefined, undefined, log, undefined, (built) => (server = built));
  // Failed closed during the start: the exit is under way; nothing is announced as serving.
  if (started.server.phase === "failed") return;
  const startedServer = started.server;
  reloadCredentials = () => startedServer.reloadCredentials();
  if (hangupDuringStart) void reloadCredentials();
  const { port, httpPort, recovery, replicated, failover } = started;
  // Before the listening line: a supervisor that signals as soon as it reads the line must get
  // a graceful shutdown, not the default action of a signal with no handler yet (found by review).
  const running = startedServer;
  let stopping = false;
  const stop = (signal: string) => {
    // One Ctrl-C reaches the process twice under `npm start` (the terminal, and npm forwarding it).
    if (stopping) return;
    stopping = true;
    const drain = config.limits.shutdownDrainMs;
    log.info({ event: "shutdown", signal, drainMs: drain, graceMs: config.limits.shutdownGraceMs }, `${signal}: shutting down gracefully`);
    process.stdout.write(`${signal}: shutting down gracefully\n`);
    // An active owner's leases lapse after their TTL; StepDown first hands over at once.
    if (failover) process.stdout.write(`openpit-sidecar: the leases lapse after ${config.ownership?.leaseTtlMs} ms (StepDown hands over at once)\n`);
    process.stdout.write(`openpit-sidecar: NOT_SERVING; draining for ${drain} ms, then closing streams\n`);
    failover?.leave();
    running
      .shutdown()
      .then(() => failover?.close())
      .then(
        () => {
          // Its last snapshot failed (a full disk): the next start replays records, perhaps under
          // a newer version's rules, which the upgrade procedure relies on a clean stop to avoid
          // (found by review: this stop ended "stopped", exit 0).
          const snapshotFailed = running.state.snapshots?.lastError;
          if (snapshotFailed !== undefined) {
            const message = `stopped, but the last snapshot failed (${snapshotFailed}): the next start replays the records after the previous one; do not upgrade on this directory until a stop ends "stopped"`;
            log.error({ event: "stopped_without_snapshot", error: snapshotFailed }, message);
            process.stdout.write(`openpit-sidecar: ${message}\n`);
            process.exit(EXIT_CODES.software);
          }
          log.info({ event: "stopped" }, "stopped");
          process.stdout.write("openpit-sidecar: stopped\n");
          process.exit(EXIT_CODES.ok);
        },
        (e: unknown) => {
          log.error({ event: "shutdown_failed", error: oneLine(e) }, "shutdown failed");
          process.stderr.write(`openpit-sidecar: shutdown failed: ${oneLine(e)}\n`);
          process.exit(EXIT_CODES.software);
        },
      );
  };
  process.on("SIGTERM", () => stop("SIGTERM"));
  process.on("SIGINT", () => stop("SIGINT"));
  if (replicated) {
    const { follow, takeover } = replicated;
    const snapshot = follow.snapshotSequence === undefined ? "no snapshot" : `snapshot at record ${follow.snapshotSequence}`;
    process.stdout.write(
      `openpit-sidecar: recovered ${snapshot} + ${takeover.replayed} records from the stream; took the journal over as epoch ${takeover.epoch}` +
        ` in ${takeover.ms.toFixed(0)} ms; ${takeover.rolledBackReservations} open reservations rolled back\n`,
    );
  }
  if (recovery) {
    const snapshot = recovery.snapshotSequence === undefined ? "no snapshot" : `snapshot at record ${recovery.snapshotSequence}`;
    const torn = recovery.tornTail ? `; torn tail truncated at ${recovery.tornTail}` : "";
    process.stdout.write(
      `openpit-sidecar: recovered ${snapshot} + ${recovery.replayed} records in ${recovery.ms.toFixed(0)} ms` +
        `; ${recovery.rolledBackReservations} open reservations rolled back${torn}\n`,
    );
  }
  const host = config.listen.slice(0, config.listen.lastIndexOf(":"));
  const policies = startedServer.state.engine.policies.map((p) => p.name).join(", ");
  // The pid: a supervisor (or a test) started through `npm start` can check what it runs.
  process.stdout.write(`openpit-sidecar listening on ${host}:${port} (${config.syncMode}; ${failover ? "replicated, failover; " : ""}policies: ${policies}; pid ${process.pid})\n`);
  if (httpPort !== undefined) {
    const httpHost = config.metrics.listen.slice(0, config.metrics.listen.lastIndexOf(":"));
    process.stdout.write(`openpit-sidecar: metrics on http://${httpHost}:${httpPort}/metrics\n`);
  }
  for (const note of startedServer.securityNotes) process.stdout.write(`openpit-sidecar: ${note}\n`);
}

main().catch((e: unknown) => {
  if (e instanceof ListenError) {
    process.stderr.write(`openpit-sidecar: ${e.message}\n`);
    process.exit(EXIT_CODES.listen);
  }
  const known = e instanceof ConfigError || e instanceof SettingsValidationError || e instanceof UnsupportedTopologyError;
  if (known || e instanceof DurableStateError) {
    process.stderr.write(`${known ? "configuration error: " : "cannot recover durable state: "}${(e as Error).message}\n`);
    process.exit(EXIT_CODES.config);
  }
  process.stderr.write(`openpit-sidecar: cannot start: ${oneLine(e)}\n`);
  process.exit(EXIT_CODES.software);
});
