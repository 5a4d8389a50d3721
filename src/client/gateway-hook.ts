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

/** Never throws itself: what a callback throws may not even print (`Object.create(null)`, a throwing `message` getter). */
function warnThrew(name: string, e: unknown): void {
  let what: string;
  try {
    what = e instanceof Error ? String(e.message) : String(e);
  } catch {
    what = "a value that cannot be printed";
  }
  try {
    process.emitWarning(`the gateway's ${name} callback threw (${what}); the client went on as if it had returned`, { code: "OPENPIT_CALLBACK_THREW" });
  } catch {
    // Not known to throw for a plain warning (listeners run on a later tick); kept so that
    // nothing a callback does can become the client's error.
  }
}
