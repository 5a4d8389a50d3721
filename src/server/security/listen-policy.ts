/**
 * Where plaintext may be served: loopback only (127.0.0.0/8, ::1, localhost), unless the
 * operator says `--insecure` (or `security.insecure`), and then with a warning at start.
 * The single-user default (no principals) is held to the same rule: without keys, only
 * processes on this host can reach it.
 */
import { ConfigError } from "../config/load-config.js";
import { parseListenAddress } from "../config/listen-address.js";
import { isLoopbackHost } from "../../transport/loopback-host.js";

export interface ListenSecurity {
  readonly tls: boolean;
  /** Principals are configured (not the single-user default). */
  readonly principals: boolean;
  readonly insecure: boolean;
}

/**
 * The warnings to print for `address` (empty when nothing is exposed), or an error saying
 * what to do when the address would expose the sidecar without `--insecure`.
 */
export function checkListen(address: string, s: ListenSecurity): string[] {
  // The address was validated with the configuration; an unparsable one is never loopback.
  const parsed = parseListenAddress(address);
  if (typeof parsed !== "string" && isLoopbackHost(parsed.host)) return [];
  const problems: string[] = [];
  if (!s.tls) problems.push("serves plaintext (no security.tls)");
  if (!s.principals) problems.push("has no principals, so every caller may do everything (no security.principals)");
  if (problems.length === 0) return [];
  if (!s.insecure) {
    throw new ConfigError(
      `listen ${address} is not a loopback address and ${problems.join(" and ")}: configure security.tls and ` +
        "security.principals (see docs/security.md), listen on 127.0.0.1, or pass --insecure (security.insecure: true) to accept the risk",
    );
  }
  return problems.map((p) => `WARNING: --insecure: ${address} ${p}; anyone who can reach it can use it`);
}
