/**
 * A change the sidecar refused before running it, because it was recovering its state or
 * shutting down, is answered UNAVAILABLE, as a connection cut after the change was sent is.
 * The CLI took both as "the change may be in effect": an emergency `block` refused by a
 * stopping sidecar read as probably applied, and the account came back unblocked after the
 * restart (found by review, session 36). The sidecar's refusal now carries its kind
 * (`openpit-error-kind` RECOVERING / SHUTTING_DOWN), and the CLI says it was refused.
 * The real AdminService, served on 127.0.0.1 with the phase the test sets.
 */
import { Server, ServerCredentials, type UntypedServiceImplementation } from "@grpc/grpc-js";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import * as ad from "../../gen/openpit/sidecar/v1/admin_pb.js";
import { buildSidecar } from "../../src/app/build-sidecar.js";
import { ManualClock } from "../../src/engine/index.js";
import { parseSidecarConfig } from "../../src/server/config/sidecar-config.js";
import { adminService } from "../../src/server/services/admin-service.js";
import { LiveStreams } from "../../src/server/services/live-streams.js";
import type { ServingPhase } from "../../src/server/services/service-context.js";
import { serviceDefinition } from "../../src/transport/service-definition.js";
import { testConfig } from "../server/harness.js";
import { runCaptured } from "./run-captured.js";

describe("a change the sidecar refused because of its phase", () => {
  let phase: ServingPhase;
  let server: Server;
  let target: string;
  beforeEach(async () => {
    const state = buildSidecar(parseSidecarConfig(testConfig()), new ManualClock(0)).state;
    phase = "serving";
    server = new Server();
    server.addService(serviceDefinition(ad.AdminService), adminService({ state, streams: new LiveStreams(), phase: () => phase, channelWriters: new Map() }) as UntypedServiceImplementation);
    const port = await new Promise<number>((resolve, reject) => server.bindAsync("127.0.0.1:0", ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))));
    target = `127.0.0.1:${port}`;
  });
  afterEach(() => {
    server.forceShutdown();
  });

  for (const [refusedIn, text] of [
    ["recovering", "the sidecar is recovering its state; retry shortly"],
    ["stopping", "the sidecar is shutting down"],
    ["failed", "the sidecar is shutting down"],
  ] as const) {
    it(`block while ${refusedIn}: exit 1, refused, not 'may be in effect'`, async () => {
      phase = refusedIn;
      const run = await runCaptured(["block", "42", "--reason", "compliance hold", "--target", target]);
      expect({ code: run.code, err: run.err }).toEqual({ code: 1, err: `openpit block: the sidecar at ${target} is unavailable: ${text}\n` });
    });
  }

  it("the same block while serving is applied", async () => {
    const run = await runCaptured(["block", "42", "--reason", "compliance hold", "--target", target]);
    expect({ code: run.code, err: run.err }).toEqual({ code: 0, err: "" });
  });
});
