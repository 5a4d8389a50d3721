/**
 * Found by review: a block or unblock the sidecar applied and answered, whose follow-up read
 * (GetAccountState, or QueryAudit for a group) then failed because the sidecar began a graceful
 * shutdown just after answering, printed only "cannot connect …: is the sidecar running?" with
 * exit 1: the operator took the change as not made. It must say the change was applied and only
 * reading the result failed (exit 3, docs/operating.md, *Exit codes*).
 *
 * The shutdown starts inside the command's handling, before its answer is written: the GOAWAY
 * reaches the CLI ahead of the answer, so the follow-up read always needs a new connection, which
 * the closed listener refuses (no timing involved).
 */
import { create } from "@bufbuild/protobuf";
import { Server, ServerCredentials, type sendUnaryData, type UntypedServiceImplementation } from "@grpc/grpc-js";
import { afterEach, describe, expect, it, vi } from "vitest";
import * as ad from "../../gen/openpit/sidecar/v1/admin_pb.js";
import { runCli } from "../../src/cli/run-cli.js";
import { runCaptured } from "./run-captured.js";
import { serviceDefinition } from "../../src/transport/service-definition.js";
import { startHarness, type Harness } from "../server/harness.js";

describe("a change applied whose result could not be read", () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  /** Runs the CLI; the sidecar begins a graceful shutdown as it handles a command of `kind`. */
  async function runStoppingAfter(kind: string, ...argv: string[]): Promise<{ code: number; out: string; err: string }> {
    const state = h!.server.state;
    const admin = state.admin.bind(state);
    const grpcServer = (h!.server as unknown as { server: { tryShutdown(cb: () => void): void } }).server;
    const spy = vi.spyOn(state, "admin").mockImplementation((c, actor) => {
      const result = admin(c, actor);
      if (c.kind === kind) grpcServer.tryShutdown(() => {});
      return result;
    });
    try {
      return await runCaptured([...argv, "--timeout", "5", "--target", h!.address]);
    } finally {
      spy.mockRestore();
    }
  }

  it("unblock ACCOUNT: says UnblockAccount was applied, exit 3", async () => {
    h = await startHarness();
    await h.admin("blockAccount", { accountId: 42n, reason: "first" });
    const run = await runStoppingAfter("unblockAccount", "unblock", "42");
    expect(h.server.state.engine.accounts().ownBlockOf(42n as never)).toBeUndefined();
    expect(run.code).toBe(3);
    expect(run.out).toBe("");
    expect(run.err.split("\n")[0]).toBe("openpit unblock: UnblockAccount was applied (the sidecar answered); only reading the result failed: check with 'openpit state 42'");
    expect(run.err).toMatch(/\nopenpit unblock: reading the result: cannot connect to /);
  });

  it("block ACCOUNT: says BlockAccount was applied, exit 3", async () => {
    h = await startHarness();
    const run = await runStoppingAfter("blockAccount", "block", "42", "--reason", "compliance hold");
    expect(h.server.state.engine.accounts().ownBlockOf(42n as never)?.reason).toBe("compliance hold");
    expect(run.code).toBe(3);
    expect(run.err.split("\n")[0]).toBe("openpit block: BlockAccount was applied (the sidecar answered); only reading the result failed: check with 'openpit state 42'");
  });

  it("block --group: says BlockGroup was applied when the audit read after it fails, exit 3", async () => {
    h = await startHarness();
    const run = await runStoppingAfter("blockGroup", "block", "--group", "5", "--reason", "desk closed");
    expect(h.server.state.engine.accounts().groupBlockOf(5 as never)?.reason).toBe("desk closed");
    expect(run.code).toBe(3);
    expect(run.err.split("\n")[0]).toBe("openpit block: BlockGroup was applied (the sidecar answered); only reading the result failed: check with 'openpit groups'");
  });

  it("Ctrl-C in the read after an answered change says the change was applied", async () => {
    // An AdminService that answers UnblockAccount and holds GetAccountState; Ctrl-C comes once the read arrives.
    let readArrived!: () => void;
    const interrupted = new Promise<void>((r) => (readArrived = r));
    const impl: UntypedServiceImplementation = {};
    for (const m of ad.AdminService.methods) {
      impl[m.localName] = (_call: unknown, callback: sendUnaryData<unknown>) => {
        if (m.name === "UnblockAccount") return callback(null, create(ad.UnblockAccountResponseSchema, {}));
        readArrived();
      };
    }
    const server = new Server();
    server.addService(serviceDefinition(ad.AdminService), impl);
    const port = await new Promise<number>((resolve, reject) => server.bindAsync("127.0.0.1:0", ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))));
    try {
      let err = "";
      const code = await runCli(["unblock", "42", "--timeout", "30", "--target", `127.0.0.1:${port}`], { out: () => {}, err: (t) => (err += t) }, {}, interrupted);
      expect({ code, err }).toEqual({
        code: 130,
        err: "openpit unblock: interrupted after UnblockAccount was applied (the sidecar answered), while reading the result: check with 'openpit state 42'\n",
      });
    } finally {
      server.forceShutdown();
    }
  });
});
