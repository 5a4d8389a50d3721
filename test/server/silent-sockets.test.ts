/**
 * TCP connections that never speak HTTP/2 (never send the connection preface) are closed
 * by the server: they answer no keepalive PING (network.keepaliveTimeMs), and they have no
 * call open (network.idleConnectionTimeoutMs). Both are documented grpc-js server options;
 * each is tested alone, with short timers, so a grpc-js that stopped applying either to a
 * connection that never completed the handshake fails here. Asserted on counts.
 */
import net from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { startHarness, testConfig, type Harness } from "./harness.js";

const SOCKETS = 50;

let h: Harness | undefined;
const sockets: net.Socket[] = [];
afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  await h?.close();
  h = undefined;
});

/** Opens `n` raw TCP connections that send nothing; resolves with how many the server closed, once all are closed or after `deadlineMs`. */
async function silentSockets(port: number, n: number, deadlineMs: number): Promise<{ connected: number; closedByServer: number }> {
  let connected = 0;
  let closedByServer = 0;
  await new Promise<void>((resolve) => {
    const deadline = setTimeout(resolve, deadlineMs);
    for (let i = 0; i < n; i++) {
      const s = net.connect(port, "127.0.0.1");
      sockets.push(s);
      s.on("connect", () => connected++);
      s.on("data", () => {}); // the server's SETTINGS and PING frames: read, never answered
      s.on("error", () => {});
      s.on("close", () => {
        closedByServer++;
        if (closedByServer === n) {
          clearTimeout(deadline);
          resolve();
        }
      });
    }
  });
  return { connected, closedByServer };
}

const portOf = (h: Harness) => Number(h.address.split(":")[1]);

describe("connections that never complete the HTTP/2 handshake", () => {
  it("are cut by keepalive: every one of 50 silent sockets is closed", async () => {
    h = await startHarness(testConfig({ network: { keepaliveTimeMs: 200, keepaliveTimeoutMs: 200, idleConnectionTimeoutMs: 0 } }));
    expect(await silentSockets(portOf(h), SOCKETS, 10_000)).toEqual({ connected: SOCKETS, closedByServer: SOCKETS });
  }, 15_000);

  it("are cut by the idle-connection timeout with keepalive off", async () => {
    h = await startHarness(testConfig({ network: { keepaliveTimeMs: 0, idleConnectionTimeoutMs: 300 } }));
    expect(await silentSockets(portOf(h), SOCKETS, 10_000)).toEqual({ connected: SOCKETS, closedByServer: SOCKETS });
  }, 15_000);

  it("control: with both off, none is closed (the bound is these options, nothing else)", async () => {
    h = await startHarness(testConfig({ network: { keepaliveTimeMs: 0, idleConnectionTimeoutMs: 0 } }));
    expect(await silentSockets(portOf(h), 5, 1_500)).toEqual({ connected: 5, closedByServer: 0 });
  });

  it("the default configuration cuts them too (keepalive 5 s + 5 s)", async () => {
    h = await startHarness(testConfig());
    expect(await silentSockets(portOf(h), 10, 14_000)).toEqual({ connected: 10, closedByServer: 10 });
  }, 20_000);
});
