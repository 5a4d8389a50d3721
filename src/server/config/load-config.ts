/** The configuration in force: file or embedded default, then environment, then flags. */
import { readFileSync } from "node:fs";
import { DEFAULT_CONFIG } from "./default-config.js";
import { dataDirProblem, parseSidecarConfig, type SidecarConfig } from "./sidecar-config.js";
import { parseListenAddress } from "./listen-address.js";
import { checkMetricsListen } from "./metrics-config.js";
import { firstJsonTextProblem, jsonParseErrorAt, jsonTextProblem, lineAndColumn } from "../../json/json-numbers.js";

export class ConfigError extends Error {
  override name = "ConfigError";
}

export interface ConfigSources {
  readonly argv: readonly string[];
  readonly env: Readonly<Record<string, string | undefined>>;
}

const USAGE = `usage: openpit-sidecar [--config FILE.json] [--listen HOST:PORT] [--metrics-listen HOST:PORT|off]
                       [--data-dir DIR] [--ephemeral] [--insecure]
       openpit-sidecar --print-default-config[=FILE] | --help | --version
  --config FILE          the configuration (default: the embedded one; see --print-default-config)
  --listen HOST:PORT     the gRPC address (default 127.0.0.1:50051; port 0 = any free port)
  --metrics-listen HOST:PORT|off
                         the HTTP listener for /metrics and the console (default 127.0.0.1:9464)
  --data-dir DIR         the journal and snapshots (default ./openpit-data)
  --ephemeral            keep state in memory only (lost on exit)
  --insecure             allow plaintext (or no principals) on a non-loopback address (docs/security.md)
  --print-default-config[=FILE]
                         print the embedded configuration (to FILE: no npm banner in it) and exit
  env: OPENPIT_CONFIG (file), OPENPIT_LISTEN, OPENPIT_METRICS_LISTEN, OPENPIT_DATA_DIR, LOG_LEVEL
  (fatal, error, warn, info, debug, trace, silent; default info); flags win over env, env over the file.`;

/** Options that take a value (`--name VALUE`), and those that stand alone. */
const VALUE_OPTIONS = ["--config", "--listen", "--metrics-listen", "--data-dir"];
const SWITCHES = ["--ephemeral", "--insecure", "--print-default-config", "--help", "--version"];

function flag(argv: readonly string[], name: string): string | undefined {
  const i = argv.indexOf(name);
  if (i < 0) return undefined;
  const value = argv[i + 1];
  if (value === undefined || value.startsWith("--")) throw new ConfigError(`${name} needs a value\n${USAGE}`);
  return value;
}

/**
 * The configuration in force: the file named by `--config` / `OPENPIT_CONFIG`, or the
 * embedded default; then the environment (`OPENPIT_LISTEN`, `OPENPIT_METRICS_LISTEN`,
 * `OPENPIT_DATA_DIR`), then the flags.
 */
/**
 * Refuses an unknown option or a stray argument. main.ts calls it before answering
 * `--help`, `--version` or `--print-default-config` too (found by review: `--version stray`
 * exited 0, so a provisioning script's typo went unnoticed).
 */
export function checkArguments(argv: readonly string[]): void {
  const given = new Set<string>();
  for (const [i, a] of argv.entries()) {
    if (VALUE_OPTIONS.includes(argv[i - 1] ?? "")) continue;
    if (!VALUE_OPTIONS.includes(a) && !SWITCHES.includes(a) && !a.startsWith("--print-default-config=")) {
      throw new ConfigError(`${a.startsWith("-") ? "unknown option" : "unexpected argument"} ${a}\n${USAGE}`);
    }
    // Once each, as the operator CLI takes its options (found by review, session 34: the first
    // --data-dir won and a wrapper's own `--data-dir B` after "$@" was ignored without a word).
    const name = a.startsWith("--print-default-config=") ? "--print-default-config" : a;
    if (given.has(name)) throw new ConfigError(`${name} given twice\n${USAGE}`);
    given.add(name);
    // A value option's value is checked here too (found by review: `--config --version`
    // took `--version` as the file name here and as a switch in main.ts, which printed the
    // version and exited 0).
    if (VALUE_OPTIONS.includes(a)) flag(argv, a);
  }
}

export function loadConfig({ argv, env }: ConfigSources): SidecarConfig {
  checkArguments(argv);
  const configFlag = flag(argv, "--config");
  // An empty --config (an unset shell variable) must not quietly serve the embedded default,
  // nor may an OPENPIT_CONFIG set to nothing (`OPENPIT_CONFIG=$CFG` with CFG unset; found by
  // review): the demo policies and limits would guard real orders.
  if (configFlag === "") throw new ConfigError(`--config needs a file name\n${USAGE}`);
  if (configFlag === undefined && env.OPENPIT_CONFIG !== undefined && env.OPENPIT_CONFIG.trim() === "") {
    throw new ConfigError(`OPENPIT_CONFIG is set but empty: name a file, or unset it for the embedded default`);
  }
  const file = configFlag ?? env.OPENPIT_CONFIG;
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
      // Not V8's message: it quotes the file's first characters (a token file named here by
      // mistake echoed the token; found by review, session 38).
      throw new ConfigError(`config file ${file} is not valid JSON${jsonParseErrorAt(text, e)}`);
    }
    // A number a double changes, or a key written twice (the last value silently read; found
    // by review, session 34): refused with its line and column (json-numbers.ts).
    const problem = firstJsonTextProblem(text);
    if (problem) {
      const at = (offset: number): string => lineAndColumn(text, offset);
      throw new ConfigError(`config file ${file} ${at(problem.offset)}: ${jsonTextProblem(problem, at)}`);
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
  const metricsFlag = flag(argv, "--metrics-listen");
  const metricsListen = metricsFlag ?? env.OPENPIT_METRICS_LISTEN;
  if (metricsListen !== undefined && (metricsFlag !== undefined || metricsListen !== "")) {
    const problem = checkMetricsListen(metricsListen);
    if (problem) throw new ConfigError(`${metricsFlag !== undefined ? "--metrics-listen" : "OPENPIT_METRICS_LISTEN"}: ${problem}`);
    config = { ...config, metrics: { ...config.metrics, listen: metricsListen } };
  }
  const dataDirFlag = flag(argv, "--data-dir");
  if (dataDirFlag !== undefined && dataDirFlag.trim() === "") throw new ConfigError(`--data-dir needs a directory\n${USAGE}`);
  const dataDirEnv = env.OPENPIT_DATA_DIR;
  // Empty: unset, as for the listen variables. Only spaces: a mistake, as in the flag or the file.
  if (dataDirFlag === undefined && dataDirEnv !== undefined && dataDirEnv !== "" && dataDirEnv.trim() === "") {
    throw new ConfigError("OPENPIT_DATA_DIR is only spaces: name a directory, or unset it");
  }
  const dataDir = dataDirFlag ?? dataDirEnv;
  if (dataDir) {
    const source = dataDirFlag !== undefined ? "--data-dir" : "OPENPIT_DATA_DIR";
    const unusable = dataDirProblem(dataDir);
    if (unusable) throw new ConfigError(`${source}: ${unusable}`);
    // A data directory asked for beside a file that keeps the state in memory only: nothing
    // would survive a restart, as with --ephemeral --data-dir (found by review: it started
    // memory-only, the directory silently unused). --ephemeral on the command line wins over
    // OPENPIT_DATA_DIR from the environment, as flags do. Replicated mode keeps its state
    // durable elsewhere (the NATS stream), so a directory given to every instance is unused there.
    if (config.durability.mode === "ephemeral" && !argv.includes("--ephemeral")) {
      throw new ConfigError(
        `${source} names a data directory, but the configuration's durability.mode is "ephemeral" (memory only: nothing would survive a restart): ` +
          `set durability.mode to "sync" or "async", or drop ${source}`,
      );
    }
    config = { ...config, durability: { ...config.durability, dataDir } };
  }
  if (argv.includes("--ephemeral")) {
    if (flag(argv, "--data-dir") !== undefined) throw new ConfigError(`--ephemeral and --data-dir exclude each other\n${USAGE}`);
    // Set after the file's checks: a replicated instance started memory-only would serve its
    // accounts beside the deployment's journal, with no lease (found by review, session 44).
    if (config.durability.mode === "replicated") {
      throw new ConfigError(
        `--ephemeral: the configuration's durability.mode is "replicated"${config.ownership ? " (with ownership)" : ""}: memory only would serve its accounts beside the deployment's replicated journal, with no lease; start it without --ephemeral, or with a configuration of its own`,
      );
    }
    config = { ...config, durability: { ...config.durability, mode: "ephemeral" } };
  }
  if (argv.includes("--insecure")) config = { ...config, security: { ...config.security, insecure: true } };
  return config;
}

export { USAGE };
