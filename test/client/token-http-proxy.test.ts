/**
 * Found by review (session 29), fixed: connect() allows a bearer token in cleartext because the
 * target is loopback, but grpc-js routed the connection through an HTTP proxy from the
 * environment (grpc_proxy / https_proxy / http_proxy, no loopback exception): the token left
 * the host in cleartext, and the proxy read it. Here the "proxy" answers the tunnel itself and
 * reads the metadata.
 */
import http2 from "node:http2";
import net from "node:net";
import { describe, expect, it } from "vitest";
import { create } from "@bufbuild/protobuf";
import { callUnary, connect } from "../../src/client/index.js";
import { HealthCheckRequestSchema } from "../../gen/grpc/health/v1/health_pb.js";

describe("a bearer token to a loopback target", () => {
  it("is not handed to an HTTP proxy from the environment in cleartext", async () => {
    const seen: string[] = [];
    const h2 = http2.createServer();
    h2.on("stream", (stream, headers) => {
      seen.push(String(headers["authorization"]));
      stream.respond({ ":status": 200, "content-type": "application/grpc", "grpc-status": "14" }, { endStream: true });
    });
    const proxy = net.createServer((socket) => {
      let buf = Buffer.alloc(0);
      const onData = (d: Buffer) => {
        buf = Buffer.concat([buf, d]);
        const end = buf.indexOf("\r\n\r\n");
        if (end < 0) return;
        socket.off("data", onData);
        socket.write("HTTP/1.1 200 Connection established\r\n\r\n");
        const rest = buf.subarray(end + 4);
        if (rest.length > 0) socket.unshift(rest);
        h2.emit("connection", socket);
      };
      socket.on("data", onData);
      socket.on("error", () => {});
    });
    await new Promise<void>((r) => proxy.listen(0, "127.0.0.1", r));
    const saved = { grpc_proxy: process.env.grpc_proxy, no_grpc_proxy: process.env.no_grpc_proxy, no_proxy: process.env.no_proxy };
    process.env.grpc_proxy = `http://127.0.0.1:${(proxy.address() as net.AddressInfo).port}`;
    delete process.env.no_grpc_proxy;
    delete process.env.no_proxy;
    let clients: ReturnType<typeof connect> | undefined;
    try {
      const outcome = await (async () => {
        try {
          clients = connect("127.0.0.1:50999", { bearerToken: "s3cret-token" });
        } catch (e) {
          return `refused: ${(e as Error).message}`;
        }
        return callUnary(clients.health, "check", create(HealthCheckRequestSchema, {})).then(
          () => "answered",
          (e: Error) => `failed: ${e.message}`,
        );
      })();
      // Either connect() refuses, or the token never reaches anyone but the loopback target.
      expect({ outcome, tokenSeenByProxy: seen }).toEqual({ outcome: expect.anything(), tokenSeenByProxy: [] });
    } finally {
      for (const [k, v] of Object.entries(saved)) if (v === undefined) delete process.env[k];
      else process.env[k] = v;
      clients?.close();
      proxy.close();
      h2.close();
    }
  });
});
