/**
 * Found by review: a Health.Check or Watch whose request does not decode (invalid UTF-8 in
 * `service`) was read as naming the service 'undefined' (the lenient deserializer hands the
 * handler a MalformedMessage): Check answered NOT_FOUND "unknown service 'undefined'" and
 * Watch streamed SERVICE_UNKNOWN. Both are refused INVALID_ARGUMENT "malformed request: …",
 * as reflection refuses one.
 */
import { credentials, makeGenericClientConstructor, status, type ServiceError } from "@grpc/grpc-js";
import { afterEach, describe, expect, it } from "vitest";
import { startHarness, type Harness } from "./harness.js";

/** Health with requests sent as raw bytes and answers left undecoded. */
function rawHealth(address: string) {
  const bytes = (b: Buffer) => b;
  const method = (name: string, responseStream: boolean) => ({
    path: `/grpc.health.v1.Health/${name}`,
    requestStream: false,
    responseStream,
    requestSerialize: bytes,
    requestDeserialize: bytes,
    responseSerialize: bytes,
    responseDeserialize: bytes,
  });
  const Raw = makeGenericClientConstructor({ check: method("Check", false), watch: method("Watch", true) }, "RawHealth");
  return new Raw(address, credentials.createInsecure()) as unknown as {
    check(request: Buffer, callback: (e: ServiceError | null) => void): void;
    watch(request: Buffer): NodeJS.EventEmitter;
    close(): void;
  };
}

/** Field 1 (service, a string) holding invalid UTF-8. */
const INVALID_UTF8_SERVICE = Buffer.from([0x0a, 0x02, 0xc3, 0x28]);

describe("a Health request that does not decode", () => {
  let h: Harness;
  afterEach(async () => {
    await h.close();
  });

  it("Check and Watch are refused INVALID_ARGUMENT naming the decode error, not answered for a service 'undefined'", async () => {
    h = await startHarness();
    const client = rawHealth(h.address);
    try {
      const check = await new Promise<ServiceError | null>((resolve) => client.check(INVALID_UTF8_SERVICE, resolve));
      expect({ code: status[check?.code ?? 0], details: check?.details }).toEqual({ code: "INVALID_ARGUMENT", details: "malformed request: The encoded data was not valid for encoding utf-8" });
      // The first thing the stream does: a status sent (SERVICE_UNKNOWN, before) or its end.
      const watch = await new Promise<{ code: string; details?: string }>((resolve) => {
        const stream = client.watch(INVALID_UTF8_SERVICE);
        stream.on("data", () => resolve({ code: "a status was sent" }));
        stream.on("error", (error: ServiceError) => resolve({ code: status[error.code], details: error.details }));
        stream.on("end", () => resolve({ code: "ended OK" }));
      });
      expect(watch).toEqual({ code: "INVALID_ARGUMENT", details: "malformed request: The encoded data was not valid for encoding utf-8" });
    } finally {
      client.close();
    }
  });
});
