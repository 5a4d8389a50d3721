/**
 * The one place every status a service answers with passes on its way out: its message is
 * cut to MAX_ERROR_MESSAGE_CHARS (docs/security.md, "no error message on an answer passes
 * 512 characters"), whatever the handler that failed put into it.
 *
 * grpc-js sends a status's details as the `grpc-message` trailer, percent-encoded and at any
 * length. Found by review: a Health.Check naming a 100 000-character service drew a NOT_FOUND
 * quoting it whole; the client never took that trailer, the call hung, and about 10 s later
 * keepalive ended the HTTP/2 connection, and with it every call on it (a gateway's account
 * channel sharing the connection was closed and its reservations rolled back). Errors quote
 * what a request sent at their origin (`quoted`, param/quoted.ts); this bound is for the
 * message someone adds later without.
 *
 * No server interceptor: it would put every message of every stream through its chain (the
 * sidecar has none, docs/performance.md). A unary or client-streaming call answers through
 * its callback, which is wrapped; a streaming answer fails by the call's 'error' event (a
 * handler's `emit("error", status)`, or `destroy(error)`), which grpc-js's own listener turns
 * into the status: a listener put before it bounds the error in place. Handlers that throw
 * are answered "Unknown error" by grpc-js.
 */
import type { UntypedServiceImplementation } from "@grpc/grpc-js";
import type { DescService } from "@bufbuild/protobuf";
import { boundedMessage, MAX_ERROR_MESSAGE_CHARS } from "../../state/command-error.js";

type Callback = (error: unknown, value?: unknown, ...rest: unknown[]) => void;
type Call = { prependListener?(event: string, listener: (error: unknown) => void): unknown };

/**
 * `error` with its `details` and `message` (what grpc-js reads for the status) bounded, in
 * place. An error that cannot be changed (frozen) is returned as a bounded copy: a callback
 * answers with the copy; a stream's 'error' listener cannot swap it (no handler emits one).
 */
export function boundedStatusError<E>(error: E): E {
  if (typeof error !== "object" || error === null) return error;
  const e = error as { details?: unknown; message?: unknown };
  const long = (v: unknown): v is string => typeof v === "string" && v.length > MAX_ERROR_MESSAGE_CHARS;
  if (!long(e.details) && !long(e.message)) return error;
  let inPlace = true;
  for (const key of ["details", "message"] as const) {
    const v = e[key];
    if (long(v)) inPlace = Reflect.set(e, key, boundedMessage(v)) && inPlace;
  }
  if (inPlace) return error;
  const copy = { code: (error as { code?: unknown }).code, metadata: (error as { metadata?: unknown }).metadata } as Record<string, unknown>;
  if (typeof e.details === "string") copy.details = boundedMessage(e.details);
  if (typeof e.message === "string") copy.message = boundedMessage(e.message);
  return copy as E;
}

/** `impl` with every status its methods answer with bounded (see above). */
export function boundedStatuses(service: DescService, impl: UntypedServiceImplementation): UntypedServiceImplementation {
  const bounded: UntypedServiceImplementation = {};
  for (const method of service.methods) {
    const handler = impl[method.localName] as ((call: Call, callback?: Callback) => void) | undefined;
    if (!handler) continue;
    const answersByCallback = method.methodKind === "unary" || method.methodKind === "client_streaming";
    bounded[method.localName] = (
      answersByCallback
        ? (call: Call, callback: Callback) =>
            handler.call(impl, call, (error, ...rest) => callback(error ? boundedStatusError(error) : error, ...rest))
        : (call: Call) => {
            // Before grpc-js's listener (registered when the call was made), which reads the status.
            call.prependListener?.("error", boundedStatusError);
            handler.call(impl, call);
          }
    ) as UntypedServiceImplementation[string];
  }
  return bounded;
}
