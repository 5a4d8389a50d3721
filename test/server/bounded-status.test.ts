/**
 * Found by review: a gRPC status echoing a long request field hung the call and ended the
 * whole HTTP/2 connection. grpc-js sends a status's details as the `grpc-message` trailer at
 * any length; a Health.Check (public, no credentials) naming a 100 000-character service drew
 * a NOT_FOUND quoting it whole, the client never got it, and about 10 s later keepalive ended
 * the connection: every call on it failed UNAVAILABLE, a gateway's account channel sharing it
 * included (closed, its reservations rolled back). The same with GetPolicySettings naming a
 * 100 000-character policy. Now the errors quote at most 64 characters of the name (and its
 * length), and every status any service answers with is cut to 512 characters where the
 * services are registered (server/services/bounded-status.ts).
 */
import { create } from "@bufbuild/protobuf";
import { credentials, makeGenericClientConstructor, Server, ServerCredentials, status, type ServerUnaryCall, type ServerWritableStream, type ServiceError } from "@grpc/grpc-js";
import { afterEach, describe, expect, it } from "vitest";
import { Health, HealthCheckRequestSchema } from "../../gen/grpc/health/v1/health_pb.js";
import { callUnary } from "../../src/client/index.js";
import { boundedStatuses } from "../../src/server/services/bounded-status.js";
import { MAX_ERROR_MESSAGE_CHARS } from "../../src/state/command-error.js";
import { serviceDefinition } from "../../src/transport/service-definition.js";
import { holdingsOf, order, seed, startHarness, type Harness } from "./harness.js";
import { as } from "./results.js";

/** The call's error, or a note that none came within `ms` (a hung call). */
function answerOf(call: Promise<unknown>, ms = 5_000): Promise<Partial<ServiceError> | string> {
  return Promise.race([
    call.then(
      () => "answered OK",
      (e: ServiceError) => e,
    ),
    new Promise<string>((resolve) => setTimeout(() => resolve(`no answer within ${ms} ms`), ms).unref()),
  ]);
}

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe("a status echoing a long request field", () => {
  it("Health.Check naming 100 000 characters: NOT_FOUND at once, quoting 64 of them (GetPolicySettings refuses such a name); a channel on the same connection keeps its reservation", async () => {
    h = await startHarness();
    const ch = h.channel();
    await ch.send(seed("USD", "1000"));
    expect(as(await ch.one({ case: "executePreTrade", value: { order: order({ qty: "1", price: "100" }) } }), "execute").accepted).toBe(true);

    const health = await answerOf(callUnary(h.clients.health, "check", create(HealthCheckRequestSchema, { service: "x".repeat(100_000) })));
    expect(health).toMatchObject({ code: status.NOT_FOUND, details: `unknown service '${"x".repeat(64)}…' (100000 characters)` });

    // A policy name past 128 characters is refused before the lookup (session 39); one of 128 is quoted to 64.
    const policy = await answerOf(h.admin("getPolicySettings", { policyName: "P".repeat(100_000) }));
    expect(policy).toMatchObject({ code: status.INVALID_ARGUMENT, details: "policy_name: must be at most 128 characters" });
    const at128 = await answerOf(h.admin("getPolicySettings", { policyName: "P".repeat(128) }));
    expect(at128).toMatchObject({ code: status.NOT_FOUND, details: `no policy named '${"P".repeat(64)}…' (128 characters)` });

    // The channel shares the clients' connection: still open, its reservation still held, and it still answers.
    expect(h.server.state.channels.size).toBe(1);
    expect(await holdingsOf(h)).toMatchObject({ USD: { held: "100" } });
    expect(as(await ch.one({ case: "executePreTrade", value: { order: order({ qty: "1", price: "100" }) } }), "execute").accepted).toBe(true);
  }, 30_000);
});

describe("every status is bounded where services are registered", () => {
  let server: Server | undefined;
  afterEach(() => {
    server?.forceShutdown();
    server = undefined;
  });

  it("a unary callback's and a stream's 'error' details of 100 000 characters reach the client cut to 512, saying how long they were", async () => {
    const long = "z".repeat(100_000);
    // Handlers as a careless future one would write them: the request's text whole in the status.
    const impl = {
      check(_call: ServerUnaryCall<unknown, unknown>, callback: (e: Partial<ServiceError>) => void) {
        callback({ code: status.NOT_FOUND, details: long });
      },
      watch(call: ServerWritableStream<unknown, unknown>) {
        call.emit("error", { code: status.FAILED_PRECONDITION, details: long });
      },
    };
    server = new Server();
    server.addService(serviceDefinition(Health), boundedStatuses(Health, impl));
    const port = await new Promise<number>((resolve, reject) => server!.bindAsync("127.0.0.1:0", ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))));
    const Client = makeGenericClientConstructor(serviceDefinition(Health), "Health");
    const client = new Client(`127.0.0.1:${port}`, credentials.createInsecure()) as unknown as {
      check(r: unknown, cb: (e: ServiceError | null) => void): void;
      watch(r: unknown): NodeJS.EventEmitter;
      close(): void;
    };
    try {
      const request = create(HealthCheckRequestSchema, { service: "" });
      const unary = await answerOf(new Promise((resolve, reject) => client.check(request, (e) => (e ? reject(e) : resolve(undefined)))));
      const stream = await answerOf(
        new Promise((resolve, reject) => {
          const s = client.watch(request);
          s.on("data", () => {});
          s.on("error", reject);
          s.on("end", resolve);
        }),
      );
      const tail = "… (100000 characters in all)";
      const cut = "z".repeat(MAX_ERROR_MESSAGE_CHARS - tail.length) + tail;
      expect(unary).toMatchObject({ code: status.NOT_FOUND, details: cut });
      expect(stream).toMatchObject({ code: status.FAILED_PRECONDITION, details: cut });
    } finally {
      client.close();
    }
  }, 30_000);
});
