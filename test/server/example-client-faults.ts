/**
 * Faults for the example clients' tests (python-, go- and cpp-client.test.ts). Found by review
 * (session 30): the Python and C++ examples waited forever when the network went silent
 * mid-run, and no example read a message's whole refusal (OpenResponse.error).
 */
import * as grpc from "@grpc/grpc-js";
import { create } from "@bufbuild/protobuf";
import { AccountChannelService, CommandResultSchema, OpenResponseSchema, type OpenRequest, type OpenResponse } from "../../gen/openpit/sidecar/v1/channel_pb.js";
import { serviceDefinition } from "../../src/transport/service-definition.js";
import { execFile } from "node:child_process";
import { createServer, connect as tcpConnect, type Socket } from "node:net";
import { afterAll, beforeAll, expect } from "vitest";
import { freezableProxy } from "../client/freezable-proxy.js";
import { holdingsOf, order, seed, startHarness, testConfig, type Harness } from "./harness.js";

/** How a client run ended: its exit code, or `killed` at the time limit. */
export interface Outcome {
  code: number;
  killed: boolean;
  stdout: string;
  stderr: string;
}

/** Runs `file args` with `env` added to the environment; kills it after `timeoutMs`. */
export function outcome(file: string, args: readonly string[], env: Record<string, string> = {}, timeoutMs = 30_000): Promise<Outcome> {
  return new Promise((resolve) => {
    execFile(file, args, { env: { ...process.env, ...env }, timeout: timeoutMs, killSignal: "SIGKILL" }, (error, stdout, stderr) => {
      const e = error as (Error & { code?: number; killed?: boolean }) | null;
      resolve({ code: e ? (typeof e.code === "number" ? e.code : -1) : 0, killed: e?.killed ?? false, stdout, stderr });
    });
  });
}

export interface SilentProxy {
  /** host:port of the proxy, for the client. */
  readonly address: string;
  /** True once the proxy went silent. */
  readonly frozen: boolean;
  close(): void;
}

/**
 * A TCP proxy to `h` that goes silent the moment the sidecar runs the first channel message
 * naming `account` (before its answer is written): from then on nothing is forwarded either
 * way and no close is passed on, as in a network partition. The client is then mid-stream,
 * with a request whose answer will never arrive.
 */
export async function silentOnChannel(h: Harness, account: bigint): Promise<SilentProxy> {
  let frozen = false;
  const sockets: Socket[] = [];
  const server = createServer((client) => {
    const upstream = tcpConnect(Number(h.address.split(":")[1]), "127.0.0.1");
    sockets.push(client, upstream);
    client.on("data", (d) => void (frozen || upstream.write(d)));
    upstream.on("data", (d) => void (frozen || client.write(d)));
    client.on("error", () => {});
    upstream.on("error", () => {});
    client.on("close", () => void (frozen || upstream.destroy()));
    upstream.on("close", () => void (frozen || client.destroy()));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const state = h.server.state;
  const runChannel = state.runChannel.bind(state);
  state.runChannel = (channel, commands, bases) => {
    const text = JSON.stringify(commands, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v));
    if (text.includes(`"${account}"`)) frozen = true;
    return runChannel(channel, commands, bases);
  };
  return {
    address: `127.0.0.1:${(server.address() as { port: number }).port}`,
    get frozen() {
      return frozen;
    },
    close() {
      for (const s of sockets) s.destroy();
      server.close();
    },
  };
}

/**
 * A gRPC server that answers health SERVING and accepts every AdminService.GetAccountState
 * call without ever answering it, behind a proxy that goes silent `silentAfterMs` after it
 * starts: a client's channel sits idle (pings answered) and then meets a partition. Found by
 * review (session 38): the Python and C++ examples stopped pinging after two pings without
 * data (gRPC core's grpc.http2.max_pings_without_data), so they waited for the deadline.
 */
export async function idleThenSilent(silentAfterMs: number): Promise<{ address: string; close(): void }> {
  const server = new grpc.Server();
  const same = (b: Buffer) => b;
  const unary = (path: string) => ({ path, requestStream: false, responseStream: false, requestSerialize: same, requestDeserialize: same, responseSerialize: same, responseDeserialize: same });
  server.addService({ GetAccountState: unary("/openpit.sidecar.v1.AdminService/GetAccountState") } as grpc.ServiceDefinition, { GetAccountState: () => {} });
  // HealthCheckResponse{status: SERVING}: the C++ example checks health first.
  server.addService({ Check: unary("/grpc.health.v1.Health/Check") } as grpc.ServiceDefinition, {
    Check: (_call: unknown, done: (e: null, v: Buffer) => void) => done(null, Buffer.from([8, 1])),
  });
  const port = await new Promise<number>((resolve, reject) => server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))));
  const proxy = await freezableProxy(`127.0.0.1:${port}`);
  const timer = setTimeout(() => proxy.freeze(), silentAfterMs);
  return {
    address: proxy.address,
    close() {
      clearTimeout(timer);
      proxy.close();
      server.forceShutdown();
    },
  };
}

/**
 * A stand-in sidecar whose channel stream fails part-way: health SERVING, an empty account
 * state, and on `Open`, once the client has sent everything and half-closed, an answer to its
 * first message only (each command "ran": a bind or an accepted adjustment) and then the status
 * UNAVAILABLE "the sidecar went away". Found by review (session 45): the examples dropped the
 * answers they had received when a stream then failed, so a gateway copying them would not
 * know what had run.
 */
export async function failingAfterFirstAnswer(): Promise<{ address: string; close(): void }> {
  const server = new grpc.Server();
  const same = (b: Buffer) => b;
  const unary = (path: string) => ({ path, requestStream: false, responseStream: false, requestSerialize: same, requestDeserialize: same, responseSerialize: same, responseDeserialize: same });
  server.addService({ Check: unary("/grpc.health.v1.Health/Check") } as grpc.ServiceDefinition, {
    Check: (_call: unknown, done: (e: null, v: Buffer) => void) => done(null, Buffer.from([8, 1])),
  });
  server.addService({ GetAccountState: unary("/openpit.sidecar.v1.AdminService/GetAccountState") } as grpc.ServiceDefinition, {
    GetAccountState: (_call: unknown, done: (e: null, v: Buffer) => void) => done(null, Buffer.alloc(0)),
  });
  server.addService(serviceDefinition(AccountChannelService), {
    open: (call: grpc.ServerDuplexStream<OpenRequest, OpenResponse>) => {
      const received: OpenRequest[] = [];
      call.on("data", (r: OpenRequest) => received.push(r));
      call.on("end", () => {
        const first = received[0]!;
        const results = first.commands.map((c) =>
          create(CommandResultSchema, { result: c.command.case === "bindAccounts" ? { case: "bind", value: {} } : { case: "adjustment", value: { accepted: true } } }),
        );
        call.write(create(OpenResponseSchema, { correlationId: first.correlationId, results }));
        call.emit("error", { code: grpc.status.UNAVAILABLE, details: "the sidecar went away" });
      });
    },
  });
  const port = await new Promise<number>((resolve, reject) => server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))));
  return { address: `127.0.0.1:${port}`, close: () => server.forceShutdown() };
}

/** A loopback host:port nobody listens on (bound, then closed): a sidecar that cannot be reached. */
export async function unreachableAddress(): Promise<string> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((r) => server.close(() => r()));
  return `127.0.0.1:${port}`;
}

/**
 * A second sidecar, for the describe block this is called in, that takes one command per
 * message: a client's message of more is refused whole (OpenResponse.error).
 */
export function oneCommandPerMessage(): () => Harness {
  let one: Harness | undefined;
  beforeAll(async () => {
    one = await startHarness(testConfig({ limits: { maxCommandsPerMessage: 1 } }));
  });
  afterAll(async () => {
    await one?.close();
  });
  return () => one!;
}

/**
 * What the README's TypeScript example (examples/typescript/first-order.ts) leaves on
 * `account`: 10 000 USD seeded, then 10 AAPL at 185 accepted and committed, never filled,
 * so 1 850 USD stays held. Found by review (session 33): run after it on account 42, as the
 * README writes the commands, the Python, Go and C++ examples failed their USD check, which
 * wanted nothing held.
 */
export async function holdLikeFirstOrder(h: Harness, account: bigint): Promise<void> {
  const c = h.channel();
  expect((await c.one(seed("USD", "10000", account))).result.case).toBe("adjustment");
  const decided = await c.one({ case: "executePreTrade", value: { order: order({ accountId: account, qty: "10", price: "185" }), commitOnAccept: true } });
  expect(decided.result.case === "execute" && decided.result.value.committed).toBe(true);
  await c.end();
  expect((await holdingsOf(h, account))["USD"]).toMatchObject({ available: "8150", held: "1850" });
}
