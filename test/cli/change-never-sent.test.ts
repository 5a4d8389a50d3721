/**
 * Found by review (session 30): a change whose call failed UNAVAILABLE is reported as "was
 * sent, so the change may be in effect" unless grpc-js's words say it never connected; only
 * "No connection established" was known, so a target that did not resolve or parse was
 * reported as "cannot connect" (or "unavailable") and "was sent" on one line. Nothing left the
 * machine: docs/operating.md says such a call "says only `cannot connect …`".
 */
import net from "node:net";
import { describe, expect, it } from "vitest";
import { runCli } from "../../src/cli/run-cli.js";

/** HTTP/2 frame types that arrived after the 24-byte client preface. */
function frameTypes(bytes: Buffer): number[] {
  const types: number[] = [];
  for (let i = 24; i + 9 <= bytes.length; i += 9 + bytes.readUIntBE(i, 3)) types.push(bytes[i + 3]!);
  return types;
}

describe("a change whose call never reached a sidecar", () => {
  it("a target grpc-js cannot resolve does not say the change was sent", async () => {
    let err = "";
    const code = await runCli(["unblock", "42", "--timeout", "5", "--target", "ipv4:999.1.1.1:50051"], { out: () => {}, err: (t) => (err += t) }, {});
    expect(code).toBe(1);
    expect(err).not.toContain("was sent");
    expect(err).toMatch(/^openpit unblock: /);
  });

  // Found by review (session 41): a target that accepts TCP and never answers HTTP/2 (a
  // frozen sidecar, SIGSTOP or a VM pause; another service's port) runs the call out of time
  // before any connection takes it. "BlockAccount was sent, so the change may be in effect"
  // told an operator whose emergency block never left the machine to check, with a command
  // that timed out too.
  it("a target that never completes the HTTP/2 handshake: nothing sent, and it says so", async () => {
    const received: Buffer[] = [];
    const sockets: net.Socket[] = [];
    const hole = net.createServer((socket) => {
      sockets.push(socket);
      socket.on("data", (d) => received.push(d));
    });
    await new Promise<void>((resolve) => hole.listen(0, "127.0.0.1", resolve));
    const target = `127.0.0.1:${(hole.address() as net.AddressInfo).port}`;
    let err = "";
    try {
      const code = await runCli(["block", "42", "--reason", "x", "--timeout", "1", "--target", target], { out: () => {}, err: (t) => (err += t) }, {});
      expect(code).toBe(1);
    } finally {
      for (const socket of sockets) socket.destroy();
      hole.close();
    }
    // Only the client's SETTINGS (type 4) reached the target: no HEADERS (1), no DATA (0).
    expect(frameTypes(Buffer.concat(received)).every((t) => t === 4)).toBe(true);
    expect(err).toBe(
      `openpit block: cannot connect to ${target} in time: it took no call (a stopped or frozen process, or not the sidecar's port; plaintext vs TLS right: --ca?)\n`,
    );
  }, 20_000);
});
