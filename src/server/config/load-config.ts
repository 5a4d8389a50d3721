/** The configuration in force: file or embedded default, then environment, then flags. */
import { readFileSync } from "node:fs";
import { DEFAULT_CONFIG } from "./default-config.js";
import { parseSidecarConfig, type SidecarConfig } from "./sidecar-config.js";
import { parseListenAddress } from "./listen-address.js";

export class ConfigError extends Error {
  override name = "ConfigError";
}

export interface ConfigSources {
  readonly argv: readonly string[];
  readonly env: Readonly<Record<string, string | undefined>>;
}

const USAGE = `usage: openpit-sidecar [--config FILE.json] [--listen HOST:PORT] [--data-dir DIR] [--ephemeral] [--insecure] [--print-default-config]
  env: OPENPIT_CONFIG (file), OPENPIT_LISTEN (address), OPENPIT_DATA_DIR (journal directory);
  flags win over env, env over the file. --ephemeral keeps state in memory only (lost on exit).
  --insecure allows plaintext (or no principals) on a non-loopback address (docs/security.md).`;

function flag(argv: readonly string[], name: string): string | undefined {
  const i = argv.indexOf(name);
  if (i < 0) return undefined;
  const value = argv[i + 1];
  if (value === undefined || value.startsWith("--")) throw new ConfigError(`${name} needs a value\n${USAGE}`);
  return value;
}

/**
 * The configuration in force: the file named by `--config` / `OPENPIT_CONFIG`, or the
 * embedded default; then `OPENPIT_LISTEN`, then `--listen`.
 */
export function loadConfig({ argv, env }: ConfigSources): SidecarConfig {
  for (const a of argv) {
    if (a.startsWith("--") && !["--config", "--listen", "--data-dir", "--ephemeral", "--insecure", "--print-default-config"].includes(a)) {
      throw new ConfigError(`unknown option ${a}\n${USAGE}`);
    }
  }
  const file = flag(argv, "--config") ?? env.OPENPIT_CONFIG;
  let json: unknown = DEFAULT_CONFIG;
  if (file) {
    let text: string;
    try {
      text = readFileSync(file, "utf8");
    } catch (e) {
      throw new ConfigError(`cannot read config file ${file}: ${(e as Error).message}`);
    }
    try {
      json = JSON.parse(text);
    } catch (e) {
      throw new ConfigError(`config file ${file} is not valid JSON: ${(e as Error).message}`);
    }
  }
  let config = parseSidecarConfig(json);
  const listenFlag = flag(argv, "--listen");
  const listen = listenFlag ?? env.OPENPIT_LISTEN;
  if (listen !== undefined && (listenFlag !== undefined || listen !== "")) {
    const address = parseListenAddress(listen);
    if (typeof address === "string") throw new ConfigError(`${listenFlag !== undefined ? "--listen" : "OPENPIT_LISTEN"}: ${address}`);
    config = { ...config, listen };
  }
  const dataDir = flag(argv, "--data-dir") ?? env.OPENPIT_DATA_DIR;
  if (dataDir) config = { ...config, durability: { ...config.durability, dataDir } };
  if (argv.includes("--ephemeral")) {
    if (flag(argv, "--data-dir") !== undefined) throw new ConfigError(`--ephemeral and --data-dir exclude each other\n${USAGE}`);
    config = { ...config, durability: { ...config.durability, mode: "ephemeral" } };
  }
  if (argv.includes("--insecure")) config = { ...config, security: { ...config.security, insecure: true } };
  return config;
}

export { USAGE };
