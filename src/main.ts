import { buildSidecar } from "./server/config/build-sidecar.js";
import { DEFAULT_CONFIG } from "./server/config/default-config.js";
import { ConfigError, loadConfig } from "./server/config/load-config.js";
import { SettingsValidationError } from "./engine/index.js";

/** `npm start`: serve the sidecar on the configured (or embedded default) configuration. */
async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  if (argv.includes("--print-default-config")) {
    process.stdout.write(`${JSON.stringify(DEFAULT_CONFIG, null, 2)}\n`);
    return;
  }
  const config = loadConfig({ argv, env: process.env });
  const server = buildSidecar(config);
  const port = await server.listen(config.listen);
  const host = config.listen.slice(0, config.listen.lastIndexOf(":"));
  const policies = server.sidecar.engine.policies.map((p) => p.name).join(", ");
  process.stdout.write(`openpit-sidecar listening on ${host}:${port} (${config.syncMode}; policies: ${policies})\n`);

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
  process.stderr.write(`${known ? "configuration error: " : ""}${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(2);
});
