/**
 * The gateway's callbacks (`onNotice`, `onRedirect`, `onNoOwner`, `onUnfollowable`) are told
 * what happened; what one throws must not change what the client does. Called bare, a throw
 * from `onNotice` went up through grpc-js's delivery of the message and the stream stopped
 * reading: every later answer was lost and every send waited for ever. A throw from
 * `onRedirect` in the middle of a send replaced its results, the answers of orders that had
 * been accepted included, with the callback's error (found by review). Reported instead as a
 * process warning (stderr, or `process.on("warning")`), and a returned promise's rejection
 * likewise.
 */
export function callGatewayHook<A extends unknown[]>(name: string, hook: ((...args: A) => unknown) | undefined, ...args: A): void {
  if (hook === undefined) return;
  try {
    const returned = hook(...args);
    if (returned instanceof Promise) returned.catch((e: unknown) => warnThrew(name, e));
  } catch (e) {
    warnThrew(name, e);
  }
}

function warnThrew(name: string, e: unknown): void {
  process.emitWarning(`the gateway's ${name} callback threw (${e instanceof Error ? e.message : String(e)}); the client went on as if it had returned`, {
    code: "OPENPIT_CALLBACK_THREW",
  });
}
