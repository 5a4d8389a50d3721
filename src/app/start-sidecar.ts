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
import { startReplicated, type ReplicatedStart } from "./start-replicated-journal.js";
import { EXIT_CODES } from "./exit-codes.js";

export interface StartedSidecar {
  readonly server: SidecarServer;
  readonly port: number;
  /** Undefined in ephemeral and replicated mode. */
  readonly recovery: RecoveryReport | undefined;
  /** Replicated mode: the replica, its snapshot and takeover. */
  readonly replicated?: ReplicatedStart;
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
  if (config.durability.mode === "ephemeral") return { server, port, recovery: undefined };
  try {
    if (config.durability.mode === "replicated") {
      const replicated = await startReplicated(server.state, config, onJournalFailure);
      server.startServing();
      return { server, port, recovery: undefined, replicated };
    }
    const recovery = await recoverState(server.state, { ...config.durability, onJournalFailure });
    server.startServing();
    return { server, port, recovery };
  } catch (e) {
    await server.shutdown().catch(() => {});
    throw e;
  }
}
