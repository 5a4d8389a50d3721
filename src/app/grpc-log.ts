/**
 * grpc-js's own log, minus the line it prints before a failed bind ("E No address added
 * out of total 1 resolved"): the process reports that failure itself, with the address and
 * the OS's reason (ListenError). Everything else grpc-js logs goes to stderr as before.
 */
import { setLogger } from "@grpc/grpc-js";

const REPORTED_BY_US = /^No address added out of total \d+ resolved$/;

export function quietGrpcBindLog(): void {
  setLogger({
    error: (message?: unknown, ...rest: unknown[]) => {
      if (typeof message === "string" && REPORTED_BY_US.test(message)) return;
      console.error(`E ${String(message)}`, ...rest);
    },
    info: (message?: unknown, ...rest: unknown[]) => console.error(`I ${String(message)}`, ...rest),
    debug: (message?: unknown, ...rest: unknown[]) => console.error(`D ${String(message)}`, ...rest),
  });
}
