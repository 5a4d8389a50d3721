/**
 * The listen address: `HOST:PORT` (IPv6 in brackets, `[::1]:50051`), port 0-65535 (0 = any
 * free port). grpc-js would take a bare `localhost` and bind some default port; a sidecar
 * must listen exactly where it was told, so anything else is a configuration error.
 */

export interface ListenAddress {
  /** Without brackets: `127.0.0.1`, `::1`, `localhost`. */
  readonly host: string;
  readonly port: number;
}

export const LISTEN_FORM = "HOST:PORT with a port in 0..65535 (IPv6 in brackets: [::1]:50051)";

/** `text` as host and port, or what is wrong with it (also the form of an address others dial). */
export function splitHostPort(text: string): ListenAddress | string {
  let host: string;
  let port: string;
  if (text.startsWith("[")) {
    const close = text.indexOf("]");
    if (close < 0 || text[close + 1] !== ":") return "an IPv6 address needs a port after the closing bracket";
    host = text.slice(1, close);
    port = text.slice(close + 2);
  } else {
    const colon = text.lastIndexOf(":");
    if (colon < 0) return "no port";
    host = text.slice(0, colon);
    port = text.slice(colon + 1);
    if (host.includes(":")) return "an IPv6 address must be in brackets";
  }
  if (host === "" || /\s/.test(host)) return "the host must not be empty or contain spaces";
  if (!/^\d{1,5}$/.test(port) || Number(port) > 65535) return `'${port}' is not a port`;
  return { host, port: Number(port) };
}

/** Parses `text` or returns a message naming the expected form (the caller prefixes its source). */
export function parseListenAddress(text: string): ListenAddress | string {
  const address = splitHostPort(text);
  return typeof address === "string" ? `'${text}' is not a listen address (${address}); expected ${LISTEN_FORM}` : address;
}
