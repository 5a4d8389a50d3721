/**
 * Where the HTTP listener may listen. It has no TLS and no authentication, and the console
 * mounted on it can block accounts, so it is held to the gRPC listener's plaintext rule:
 * loopback only, unless the operator says `--insecure` (then with a warning at start).
 */
import { ConfigError } from "../config/load-config.js";
import { parseListenAddress } from "../config/listen-address.js";
import { isLoopbackHost } from "../../transport/loopback-host.js";

/** The warnings to print for `address` (none on loopback), or a ConfigError saying what to do. */
export function checkHttpListen(address: string, insecure: boolean): string[] {
  const parsed = parseListenAddress(address);
  if (typeof parsed !== "string" && isLoopbackHost(parsed.host)) return [];
  if (!insecure) {
    throw new ConfigError(
      `metrics.listen ${address} is not a loopback address and the HTTP listener (/metrics, the console) has no TLS or ` +
        "authentication: listen on 127.0.0.1 (scrape through a local agent or a proxy), or pass --insecure (security.insecure: true) to accept the risk",
    );
  }
  return [`WARNING: --insecure: the HTTP listener ${address} serves /metrics and the console without TLS or authentication; anyone who can reach it can use it`];
}
