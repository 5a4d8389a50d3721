/**
 * docs/security.md, "Fail closed": a graceful shutdown under way stops where it is and never
 * reports success. Failing closed during the last step, the wait for clients to go
 * (limits.shutdownGraceMs), was not checked: once the clients went, shutdown() closed the
 * journal and resolved, and main.ts would print "stopped" and exit 0 (found by review).
 */
import { describe, expect, it, vi } from "vitest";
import { startHarness } from "./harness.js";

interface GrpcServer {
  tryShutdown(done: (error?: Error) => void): void;
  forceShutdown(): void;
}

describe("failing closed while shutdown waits for clients to go", () => {
  it("shutdown goes no further: the journal is not closed, success is never reported", async () => {
    const h = await startHarness(undefined, () => Promise.resolve());
    const grpc = (h.server as unknown as { server: GrpcServer }).server;
    const tryShutdown = grpc.tryShutdown.bind(grpc);
    // Hold grpc-js's graceful shutdown until the process has failed closed, then let it end.
    let entered!: (release: () => Promise<void>) => void;
    const graceEntered = new Promise<() => Promise<void>>((resolve) => (entered = resolve));
    grpc.tryShutdown = (done) =>
      entered(() => new Promise<void>((ended) => tryShutdown((error) => (done(error), ended()))));
    const journalClose = vi.spyOn(h.server.state.journal, "close");
    let settled = false;
    void h.server.shutdown().then(
      () => (settled = true),
      () => (settled = true),
    );
    const release = await graceEntered;
    h.server.failClosed();
    await release(); // the clients are gone: grpc-js's shutdown has ended
    for (let i = 0; i < 10; i++) await new Promise((resolve) => setImmediate(resolve));
    expect(journalClose).not.toHaveBeenCalled();
    expect(settled).toBe(false);
    h.clients.close();
    grpc.forceShutdown();
  });
});
