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

export interface StartedSidecar {
  readonly server: SidecarServer;
  readonly port: number;
  /** Undefined in ephemeral mode. */
  readonly recovery: RecoveryReport | undefined;
}

export async function startSidecar(config: SidecarConfig, timeSource: Clock = wallClock()): Promise<StartedSidecar> {
  const server = buildSidecar(config, timeSource);
  const port = await server.listen(config.listen);
  if (config.durability.mode === "ephemeral") return { server, port, recovery: undefined };
  try {
    const recovery = await recoverState(server.state, config.durability);
    server.startServing();
    return { server, port, recovery };
  } catch (e) {
    await server.shutdown().catch(() => {});
    throw e;
  }
}
