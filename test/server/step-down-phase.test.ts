/**
 * StepDown is an admin change like the others: while the sidecar recovers, and once it has
 * failed closed, it is refused UNAVAILABLE before anything runs — no hand-over, nothing in
 * the door or the audit trail (docs/security.md: admin changes are refused from the close on
 * and throughout recovery; failed closed, nothing more runs). It skipped the phase check.
 */
import { status } from "@grpc/grpc-js";
import { describe, expect, it } from "vitest";
import { buildState } from "../../src/app/build-sidecar.js";
import { connect } from "../../src/client/index.js";
import { DEFAULT_LIMITS, parseSidecarConfig } from "../../src/server/config/sidecar-config.js";
import { SidecarServer } from "../../src/server/server.js";
import { StepDownRefusedError, type ReplicationControl } from "../../src/replication/replication-control.js";
import { adminCaller, startHarness, testConfig } from "./harness.js";

const ALLOW_ALL = { refuseAccount: () => undefined, refuseUnowned: () => undefined, refuseAccountless: () => undefined, refuseAdmin: () => undefined, ownerElsewhere: () => undefined };

/** An active instance's control that notes whether a hand-over ran. */
function activeControl(address: string): { control: ReplicationControl; handedOver: () => boolean } {
  let ran = false;
  const control: ReplicationControl = {
    status: () => ({ role: "active", instanceId: "a", advertisedAddress: address, shardCount: 2, shards: [], appliedSequence: 0n }),
    async stepDown(starting) {
      starting?.([0, 1]);
      ran = true;
      return { shards: [0, 1], tookMs: 1 };
    },
  };
  return { control, handedOver: () => ran };
}

describe("StepDown and the serving phase", () => {
  it("failed closed: UNAVAILABLE like BlockAccount, no hand-over, no record", async () => {
    const h = await startHarness();
    try {
      const { control, handedOver } = activeControl(h.address);
      h.server.attachReplication(ALLOW_ALL, control);
      h.server.failClosed();
      await expect(h.admin("blockAccount", { accountId: 5n, reason: "x" })).rejects.toMatchObject({ code: status.UNAVAILABLE });
      await expect(h.admin("stepDown", {})).rejects.toMatchObject({ code: status.UNAVAILABLE });
      expect(handedOver()).toBe(false);
      expect(h.server.state.audit.size).toBe(0);
    } finally {
      h.clients.close();
      // A failed-closed server never finishes a graceful shutdown (it leaves state to recovery).
      (h.server as unknown as { server: { forceShutdown(): void } }).server.forceShutdown();
    }
  });

  // Found by review (session 32): StepDown's refusals carried no openpit-error-kind trailer,
  // which admin.proto promises for every admin failure; "replication off" and "not active"
  // could only be told apart by their text.
  it("each refusal carries its kind: ReplicationOff, NotActive, StepDownFailed", async () => {
    const h = await startHarness();
    try {
      const refusal = async () => {
        const e = (await h.admin("stepDown", {}).then(
          () => undefined,
          (x: unknown) => x,
        )) as { code: number; details: string; metadata: { get(k: string): unknown[] } };
        return [e.code, e.metadata.get("openpit-error-kind")[0], e.details];
      };
      expect(await refusal()).toEqual([status.FAILED_PRECONDITION, "ReplicationOff", "replication is off: there is no standby to hand over to"]);
      let failure: Error = new StepDownRefusedError("this instance ('a') is standby, not active: nothing to hand over");
      const control: ReplicationControl = {
        status: () => ({ role: "standby", instanceId: "a", advertisedAddress: h.address, shardCount: 2, shards: [], appliedSequence: 0n }),
        stepDown: async () => {
          throw failure;
        },
      };
      h.server.attachReplication(ALLOW_ALL, control);
      expect(await refusal()).toEqual([status.FAILED_PRECONDITION, "NotActive", "this instance ('a') is standby, not active: nothing to hand over"]);
      failure = new Error("journal flush failed: stream closed");
      expect(await refusal()).toEqual([status.FAILED_PRECONDITION, "StepDownFailed", "journal flush failed: stream closed"]);
    } finally {
      h.clients.close();
      await h.server.shutdown();
    }
  });

  it("recovering: UNAVAILABLE, nothing enters the door", async () => {
    const server = new SidecarServer(buildState(parseSidecarConfig(testConfig())), DEFAULT_LIMITS, "recovering");
    const port = await server.listen("127.0.0.1:0");
    const clients = connect(`127.0.0.1:${port}`);
    try {
      const { control, handedOver } = activeControl(`127.0.0.1:${port}`);
      server.attachReplication(ALLOW_ALL, control);
      const admin = adminCaller(clients);
      await expect(admin("stepDown", {})).rejects.toMatchObject({ code: status.UNAVAILABLE });
      expect(handedOver()).toBe(false);
      expect(server.state.audit.size).toBe(0);
    } finally {
      await server.shutdown();
      clients.close();
    }
  });
});
