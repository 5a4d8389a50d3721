/**
 * A shutdown that begins while `listen` is still binding (found by review): the shutdown
 * stopped the re-reading of the credentials files before there was any, then the bind
 * completed and `listen` went on to start it: the tokens file, the client CRL and the
 * certificate files were re-read for good by a server that had stopped (the intervals are
 * unreferenced, so the process could still exit, and nobody noticed), and grpc-js, which
 * does not cancel a bind in progress at shutdown, kept the socket bound after it listening.
 *
 * The bind is held until the shutdown has finished (the callback of the real bind is
 * delayed), and the intervals are vitest's fake ones: what is left after both is counted,
 * nothing waits on a timer.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { connect as tcpConnect } from "node:net";
import { Server } from "@grpc/grpc-js";
import { ManualClock } from "../../src/engine/index.js";
import { buildSidecar } from "../../src/app/build-sidecar.js";
import { parseSidecarConfig } from "../../src/server/config/sidecar-config.js";
import { testConfig } from "../server/harness.js";
import { Credentials } from "./secure-harness.js";

/** Whether something accepts a TCP connection on 127.0.0.1:`port` now. */
const accepts = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const socket = tcpConnect(port, "127.0.0.1");
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });

describe("a shutdown while listen is binding", () => {
  let creds: Credentials;

  beforeAll(() => {
    creds = new Credentials();
  });
  afterAll(() => creds.remove());
  afterEach(() => {
    vi.restoreAllMocks();
    vi.useRealTimers();
  });

  it("leaves no re-reading of the credentials files, no sweeper and no bound socket behind", async () => {
    vi.useFakeTimers({ toFake: ["setInterval", "clearInterval"] });
    // TLS with a client CA (the certificate files), the tokens file and a client CRL: every watched file.
    const crlFile = creds.pki.crl("test-ca", [], "stop-during-listen.crl");
    const security = creds.security({ clientCrlFile: crlFile }, { tokensRefreshIntervalMs: 1000 });
    const config = parseSidecarConfig(testConfig({ security, limits: { reservationTtlMs: 60_000 } }));
    const server = buildSidecar(config, new ManualClock(1_000), () => Promise.resolve());

    // The real bind runs; its result reaches `listen` only once `release` is called.
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let bound!: (port: number) => void;
    const boundPort = new Promise<number>((resolve) => (bound = resolve));
    const bindAsync = Server.prototype.bindAsync;
    vi.spyOn(Server.prototype, "bindAsync").mockImplementation(function (this: Server, port, credentials, callback) {
      bindAsync.call(this, port, credentials, (error, p) => {
        bound(p);
        void released.then(() => callback(error, p));
      });
    });

    const listening = server.listen("127.0.0.1:0").then(
      (port) => ({ port }),
      (error: unknown) => ({ error }),
    );
    await server.shutdown();
    const port = await boundPort;
    release();
    const outcome = await listening;

    // No interval left: not the tokens file's, the CRL's, the certificate files' nor the sweeper's.
    expect(vi.getTimerCount()).toBe(0);
    expect(await accepts(port)).toBe(false);
    // The server stopped before it listened: `listen` says so rather than a port.
    expect(outcome).toMatchObject({ error: expect.objectContaining({ message: expect.stringMatching(/shut down/) }) });
  });
});
