/**
 * Found by review: the TypeScript client refuses a client certificate without TLS, and the CLI refuses
 * a bearer token in cleartext to a non-loopback host (docs/security.md: "Use tokens over TLS;
 * on plaintext they are only safe on loopback"), but `connect()` itself sends the token in
 * cleartext to any host: a gateway embedding the client with `rootCa` forgotten leaks it.
 */
import { describe, expect, it } from "vitest";
import { connect, makeClient } from "../../src/client/index.js";
import { Health } from "../../gen/grpc/health/v1/health_pb.js";
import { hostOfTarget, isLoopbackHost } from "../../src/transport/loopback-host.js";

describe("connect() never sends a bearer token in cleartext off loopback", () => {
  it("refuses bearerToken without rootCa for a non-loopback target", () => {
    expect(() => connect("10.1.2.3:50051", { bearerToken: "secret" })).toThrow(/cleartext|TLS|rootCa/);
    expect(() => connect("dns:///risk.internal:50051", { bearerToken: "secret" })).toThrow(/cleartext|TLS|rootCa/);
  });
  // Found by review: a list's first member alone decided (`[::1]` by its brackets; `127.0.0.1`
  // by the one colon a default-port second member leaves), and grpc-js may dial any member.
  it("refuses it for an address list with a loopback member first", () => {
    for (const target of ["ipv6:[::1]:50051,[2001:db8::1]:50051", "ipv4:127.0.0.1:50051,10.0.0.5", "ipv4:127.0.0.1:50051,127.0.0.2:50051"]) {
      expect(isLoopbackHost(hostOfTarget(target)), target).toBe(false);
      expect(() => connect(target, { bearerToken: "secret" }), target).toThrow(/cleartext|TLS|rootCa/);
    }
  });
  // Found by review: makeClient, exported beside connect(), took the same options unchecked.
  it("makeClient refuses it too", () => {
    expect(() => makeClient(Health, "10.1.2.3:50051", {}, { bearerToken: "secret" })).toThrow(/cleartext|TLS|rootCa/);
    makeClient(Health, "127.0.0.1:50051", {}, { bearerToken: "secret" }).close();
  });
  it("still allows it on loopback, and over TLS anywhere", () => {
    connect("127.0.0.1:50051", { bearerToken: "secret" }).close();
    connect("[::1]:50051", { bearerToken: "secret" }).close();
    connect("localhost:50051", { bearerToken: "secret" }).close();
    connect("10.1.2.3:50051", { bearerToken: "secret", rootCa: "-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n" }).close();
  });
});
