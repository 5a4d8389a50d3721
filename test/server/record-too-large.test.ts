/**
 * A command whose journal record the journal cannot store (the replicated journal's bound is
 * the NATS server's max_payload, 1 MiB by default, while gRPC takes 4 MiB) is refused
 * RESOURCE_EXHAUSTED before anything changes, on every path into the door: the channel and
 * the feed answer each command of the message with it and the stream goes on; an admin call
 * gets the status. Before, the replicated journal took the record, could never publish it,
 * and failed after its append timeout (exit 74/75, failover). Found by review.
 *
 * The journal here is the file journal with its append bounded at LIMIT bytes, as the
 * replicated journal bounds it: the door's and the services' handling is what is shown.
 */
import { create } from "@bufbuild/protobuf";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import type { ServiceError } from "@grpc/grpc-js";
import { afterEach, describe, expect, it } from "vitest";
import * as ad from "../../gen/openpit/sidecar/v1/admin_pb.js";
import * as ch from "../../gen/openpit/sidecar/v1/channel_pb.js";
import { ErrorCode } from "../../gen/openpit/sidecar/v1/errors_pb.js";
import { AccountId } from "../../src/param/index.js";
import { runOpenRequest, type StreamChannel } from "../../src/server/services/account-channel-service.js";
import { adminService } from "../../src/server/services/admin-service.js";
import { runPublishRequest } from "../../src/server/services/feed-service.js";
import { LiveStreams } from "../../src/server/services/live-streams.js";
import { RecordTooLargeError } from "../../src/state/journal/journal.js";
import type { SidecarState } from "../../src/state/sidecar-state.js";
import { durableConfig, startState } from "../state/durable-state.js";
import { order, seed } from "./harness.js";
import { feeReport } from "./results.js";

const LIMIT = 2_000;
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

async function boundedState(): Promise<SidecarState> {
  const dataDir = mkdtempSync(path.join(tmpdir(), "openpit-too-large-"));
  dirs.push(dataDir);
  const { state } = await startState(durableConfig(dataDir, 1 << 20));
  const journal = state.journal;
  const append = journal.append.bind(journal);
  journal.append = (payload, command) => {
    if (payload.length > LIMIT) throw new RecordTooLargeError(payload.length, LIMIT);
    return append(payload, command);
  };
  return state;
}

const execute = (i: number): ch.Command => create(ch.CommandSchema, { command: { case: "executePreTrade", value: { order: order({ price: `${100 + i}` }) } } });
const funds = create(ch.CommandSchema, { command: seed("USD", "1000000") });

const refusal = /^command too large to journal: \d+ bytes encoded, at most 2000$/;

describe("a command too large for the journal", () => {
  it("is refused RESOURCE_EXHAUSTED command by command on a channel, nothing changes, and the channel goes on", async () => {
    const state = await boundedState();
    const session: StreamChannel = { channelId: undefined };
    const first = runOpenRequest(state, session, { $typeName: "openpit.sidecar.v1.OpenRequest", correlationId: 1n, commands: [funds, execute(0)] });
    expect(first.results.map((r) => r.result.case === "execute" && r.result.value.accepted)).toEqual([false, true]);
    const before = state.journal.lastSequence;

    const big = runOpenRequest(state, session, { $typeName: "openpit.sidecar.v1.OpenRequest", correlationId: 2n, commands: Array.from({ length: 200 }, (_, i) => execute(i)) });
    expect(big.results).toHaveLength(200);
    for (const r of big.results) {
      expect(r.result.case).toBe("error");
      const e = r.result.value as { code: ErrorCode; message: string; field: string };
      expect([ErrorCode[e.code], e.field]).toEqual(["RESOURCE_EXHAUSTED", ""]);
      expect(e.message).toMatch(refusal);
    }
    expect(state.journal.lastSequence).toBe(before);
    expect(state.channels.get(session.channelId!)!.openHandles).toBe(1);

    const after = runOpenRequest(state, session, { $typeName: "openpit.sidecar.v1.OpenRequest", correlationId: 3n, commands: [execute(1)] });
    expect(after.results[0]!.result.case === "execute" && after.results[0]!.result.value.accepted).toBe(true);
    expect(state.channels.get(session.channelId!)!.openHandles).toBe(2);
    await state.journal.close();
  });

  it("is refused RESOURCE_EXHAUSTED report by report on the feed, and nothing is applied", async () => {
    const state = await boundedState();
    const before = state.journal.lastSequence;
    const results = runPublishRequest(state, { $typeName: "openpit.sidecar.v1.PublishRequest", correlationId: 1n, reports: Array.from({ length: 32 }, () => feeReport("1")) }).results;
    expect(results).toHaveLength(32);
    for (const r of results) {
      expect(r.result.case).toBe("error");
      expect(ErrorCode[(r.result.value as { code: ErrorCode }).code]).toBe("RESOURCE_EXHAUSTED");
    }
    expect(state.journal.lastSequence).toBe(before);
    expect(runPublishRequest(state, { $typeName: "openpit.sidecar.v1.PublishRequest", correlationId: 2n, reports: [feeReport("1")] }).results[0]!.result.case).toBe("postTrade");
    await state.journal.close();
  });

  it("fails an admin call RESOURCE_EXHAUSTED with the sizes, and changes nothing", async () => {
    const state = await boundedState();
    const admin = adminService({ state, streams: new LiveStreams(), phase: () => "serving", channelWriters: new Map() }) as unknown as Record<
      string,
      (call: { request: unknown }, callback: (err: ServiceError | null, res: unknown) => void) => void
    >;
    const call = (reason: string) =>
      new Promise<ServiceError | null>((resolve) => admin.blockAccount!({ request: create(ad.BlockAccountRequestSchema, { accountId: 7n, reason }) }, (err) => resolve(err)));
    const before = state.journal.lastSequence;
    const err = await call("x".repeat(3_000)); // within the 4 KiB reason bound, past the journal's LIMIT
    expect(err && { code: err.code, details: err.details }).toEqual({ code: 8, details: expect.stringMatching(refusal) });
    expect(state.journal.lastSequence).toBe(before);
    expect(state.engine.accounts().blockOf(AccountId.fromU64(7n))).toBeUndefined();
    expect(await call("short")).toBeNull();
    expect(state.engine.accounts().blockOf(AccountId.fromU64(7n))?.reason).toBe("short");
    await state.journal.close();
  });
});
