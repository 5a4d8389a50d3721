/**
 * Whether a host names this machine's loopback (127.0.0.0/8, ::1, localhost, IPv4-mapped
 * 127.x): where plaintext is safe. Shared by the server's listen policies and the CLI, which
 * refuses to send a bearer token in cleartext anywhere else.
 */
import { isIPv4 } from "node:net";

export function isLoopbackHost(host: string): boolean {
  const h = host.toLowerCase();
  if (h === "localhost" || h === "::1" || h === "0:0:0:0:0:0:0:1") return true;
  if (h.startsWith("::ffff:")) return isLoopbackHost(h.slice("::ffff:".length));
  return isIPv4(h) && h.startsWith("127.");
}

/** The host of a gRPC target: `HOST:PORT`, `[v6]:PORT` or a `dns:`/`ipv4:`/`ipv6:` URI (a list of addresses stays whole, so it is never loopback). */
export function hostOfTarget(target: string): string {
  // An `ipv4:`/`ipv6:` list (`ipv4:127.0.0.1:50051,10.0.0.5`): grpc-js may dial any member,
  // so it is never taken for loopback (parsed, its first member alone used to decide).
  if (target.includes(",")) return target;
  const t = target.replace(/^(dns:(\/\/[^/]*\/)?|ipv4:|ipv6:)/, "");
  if (t.startsWith("[")) return t.slice(1, t.indexOf("]"));
  const colon = t.lastIndexOf(":");
  return colon < 0 || t.indexOf(":") !== colon ? t : t.slice(0, colon);
}
