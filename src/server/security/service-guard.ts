/**
 * Authentication and per-method authorisation for a whole service implementation: every
 * handler is wrapped once, by method, with what METHOD_ACCESS requires of its caller. A
 * refused call never reaches its handler, so it changes nothing. Handlers learn who called
 * with `principalOf(call)`.
 */
import { status, type UntypedServiceImplementation } from "@grpc/grpc-js";
import type { DescService } from "@bufbuild/protobuf";
import type { Denial } from "../services/service-context.js";
import type { Authenticator, CallCredentials, RevocableCredential } from "./authenticator.js";
import { METHOD_ACCESS, methodPath, type Access } from "./method-access.js";
import { LOCAL_PRINCIPAL, type Principal } from "./principal.js";
import type { RevocableStreams } from "./revocable-streams.js";
import { UNAUTHENTICATED_ACTOR } from "../../state/audit-log.js";
import { guarded } from "../../state/guarded.js";

const principals = new WeakMap<object, Principal>();

/**
 * The principal a guarded handler's call was admitted as. A call that no guard saw (an
 * in-process caller, a test) is the single local user.
 */
export function principalOf(call: object): Principal {
  return principals.get(call) ?? LOCAL_PRINCIPAL;
}


export interface GuardOptions {
  readonly authenticator: Authenticator;
  readonly onDenied?: (denial: Denial) => void;
  /** The access table; tests may pass their own. */
  readonly access?: ReadonlyMap<string, Access>;
  /** Where streaming calls a revocable credential admitted are listed, so that revoking it ends them. */
  readonly revocableStreams?: RevocableStreams;
}

type Call = CallCredentials & { getPeer(): string; emit(event: string, ...args: unknown[]): boolean };
type Refusal = { code: status; details: string; reason: Denial["reason"]; actor: string; detail: string };
type Admission = { principal: Principal; revocable: RevocableCredential | undefined };

/** What the caller of `path` is refused, or its principal (and whether a credential a reload may revoke named it). */
function admit(path: string, access: Access | undefined, call: Call, options: GuardOptions): Admission | Refusal {
  // Probes carry no credentials; a public handler is never told who called.
  if (access === "public") return { principal: options.authenticator.local ? LOCAL_PRINCIPAL : ANONYMOUS, revocable: undefined };
  const auth = options.authenticator.authenticate(call);
  if ("refused" in auth) {
    return { code: status.UNAUTHENTICATED, details: auth.refused, reason: "UNAUTHENTICATED", actor: UNAUTHENTICATED_ACTOR, detail: `${auth.refused} (peer ${call.getPeer()})` };
  }
  const p = auth.principal;
  if (access === undefined) {
    // Fail closed: an RPC nobody listed is nobody's.
    const details = `${path} is not open to any principal`;
    return { code: status.PERMISSION_DENIED, details, reason: "PERMISSION_DENIED", actor: p.name, detail: `${details} (peer ${call.getPeer()})` };
  }
  if (access === "authenticated" || access.some((r) => p.roles.has(r))) return { principal: p, revocable: auth.revocable };
  // The record names where the call came from, as an unauthenticated one's does: a console
  // call's peer is `http:ADDRESS:PORT` (found by review: a role refusal recorded no peer).
  const details = `principal '${p.name}' may not call ${path}: it needs the role ${access.join(" or ")}`;
  return { code: status.PERMISSION_DENIED, details, reason: "PERMISSION_DENIED", actor: p.name, detail: `${details} (peer ${call.getPeer()})` };
}

/** Who a public method's caller is when credentials are in force: nobody in particular, with no rights. */
const ANONYMOUS: Principal = { name: "(anonymous)", roles: new Set(), allAccounts: false, accounts: new Set(), groups: new Set() };

/** `impl` with every method of `service` guarded; a method `impl` lacks stays absent (grpc-js answers UNIMPLEMENTED). */
export function guardService(service: DescService, impl: UntypedServiceImplementation, options: GuardOptions): UntypedServiceImplementation {
  const table = options.access ?? METHOD_ACCESS;
  const guarded: UntypedServiceImplementation = {};
  for (const method of service.methods) {
    const handler = impl[method.localName] as ((call: Call, callback?: (e: unknown, v: unknown) => void) => void) | undefined;
    if (!handler) continue;
    const path = methodPath(method);
    const access = table.get(path);
    // Unary and client-streaming calls answer through the callback; streams that send, with 'error'.
    const answersByCallback = method.methodKind === "unary" || method.methodKind === "client_streaming";
    guarded[method.localName] = ((call: Call, callback?: (e: unknown, v: unknown) => void) => {
      const admitted = admit(path, access, call, options);
      if ("code" in admitted) {
        const error = { code: admitted.code, details: admitted.details, message: admitted.details };
        options.onDenied?.({ actor: admitted.actor, action: path, detail: admitted.detail, reason: admitted.reason });
        if (answersByCallback) callback!(error, null);
        else call.emit("error", error);
        return;
      }
      principals.set(call, admitted.principal);
      // A unary call is over before a revocation could matter; a stream may last for days.
      if (admitted.revocable && method.methodKind !== "unary" && options.revocableStreams) {
        callback = revocable(path, call, admitted.principal, admitted.revocable, callback, answersByCallback, options.revocableStreams, options);
      }
      handler.call(impl, call, callback);
    }) as UntypedServiceImplementation[string];
  }
  return guarded;
}

/**
 * Lists a stream a revocable credential admitted in `streams` until it ends; a revocation ends it with
 * UNAUTHENTICATED the way a refusal would have (a streaming answer through 'error', so its
 * service sees the call lost and closes it as for a client gone; a client stream through its
 * callback, answered once). Returns the callback the handler is to use.
 */
function revocable(
  path: string,
  call: Call,
  principal: Principal,
  credential: RevocableCredential,
  callback: ((e: unknown, v: unknown) => void) | undefined,
  answersByCallback: boolean,
  streams: RevocableStreams,
  options: GuardOptions,
): ((e: unknown, v: unknown) => void) | undefined {
  let answered = false;
  const once = (e: unknown, v: unknown): void => {
    unlist();
    if (answered) return;
    answered = true;
    callback!(e, v);
  };
  const unlist = streams.add({
    call,
    principal: principal.name,
    credential,
    revoke(details) {
      // The peer is read first (once the call has ended, grpc-js may no longer know it), and
      // never at the cost of ending the stream.
      let peer = "unknown";
      guarded("reading a revoked stream's peer", () => (peer = call.getPeer()));
      const error = { code: status.UNAUTHENTICATED, details, message: details };
      if (answersByCallback) {
        once(error, null);
        // The handler reads on: what the client sent before it heard the status is dropped,
        // not applied under a revoked credential (the status has gone out; no 'end' will come).
        // 'cancelled' tells the handler, as a client's cancel does, to drop what it holds.
        (call as unknown as { destroy(): void }).destroy();
        call.emit("cancelled");
      } else {
        // A service hears 'error' as its client lost: it stops running what the stream sends.
        call.emit("error", error);
      }
      // Recorded once the stream is ended: a denial hook that throws must not keep it open.
      guarded("recording a revoked stream", () => options.onDenied?.({ actor: principal.name, action: path, detail: `${details} (peer ${peer})`, reason: "UNAUTHENTICATED" }));
    },
  });
  for (const event of ["close", "finish", "cancelled", "error"]) (call as unknown as NodeJS.EventEmitter).once(event, unlist);
  return answersByCallback ? once : callback;
}
