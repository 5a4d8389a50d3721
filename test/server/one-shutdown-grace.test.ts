/**
 * docs/security.md, "Process and shutdown": after the last snapshot a stop waits at most
 * `limits.shutdownGraceMs` for clients, of gRPC and HTTP alike. The HTTP listener was given
 * a fresh grace after the gRPC one had run out, so a stuck client of each stretched the stop
 * to drain + 2 × grace, past a supervisor's kill timeout sized from the docs (found by review).
 * The grace itself is real time (setTimeout); these tests look at what the HTTP close is
 * given, not at how long anything took.
 */
import { describe, expect, it } from "vitest";
import { startHarness, testConfig } from "./harness.js";

interface GrpcServer {
  tryShutdown(done: (error?: Error) => void): void;
  forceShutdown(): void;
}

const GRACE_MS = 300;

async function httpGraceWhen(clientsGo: "never" | "at once"): Promise<number> {
  const h = await startHarness(testConfig({ limits: { shutdownDrainMs: 0, shutdownGraceMs: GRACE_MS } }));
  const grpc = (h.server as unknown as { server: GrpcServer }).server;
  const tryShutdown = grpc.tryShutdown.bind(grpc);
  // "never": a gRPC client that ignores the notice; grpc-js's graceful shutdown then never
  // ends by itself and the grace's timer cuts it (forceShutdown).
  if (clientsGo === "never") grpc.tryShutdown = () => undefined;
  else grpc.tryShutdown = (done) => tryShutdown(done);
  const given: number[] = [];
  const close = h.server.http.close.bind(h.server.http);
  h.server.http.close = (graceMs?: number) => {
    given.push(graceMs ?? NaN);
    return close(graceMs);
  };
  h.clients.close();
  await h.server.shutdown();
  expect(given).toHaveLength(1);
  return given[0]!;
}

describe("one grace for every listener at shutdown", () => {
  it("a gRPC client that used up the grace leaves the HTTP listener none of it", async () => {
    // The gRPC wait lasted the whole grace: what is left is about nothing, never a fresh one.
    expect(await httpGraceWhen("never")).toBeLessThan(GRACE_MS / 2);
  });

  it("when the gRPC clients went at once, the HTTP listener has about the whole grace", async () => {
    const left = await httpGraceWhen("at once");
    expect(left).toBeGreaterThan(GRACE_MS / 2);
    expect(left).toBeLessThanOrEqual(GRACE_MS);
  });
});
