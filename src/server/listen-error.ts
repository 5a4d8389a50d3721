/** The listen address could not be bound: in use, not on this host, or not permitted. */
export class ListenError extends Error {
  override name = "ListenError";

  constructor(
    readonly address: string,
    /** `address already in use`, `address not available`, ... as the OS put it. */
    readonly reason: string,
    /** The OS error code when grpc-js told it (EADDRINUSE, EADDRNOTAVAIL, EACCES). */
    readonly code: string | undefined,
  ) {
    super(`cannot listen on ${address}: ${reason}`);
  }

  /**
   * grpc-js reports a failed bind as `No address added out of total 1 resolved errors:
   * [listen EADDRINUSE: address already in use 127.0.0.1:50051]`; this keeps the OS's words.
   */
  static fromBind(address: string, error: Error): ListenError {
    const os = /listen (E[A-Z]+): ([^\]]*?)(?: \S+)?\]/.exec(error.message);
    return os ? new ListenError(address, `${os[2]} (${os[1]})`, os[1]) : new ListenError(address, error.message, undefined);
  }
}
