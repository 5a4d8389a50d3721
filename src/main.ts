/** `npm start`: serve the sidecar on the configured (or embedded default) configuration. */
import { resolve } from "node:path";
import { startSidecar } from "./app/start-sidecar.js";
import { DEFAULT_CONFIG } from "./server/config/default-config.js";
import { ConfigError, loadConfig } from "./server/config/load-config.js";
import { SettingsValidationError } from "./engine/index.js";
import { DurableStateError } from "./state/recovery.js";

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  if (argv.includes("--print-default-config")) {
    process.stdout.write(`${JSON.stringify(DEFAULT_CONFIG, null, 2)}\n`);
    return;
  }
  const config = loadConfig({ argv, env: process.env });
  const durability = config.durability;
  process.stdout.write(
    durability.mode === "ephemeral"
      ? "openpit-sidecar: ephemeral mode, state is kept in memory only and lost on exit\n"
      : `openpit-sidecar: durable state in ${resolve(durability.dataDir)} (${durability.mode} mode); recovering\n`,
  );
  const { server, port, recovery } = await startSidecar(config);
  if (recovery) {
    const snapshot = recovery.snapshotSequence === undefined ? "no snapshot" : `snapshot at record ${recovery.snapshotSequence}`;
    const torn = recovery.tornTail ? `; torn tail truncated at ${recovery.tornTail}` : "";
    process.stdout.write(
      `openpit-sidecar: recovered ${snapshot} + ${recovery.replayed} records in ${recovery.ms.toFixed(0)} ms` +
        `; ${recovery.rolledBackReservations} open reservations rolled back${torn}\n`,
    );
  }
  const host = config.listen.slice(0, config.listen.lastIndexOf(":"));
  const policies = server.state.engine.policies.map((p) => p.name).join(", ");
  process.stdout.write(`openpit-sidecar listening on ${host}:${port} (${config.syncMode}; policies: ${policies})\n`);
  for (const note of server.securityNotes) process.stdout.write(`openpit-sidecar: ${note}\n`);

  const stop = (signal: string) => {
    process.stdout.write(`${signal}: shutting down gracefully\n`);
    server.shutdown().then(
      () => process.exit(0),
      (e: unknown) => {
        process.stderr.write(`shutdown failed: ${String(e)}\n`);
        process.exit(1);
      },
    );
  };
  process.once("SIGTERM", () => stop("SIGTERM"));
  process.once("SIGINT", () => stop("SIGINT"));
}

main().catch((e: unknown) => {
  const known = e instanceof ConfigError || e instanceof SettingsValidationError;
  const prefix = known ? "configuration error: " : e instanceof DurableStateError ? "cannot recover durable state: " : "";
  process.stderr.write(`${prefix}${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(2);
});
