/**
 * Start-up: serve NOT_SERVING at once (health answers, commands get UNAVAILABLE), recover
 * the durable state, then serve. Recovery failures (a corrupt journal) stop the start.
 */
import type { Clock } from "../engine/index.js";
import type { SidecarConfig } from "../server/config/sidecar-config.js";
import type { SidecarServer } from "../server/server.js";
import { recoverState, type RecoveryReport } from "../state/recovery.js";
import { wallClock } from "../state/wall-clock.js";
import { buildSidecar } from "./build-sidecar.js";
import { EXIT_CODES } from "./exit-codes.js";
import { checkHttpListen } from "../server/http/http-listen-policy.js";
import { METRICS_OFF } from "../server/config/metrics-config.js";

export interface StartedSidecar {
  readonly server: SidecarServer;
  readonly port: number;
  /** The HTTP listener's bound port (`/metrics`, the console); undefined with `metrics.listen: off`. */
  readonly httpPort: number | undefined;
  /** Undefined in ephemeral mode. */
  readonly recovery: RecoveryReport | undefined;
}

/**
 * A journal that cannot write can make nothing durable: the process stops (fail-stop), and
 * the next start recovers everything that was acknowledged. Nothing after the failure was.
 */
function stopOnJournalFailure(error: Error): void {
  process.stderr.write(`openpit-sidecar: the journal failed, stopping: ${error.message}\n`);
  process.exit(EXIT_CODES.journal);
}

export async function startSidecar(
  config: SidecarConfig,
  timeSource: Clock = wallClock(),
  onJournalFailure: (error: Error) => void = stopOnJournalFailure,
): Promise<StartedSidecar> {
  const server = buildSidecar(config, timeSource);
  const port = await server.listen(config.listen);
  let httpPort: number | undefined;
  try {
    // Before recovery: a long replay can be watched on /metrics.
    httpPort = await listenHttp(server, config);
    if (config.durability.mode === "ephemeral") return { server, port, httpPort, recovery: undefined };
    const recovery = await recoverState(server.state, { ...config.durability, onJournalFailure });
    server.startServing();
    return { server, port, httpPort, recovery };
  } catch (e) {
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
