/**
 * The web console, mounted on the HTTP listener at /console: a static page (plain HTML,
 * CSS and JS, no build step) and two JSON doors into the guarded gRPC services:
 *
 *   POST /console/api/admin/<Method>  body: the request in protobuf JSON; answer: the response
 *   GET  /console/api/events          the AccountEventService stream as server-sent events
 *
 * Both run the very handlers gRPC callers reach (in-process-call.ts), so changes go through
 * the door and are audited as the authenticated principal's. Access: console-access.ts.
 */
import { readFileSync } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import { create, fromJson, toJson, type DescMethod, type JsonValue } from "@bufbuild/protobuf";
import { status, type ServiceError, type UntypedServiceImplementation } from "@grpc/grpc-js";
import { AdminService } from "../../../gen/openpit/sidecar/v1/admin_pb.js";
import { AccountEventService, AccountEventSchema, SubscribeRequestSchema, type SubscribeResponse } from "../../../gen/openpit/sidecar/v1/events_pb.js";
import type { HttpHandler } from "../http/http-listener.js";
import { methodPath } from "../security/method-access.js";
import { quoted, refuseConsoleRequest } from "./console-access.js";
import { UNAUTHENTICATED_ACTOR } from "../../state/audit-log.js";
import type { Denial } from "../services/service-context.js";
import { LazyRequest, callUnaryInProcess, openServerStreamInProcess, type HttpCaller } from "./in-process-call.js";
import { MalformedMessage } from "../../transport/service-definition.js";
import { firstJsonTextProblem, jsonTextProblem } from "../../json/json-numbers.js";

export const CONSOLE_PREFIX = "/console";
/**
 * A request body larger than this is refused (413). Admin requests are small but for a
 * policy's settings: up to 1 MiB of JSON sent twice (the new settings and, for the
 * compare-and-set, the ones read), each escaped as a string in the body. 1 MiB refused saves
 * that gRPC took (found by review, session 30); 4 MiB is gRPC's own bound for a request.
 */
const MAX_BODY_BYTES = 4 * 1024 * 1024;

const STATIC: Record<string, { file: string; type: string }> = {
  "/": { file: "index.html", type: "text/html; charset=utf-8" },
  "/app.js": { file: "app.js", type: "text/javascript; charset=utf-8" },
  "/app.css": { file: "app.css", type: "text/css; charset=utf-8" },
};

/** gRPC status → HTTP status for the console's JSON errors. */
const HTTP_STATUS: Partial<Record<status, number>> = {
  [status.INVALID_ARGUMENT]: 400,
  [status.NOT_FOUND]: 404,
  [status.ALREADY_EXISTS]: 409,
  [status.PERMISSION_DENIED]: 403,
  [status.RESOURCE_EXHAUSTED]: 429,
  [status.FAILED_PRECONDITION]: 409,
  // A compare-and-set that lost (ConfigurePolicy's expected settings).
  [status.ABORTED]: 409,
  // A resume after events no longer kept (Last-Event-ID).
  [status.OUT_OF_RANGE]: 400,
  [status.UNIMPLEMENTED]: 404,
  [status.UNAVAILABLE]: 503,
  [status.UNAUTHENTICATED]: 401,
};

/** The unary AdminService methods by their proto name (`BlockAccount`); client streams are gRPC only. */
const ADMIN_METHODS = new Map<string, DescMethod>(AdminService.methods.filter((m) => m.methodKind === "unary").map((m) => [m.name, m]));
const SUBSCRIBE = AccountEventService.method.subscribe;
const ADMIN_PREFIX = "/api/admin/";

export interface ConsoleServices {
  /** The guarded AdminService and AccountEventService implementations (SidecarServer.guardedServices). */
  readonly admin: UntypedServiceImplementation;
  readonly events: UntypedServiceImplementation;
}

function sendJson(res: ServerResponse, code: number, body: unknown): void {
  res.writeHead(code, { "content-type": "application/json; charset=utf-8", "cache-control": "no-store" }).end(`${JSON.stringify(body)}\n`);
}

function sendError(res: ServerResponse, e: Partial<ServiceError>): void {
  const code = e.code ?? status.INTERNAL;
  const kind = e.metadata?.get("openpit-error-kind")[0];
  sendJson(res, HTTP_STATUS[code] ?? 500, { code: status[code] ?? String(code), message: e.details ?? e.message ?? "", ...(kind === undefined ? {} : { kind: String(kind) }) });
}

function callerOf(req: IncomingMessage): HttpCaller {
  const authorization = req.headers.authorization;
  return { authorization, peer: `http:${req.socket.remoteAddress ?? "?"}:${req.socket.remotePort ?? 0}` };
}

/** What `readBody` gives when the client went away before its body ended. */
const GONE = Symbol("client gone");

/**
 * The body as text, undefined past `MAX_BODY_BYTES`, `GONE` when the client closed the
 * connection first: nothing failed here and nobody is left to answer. That rejection reached
 * the listener as a route failure, an error-level `http_error` with a stack, one per request
 * and before any credential was checked (found by review).
 */
async function readBody(req: IncomingMessage): Promise<string | undefined | typeof GONE> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of req as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) return undefined;
      chunks.push(chunk);
    }
  } catch (e) {
    if (req.destroyed) return GONE;
    throw e;
  }
  return Buffer.concat(chunks).toString("utf8");
}

/**
 * JSON.parse rounds an integer past 2^53 to another one (12345678901234567891 becomes
 * …168): a uint64 id written as a JSON number would name another account. Refused; ids
 * go as strings (protobuf JSON). Past 2^53 even a double that is the number written is
 * refused: its text (2^63 prints as 9223372036854776000) is another integer.
 */
function refuseUnsafeIntegers(key: string, value: unknown): unknown {
  if (typeof value === "number" && Number.isInteger(value) && !Number.isSafeInteger(value)) {
    throw new Error(`${key || "the value"}: ${value} is past 2^53 and would lose precision as a JSON number; send 64-bit ids as strings`);
  }
  return value;
}

/**
 * The body as JSON, refused (thrown) where JSON.parse would read something other than what
 * was written: an integer past 2^53 (above), and, checked on the text as written since
 * JSON.parse has rounded it by the time a reviver sees it, any number a double changes and
 * any key written twice in one object (json-numbers.ts, as for the config file, the tokens
 * file and ConfigurePolicy's settings). A fractional id was rounded to an integer that
 * passed: 4503599627370497.5 blocked account 4503599627370498, and 1.0000000000000001
 * account 1 (found by review, console2).
 */
function parseBody(body: string): unknown {
  if (body.trim() === "") return {};
  const parsed: unknown = JSON.parse(body, refuseUnsafeIntegers);
  const problem = firstJsonTextProblem(body);
  if (problem) throw new Error(`at offset ${problem.offset}, ${jsonTextProblem(problem, (offset) => `offset ${offset}`)}`);
  return parsed;
}

/** POST /console/api/admin/<Method>: the request's protobuf JSON in, the response's out. */
async function adminCall(services: ConsoleServices, name: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const method = ADMIN_METHODS.get(name);
  if (!method) return sendJson(res, 404, { code: "NOT_FOUND", message: `no unary AdminService method ${quoted(name)}` });
  if (req.method !== "POST") {
    res.setHeader("allow", "POST");
    return sendJson(res, 405, { code: "METHOD_NOT_ALLOWED", message: "admin calls are POST with a JSON body" });
  }
  // Read before the body: a body over the limit ends the request, and its socket with it.
  const caller = callerOf(req);
  const body = await readBody(req);
  if (body === GONE) return;
  // The body is decoded when the guarded handler reads it, after the caller was authenticated
  // and its role checked: a refused caller is answered 401 or 403 and recorded whatever it sent
  // (found by review: it got 400 or 413, unrecorded), without the event loop spending seconds on
  // a 4 MiB body first (found by review, session 46). A body that does not decode reaches the
  // handler as a gRPC message that does not decode would; an admitted caller gets the console's
  // own words for it.
  let undecodable: { status: number; message: string } | undefined;
  const sent = new LazyRequest(() => {
    if (body === undefined) undecodable = { status: 413, message: `the request body is over ${MAX_BODY_BYTES} bytes` };
    else {
      try {
        return fromJson(method.input, parseBody(body) as JsonValue);
      } catch (e) {
        undecodable = { status: 400, message: `the body is not a ${method.input.typeName} in JSON: ${(e as Error).message}` };
      }
    }
    return new MalformedMessage(undecodable.message);
  });
  const outcome = await callUnaryInProcess(services.admin, method.localName, methodPath(method), sent, caller);
  if (!outcome.ok) {
    if (undecodable !== undefined && outcome.error.code === status.INVALID_ARGUMENT) {
      return sendJson(res, undecodable.status, { code: "INVALID_ARGUMENT", message: undecodable.message });
    }
    return sendError(res, outcome.error);
  }
  sendJson(res, 200, toJson(method.output, outcome.response as never));
}

/**
 * GET /console/api/events: every account event, as `event: account-event` with the
 * AccountEvent's JSON and its sequence as the event id; with `Last-Event-ID: N`, the events
 * after N first (Subscribe's after_sequence; refused as it refuses them).
 */
function eventStream(services: ConsoleServices, req: IncomingMessage, res: ServerResponse, open: Set<ServerResponse>): void {
  let ended = false;
  const finish = () => {
    if (ended) return;
    ended = true;
    open.delete(res);
    res.end();
  };
  // Defined before the subscription: retained and resumed events are written inside it (found
  // by review: written before this existed, they threw and were lost with the stream).
  const startStream = () => {
    res.writeHead(200, { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-store", connection: "keep-alive" });
    // A comment line: the browser knows at once that the stream is open.
    res.write(": subscribed\n\n");
  };
  // A reconnecting page resumes after the last event it showed (server-sent events' own header).
  const lastId = req.headers["last-event-id"];
  const request = create(SubscribeRequestSchema, typeof lastId === "string" && /^\d{1,20}$/.test(lastId) ? { afterSequence: BigInt(lastId) } : {});
  const cancel = openServerStreamInProcess(services.events, SUBSCRIBE.localName, methodPath(SUBSCRIBE), request, callerOf(req), {
    write(message) {
      if (!res.headersSent) startStream();
      const event = (message as SubscribeResponse).event;
      if (!event) return true;
      return res.write(`id: ${event.sequence}\nevent: account-event\ndata: ${JSON.stringify(toJson(AccountEventSchema, event))}\n\n`);
    },
    onDrain: (listener) => res.on("drain", listener),
    end: finish,
    fail(error) {
      if (ended) return;
      if (!res.headersSent) {
        ended = true;
        open.delete(res);
        sendError(res, error);
        return;
      }
      res.write(`event: error\ndata: ${JSON.stringify({ code: status[error.code ?? status.INTERNAL], message: error.details ?? "" })}\n\n`);
      finish();
    },
  });
  // Admitted with nothing retained yet: open the stream now (a refusal has already answered).
  if (!ended && !res.headersSent) startStream();
  if (!ended) open.add(res);
  // The response closes when the browser goes (or the listener cuts the connection).
  res.on("close", () => {
    cancel();
    finish();
  });
}

/** What a refused admin call that names no unary AdminService method is recorded as (action `(unknown)`). */
export const UNKNOWN_ADMIN_ACTION = `${CONSOLE_PREFIX}/api/admin/(unknown)`;

/**
 * The action a refused request to `path` is recorded under, as the guard would record it: the
 * event stream's or the admin method's own path. The page and its files are recorded by
 * nobody (fetching them changes nothing). A name that is no unary AdminService method is a
 * 404 to an admitted caller and, over gRPC, UNIMPLEMENTED and never recorded; the console's
 * own refusal (a cross-site or DNS-rebinding attempt) is still worth a record, so it is
 * recorded under one fixed action, the name itself not at all. Recorded whole, any web page
 * could write text of its choosing and size into the trail, as an action of its choosing
 * (found by review, session 34: an 8000-character name made a 16 KB record).
 */
function refusedAction(path: string): string | undefined {
  if (path === "/api/events") return methodPath(SUBSCRIBE);
  if (!path.startsWith(ADMIN_PREFIX)) return undefined;
  const method = ADMIN_METHODS.get(path.slice(ADMIN_PREFIX.length));
  return method === undefined ? UNKNOWN_ADMIN_ACTION : methodPath(method);
}

/**
 * The console's handler, for `HttpListener.mount(CONSOLE_PREFIX, …)`; `streams` ends its event
 * streams at close. `onDenied` records the console's own refusals (a client or Host header
 * that is not loopback, an API call without the console header) in the audit trail, as the
 * guard records its own: they are what a DNS-rebinding or cross-site attempt looks like.
 */
export function consoleRoute(services: ConsoleServices, onDenied?: (denial: Denial) => void): { handler: HttpHandler; closeStreams(): void } {
  const dir = new URL("./static/", import.meta.url);
  const files = new Map(Object.entries(STATIC).map(([path, s]) => [path, { body: readFileSync(new URL(s.file, dir)), type: s.type }]));
  const open = new Set<ServerResponse>();
  const handler: HttpHandler = async (req, res) => {
    const path = (req.url ?? "/").split("?", 1)[0]!.slice(CONSOLE_PREFIX.length) || "";
    const api = path.startsWith("/api/");
    const refused = refuseConsoleRequest(req, api);
    if (refused) {
      const action = refusedAction(path);
      if (action !== undefined) onDenied?.({ actor: UNAUTHENTICATED_ACTOR, action, detail: `console: ${refused.text} (peer ${callerOf(req).peer})`, reason: "PERMISSION_DENIED" });
      return sendJson(res, refused.status, { code: "PERMISSION_DENIED", message: refused.text });
    }
    if (path === "") {
      res.writeHead(302, { location: `${CONSOLE_PREFIX}/` }).end();
      return;
    }
    if (path.startsWith(ADMIN_PREFIX)) return adminCall(services, path.slice(ADMIN_PREFIX.length), req, res);
    if (path === "/api/events") {
      // A 405 names what is allowed (RFC 9110 §15.5.6; found by review, session 34: it did not).
      if (req.method !== "GET") {
        res.setHeader("allow", "GET");
        return sendJson(res, 405, { code: "METHOD_NOT_ALLOWED", message: "the event stream is GET" });
      }
      return eventStream(services, req, res, open);
    }
    const file = files.get(path);
    if (!file) return sendJson(res, 404, { code: "NOT_FOUND", message: `no console page ${path}` });
    // The page exists, not for that method: 405 with what is allowed (found by review,
    // session 34: a POST to the page was answered 404, as if it did not exist).
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.setHeader("allow", "GET, HEAD");
      return sendJson(res, 405, { code: "METHOD_NOT_ALLOWED", message: "the console's pages are GET or HEAD" });
    }
    res.writeHead(200, {
      "content-type": file.type,
      "cache-control": "no-store",
      // The page loads only its own script and style, and talks only to this listener.
      "content-security-policy": "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'",
      "x-content-type-options": "nosniff",
    });
    res.end(req.method === "HEAD" ? undefined : file.body);
  };
  return {
    handler,
    closeStreams() {
      for (const res of [...open]) res.end();
      open.clear();
    },
  };
}
