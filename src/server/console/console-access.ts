/**
 * Who may use the web console. The HTTP listener has no TLS, and the console can block
 * accounts and change limits, so (docs/operating.md, "Web console"):
 *  - only loopback clients are answered (an operator elsewhere uses an SSH tunnel), even
 *    when the listener itself was bound elsewhere with --insecure;
 *  - the Host header must name a loopback host, so a web page cannot reach the console
 *    through DNS rebinding;
 *  - every API request carries `X-Openpit-Console: 1`: a page of another origin cannot send
 *    that header without a CORS preflight, which the console never approves, so it cannot
 *    make the browser act for it (cross-site requests);
 *  - then the gRPC guard decides: without a `security` section the caller is the local
 *    user; with one, the request needs `Authorization: Bearer <token>` of a principal with
 *    the method's role (monitor reads, operator changes), exactly as over gRPC.
 */
import type { IncomingMessage } from "node:http";
import { isLoopbackHost } from "../../transport/loopback-host.js";

export const CONSOLE_HEADER = "x-openpit-console";

/** The host part of a Host header (`127.0.0.1:9464`, `[::1]:9464`, `localhost`). */
function hostOf(header: string): string {
  if (header.startsWith("[")) return header.slice(1, header.indexOf("]"));
  const colon = header.lastIndexOf(":");
  return colon < 0 ? header : header.slice(0, colon);
}

/**
 * At most this much of a request's own text (its Host header) is quoted in a refusal. The
 * refusal is answered and recorded in the audit trail, and any web page can make the browser
 * send it (found by review, session 34: a Host of any length was recorded whole).
 */
export const QUOTED_CHARS = 100;

/** `text` in quotes, cut to QUOTED_CHARS with its full length said when longer. */
export function quoted(text: string): string {
  return text.length <= QUOTED_CHARS ? `'${text}'` : `'${text.slice(0, QUOTED_CHARS)}…' (${text.length} characters)`;
}

/** Why the request is refused (status and text), or undefined when it may go on to the guard. */
export function refuseConsoleRequest(req: IncomingMessage, api: boolean): { status: number; text: string } | undefined {
  const remote = req.socket.remoteAddress ?? "";
  if (!isLoopbackHost(remote)) {
    return { status: 403, text: `the console answers loopback clients only (this request came from ${remote}); reach it through an SSH tunnel` };
  }
  const host = req.headers.host ?? "";
  if (!isLoopbackHost(hostOf(host))) {
    return { status: 403, text: `the console must be addressed by a loopback host (127.0.0.1, [::1], localhost), not ${quoted(host)}` };
  }
  if (api && req.headers[CONSOLE_HEADER] !== "1") {
    return { status: 403, text: `console API requests must carry the header '${CONSOLE_HEADER}: 1'` };
  }
  return undefined;
}
