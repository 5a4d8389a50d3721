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

export function quietGrpcBindLog(log: SidecarLogger): void {
  setLogger({
    error: (message?: unknown, ...rest: unknown[]) => {
      if (typeof message === "string" && REPORTED_BY_US.test(message)) return;
      log.error({ event: "grpc" }, format(message, ...rest));
    },
    info: (message?: unknown, ...rest: unknown[]) => log.debug({ event: "grpc" }, format(message, ...rest)),
    debug: (message?: unknown, ...rest: unknown[]) => log.debug({ event: "grpc" }, format(message, ...rest)),
  });
}
