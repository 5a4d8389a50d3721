/**
 * Start-up: serve NOT_SERVING at once (health answers, commands get UNAVAILABLE), recover
 * the durable state, then serve. Recovery failures (a corrupt journal) stop the start.
 * Every mode shares this start: the listeners, metrics, console and structured log are the
 * same for an ephemeral, durable, replicated or failover (standby/active) sidecar.
 */
import { systemClock, type Clock } from "../engine/index.js";
import type { SidecarConfig } from "../server/config/sidecar-config.js";
import type { SidecarServer } from "../server/server.js";
import { DurableStateError, recoverState, type RecoveryReport } from "../state/recovery.js";
import { buildSidecar } from "./build-sidecar.js";
import { startReplicated, type ReplicatedStart } from "./start-replicated-journal.js";
import { failoverConfigOf, startFailover, type FailoverHooks, type StartedFailover } from "./start-failover.js";
import { EXIT_CODES } from "./exit-codes.js";
import { resolve } from "node:path";
import { ListenError } from "../server/listen-error.js";
import { configSummary } from "../server/log/config-summary.js";
import { errorFields, type SidecarLogger } from "../server/log/sidecar-log.js";
import { VERSION } from "../version.js";
import { REPLAY_RULES } from "../state/journal-writer.js";
import { checkHttpListen } from "../server/http/http-listen-policy.js";
import { METRICS_OFF } from "../server/config/metrics-config.js";
import { logDataDirAccess } from "./data-dir-access-log.js";
import { logRestoredAgainstFile } from "./restored-state-log.js";

export interface StartedSidecar {
  readonly server: SidecarServer;
  readonly port: number;
  /** The HTTP listener's bound port (`/metrics`, the console); undefined with `metrics.listen: off`. */
  readonly httpPort: number | undefined;
  /** What a file journal's recovery did: undefined in ephemeral and replicated mode (`replicated.takeover` is that start's recovery). */
  readonly recovery: RecoveryReport | undefined;
  /** Replicated mode: the replica, its snapshot and takeover. */
  readonly replicated?: ReplicatedStart;
  /** Replicated mode with failover (`ownership`): a standby that takes over when it holds the leases. */
  readonly failover?: StartedFailover;
}

/**
 * A journal that cannot write can make nothing durable: the process stops (fail-stop), and
 * the next start recovers everything that was acknowledged. Nothing after the failure was.
 */
function stopOnJournalFailure(error: Error): void {
  process.stderr.write(`openpit-sidecar: the journal failed, stopping: ${error.message}\n`);
  process.exit(EXIT_CODES.journal);
}

/**
 * Replicated mode with failover, this instance stopped serving for good (lease lost, append
 * refused, stepped down): it exits shortly after, and a supervisor's restart makes it a
 * standby again, rebuilt from the journal (its engine may hold decisions the journal refused).
 */
export const EXIT_WHEN_FENCED: FailoverHooks = {
  onFenced: (reason) => {
    process.stdout.write(`openpit-sidecar: NOT_SERVING for good: ${reason}; exiting (${EXIT_CODES.fenced}): restarted, this instance is a standby again\n`);
    // Long enough for NOT_SERVING to reach health watchers.
    setTimeout(() => process.exit(EXIT_CODES.fenced), 200);
  },
  onTailError: (error) => {
    const { code, line } = tailFailureExit(error);
    process.stderr.write(line);
    process.exit(code);
  },
};

/**
 * How a standby that stopped following exits. A record it cannot replay (another build's,
 * or one its state refuses) is there again after any restart: exit 2, "cannot recover durable
 * state", as a start from files does (main.ts). 74 asks a supervisor to restart it, and the
 * standby crash-looped on the same record for ever (found by review). Anything else (the
 * stream, the connection) may pass: 74.
 */
export function tailFailureExit(error: Error): { readonly code: number; readonly line: string } {
  for (let e: unknown = error; e instanceof Error; e = e.cause) {
    if (e instanceof DurableStateError) {
      return { code: EXIT_CODES.config, line: `openpit-sidecar: following the journal failed: cannot recover durable state: ${error.message}\n` };
    }
  }
  return { code: EXIT_CODES.journal, line: `openpit-sidecar: following the journal failed: ${error.message}\n` };
}

/**
 * `logger`: where the structured log goes (the process passes its stderr logger; tests a
 * stream of their own). Nothing is logged before both listeners are bound, so a start that
 * cannot bind says so in one plain line (main.ts) and nothing else.
 */
export async function startSidecar(
  config: SidecarConfig,
  timeSource: Clock = systemClock(),
  onJournalFailure: (error: Error) => void = stopOnJournalFailure,
  logger?: SidecarLogger,
  failoverHooks: FailoverHooks = EXIT_WHEN_FENCED,
  onBuilt?: (server: SidecarServer) => void,
): Promise<StartedSidecar> {
  const failover = failoverConfigOf(config);
  const server = buildSidecar(config, timeSource, undefined, logger);
  // Known to the process before recovery: failing closed during a long replay must reach it
  // (found by review, session 34: it learnt of the server only once the start returned, so
  // recovery went on, turned SERVING and ran commands until the exit timer fired).
  onBuilt?.(server);
  const log = server.log;
  const port = await server.listen(config.listen);
  let httpPort: number | undefined;
  try {
    // Bound before recovery: an address in use fails the start at once, not after a long replay.
    httpPort = await listenHttp(server, config);
    log.info(
      { event: "start", version: VERSION, replayRules: REPLAY_RULES, node: process.version, grpcPort: port, httpPort: httpPort ?? null, config: configSummary(config) },
      `openpit-sidecar ${VERSION} listening on ${config.listen.slice(0, config.listen.lastIndexOf(":"))}:${port}` +
        (httpPort === undefined ? "; no HTTP listener" : `; metrics on port ${httpPort}`),
    );
    for (const note of server.securityNotes) {
      if (note.startsWith("WARNING")) log.warn({ event: "security_warning" }, note);
      else log.info({ event: "security" }, note);
    }
    if (config.durability.mode === "ephemeral") {
      log.info({ event: "serving", mode: "ephemeral" }, "serving; ephemeral mode: state is kept in memory only and lost on exit");
      return { server, port, httpPort, recovery: undefined };
    }
    const failed = (error: Error) => {
      log.fatal({ event: "journal_failed", ...errorFields(error) }, `the journal failed, stopping: ${error.message}`);
      onJournalFailure(error);
    };
    if (failover) {
      log.info({ event: "recovering", mode: "replicated", failover: true, stream: failover.replication.stream }, "following the replicated journal as a standby (snapshot + stream tail)");
      return { server, port, httpPort, recovery: undefined, failover: await startFailover(server, failover, failoverHooks) };
    }
    if (config.durability.mode === "replicated") {
      log.info({ event: "recovering", mode: "replicated", stream: config.replication?.stream ?? null }, "recovering from the replicated journal (snapshot + stream tail)");
      const replicated = await startReplicated(server.state, config, failed);
      server.metrics.recovered(replicated.takeover);
      // As a file journal's start logs it (found by review, session 36: this one never did, so
      // an alert on its rolled-back reservations saw nothing in replicated mode).
      const t = replicated.takeover;
      log.info({ event: "recovered", ...recoveryFields(t), epoch: String(t.epoch) }, `recovered: ${t.replayed} records replayed in ${t.ms.toFixed(0)} ms, ${t.rolledBackReservations} open reservations rolled back`);
      logRestoredAgainstFile(log, config, server.state, replicated.takeover);
      server.startServing();
      // Failed closed meanwhile: as below, nothing of a state that may be damaged is snapshotted.
      if (server.phase === "failed") server.state.snapshots?.halt();
      if (server.phase === "serving") log.info(
          { event: "serving", mode: "replicated", epoch: String(replicated.takeover.epoch), replayed: replicated.takeover.replayed, signing: replicated.signing ?? null },
          "serving; took the replicated journal over",
        );
      return { server, port, httpPort, recovery: undefined, replicated };
    }
    log.info({ event: "recovering", mode: config.durability.mode, dataDir: resolve(config.durability.dataDir) }, "recovering the durable state");
    const recovery = await recoverState(server.state, { ...config.durability, onJournalFailure: failed });
    server.metrics.recovered(recovery);
    log.info({ event: "recovered", ...recoveryFields(recovery) }, `recovered: ${recovery.replayed} records replayed in ${recovery.ms.toFixed(0)} ms, ${recovery.rolledBackReservations} open reservations rolled back`);
    logDataDirAccess(log, resolve(config.durability.dataDir));
    logRestoredAgainstFile(log, config, server.state, recovery);
    server.startServing();
    // Failed closed meanwhile (startServing leaves only "recovering"): the process is exiting;
    // no snapshot of what may be damaged is scheduled, and nothing says "serving".
    if (server.phase === "failed") server.state.snapshots?.halt();
    else log.info({ event: "serving", mode: config.durability.mode }, "serving");
    return { server, port, httpPort, recovery };
  } catch (e) {
    if (!(e instanceof ListenError)) log.error({ event: "start_failed", ...errorFields(e) }, `cannot start: ${e instanceof Error ? e.message : String(e)}`);
    await server.shutdown().catch(() => {});
    throw e;
  }
}

/** Binds the HTTP listener where the configuration says (not at all with `off`); its warnings join the security notes. */
async function listenHttp(server: SidecarServer, config: SidecarConfig): Promise<number | undefined> {
  const address = config.metrics.listen;
  if (address === METRICS_OFF) return undefined;
  const notes = checkHttpListen(address, config.security.insecure);
  const port = await server.http.listen(address);
  server.addListener("http", `${address.slice(0, address.lastIndexOf(":"))}:${port}`);
  server.securityNotes = [...server.securityNotes, ...notes];
  return port;
}

function recoveryFields(r: RecoveryReport) {
  return {
    snapshotSequence: r.snapshotSequence === undefined ? null : String(r.snapshotSequence),
    skippedSnapshots: r.skippedSnapshots,
    replayed: r.replayed,
    lastSequence: String(r.lastSequence),
    tornTail: r.tornTail ?? null,
    rolledBackReservations: r.rolledBackReservations,
    settingsChanged: r.settingsChanged,
    ms: Math.round(r.ms),
  };
}
