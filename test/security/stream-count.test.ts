/**
 * Found by review: one connection, no credentials, can hold any number of streams open. Health.Watch
 * is public (no principal needed) and never ends by itself; each open watch is a LiveStream
 * and a health listener on the server. The server advertises no HTTP/2
 * SETTINGS_MAX_CONCURRENT_STREAMS (grpc-js only sets it from 'grpc.max_concurrent_streams',
 * which grpcServerOptions never passes), so Node's default of 2^32-1 applies.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connect as h2connect, type ClientHttp2Session } from "node:http2";
import { Credentials, startSecureHarness, type SecureHarness } from "./secure-harness.js";

describe("concurrent streams per connection are bounded", () => {
  let creds: Credentials;
  let h: SecureHarness;
  let session: ClientHttp2Session;
  beforeAll(async () => {
    creds = new Credentials();
    h = await startSecureHarness(creds.security());
  });
  afterAll(async () => {
    session?.destroy();
    await h.close();
    creds.remove();
  });

  it("the server advertises a finite SETTINGS_MAX_CONCURRENT_STREAMS to an unauthenticated TLS client", async () => {
    session = h2connect(`https://${h.address}`, { ca: creds.ca.cert, ALPNProtocols: ["h2"] });
    const settings = await new Promise<Record<string, unknown>>((resolve, reject) => {
      session.once("remoteSettings", (s) => resolve(s as Record<string, unknown>));
      session.once("error", reject);
    });
    const max = (settings.maxConcurrentStreams as number | undefined) ?? 2 ** 32 - 1;
    expect(max).toBeLessThanOrEqual(10_000);
  });
});
