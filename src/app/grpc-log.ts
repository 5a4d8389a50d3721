/**
 * grpc-js's own log, into the structured log (errors as errors, its info and debug as
 * debug), minus the line it prints before a failed bind ("No address added out of total 1
 * resolved"): the process reports that failure itself, with the address and the OS's
 * reason (ListenError).
 */
import { setLogger } from "@grpc/grpc-js";
import { format } from "node:util";
import type { SidecarLogger } from "../server/log/sidecar-log.js";

const REPORTED_BY_US = /^No address added out of total \d+ resolved$/;
/**
 * A caller's header that grpc-js's Metadata refuses (a byte outside printable ASCII, e.g. a
 * no-break space pasted beside a token): grpc-js quotes the header's value, which for
 * `authorization` is the bearer token. Found by review: it reached the log in clear text.
 */
const REFUSED_HEADER = /^Failed to add metadata entry ([^:]*):/;

export function quietGrpcBindLog(log: SidecarLogger): void {
  setLogger({
    error: (message?: unknown, ...rest: unknown[]) => {
      if (typeof message === "string" && REPORTED_BY_US.test(message)) return;
      const refused = typeof message === "string" ? REFUSED_HEADER.exec(message) : null;
      if (refused) {
        // The caller's doing, not the server's (and one line per call it makes): debug, with
        // the header's name only. A call that lost its token is refused and recorded as any.
        log.debug({ event: "grpc", header: refused[1] }, "a call's header was left out: its value is not printable ASCII");
        return;
      }
      log.error({ event: "grpc" }, format(message, ...rest));
    },
    info: (message?: unknown, ...rest: unknown[]) => log.debug({ event: "grpc" }, format(message, ...rest)),
    debug: (message?: unknown, ...rest: unknown[]) => log.debug({ event: "grpc" }, format(message, ...rest)),
  });
}
