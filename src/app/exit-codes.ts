/**
 * The process's exit codes (docs/configuration.md, "Exit codes"), from sysexits.h where one
 * fits, so a supervisor can tell a bad deployment from a crash without reading the log.
 */
export const EXIT_CODES = {
  /** A graceful shutdown completed (SIGTERM, SIGINT). */
  ok: 0,
  /** The configuration is invalid, or the durable state cannot be recovered (kept from before sysexits). */
  config: 2,
  /** EX_UNAVAILABLE: the listen address cannot be bound (in use, not on this host, not permitted). */
  listen: 69,
  /** EX_SOFTWARE: an uncaught exception or unhandled rejection (fail closed), or a failed shutdown. */
  software: 70,
  /** EX_IOERR: the journal could not write; nothing after it could be made durable. */
  journal: 74,
  /**
   * EX_TEMPFAIL: replicated mode, this instance stopped serving for good (its lease was lost,
   * the journal refused its append, or it stepped down). Restart it: it comes back a standby.
   */
  fenced: 75,
} as const;
