/**
 * Found by review: a failover standby follows the active's journal into its own state, so
 * that state holds the active's channels, pins and handles. Its metrics report 0 for them
 * (standby-state-gauges.test.ts), but GetServerStatus and ListChannels (what `openpit
 * status`, `openpit channels` and the console show) reported the active's as the standby's
 * own. Both now say what the metrics say. The standby is simulated as in
 * standby-state-gauges.test.ts (journal records fed through follow()).
 */
import { afterEach, describe, expect, it } from "vitest";
import { buildSidecar } from "../../src/app/build-sidecar.js";
import { parseSidecarConfig } from "../../src/server/config/sidecar-config.js";
import { MemoryJournal } from "../../src/state/journal/memory-journal.js";
import { callUnaryInProcess } from "../../src/server/console/in-process-call.js";
import { GetServerStatusRequestSchema, ListChannelsRequestSchema, type GetServerStatusResponse, type ListChannelsResponse } from "../../gen/openpit/sidecar/v1/operator_pb.js";
import { create } from "@bufbuild/protobuf";
import { order, seed, startHarness, testConfig, type Harness } from "../server/harness.js";
import { sample } from "./observed-sidecar.js";

class CapturingJournal extends MemoryJournal {
  override readonly mode = "sync" as never;
  readonly records: Uint8Array[] = [];
  override append(payload: Uint8Array): bigint {
    this.records.push(payload);
    return super.append(payload);
  }
}

describe("a standby's GetServerStatus and ListChannels", () => {
  let active: Harness | undefined;
  afterEach(async () => {
    await active?.close();
  });

  it("does not report the active's channels, pins and open handles as its own (as its metrics do not)", async () => {
    active = await startHarness();
    const journal = new CapturingJournal();
    active.server.state.attachJournal(journal);
    const ch = active.channel();
    await ch.send(seed("USD", "10000"));
    await ch.one({ case: "executePreTrade", value: { order: order({ qty: "1", price: "100" }) } });

    const standby = buildSidecar(parseSidecarConfig(testConfig()));
    standby.attachReplication({ refuseUnowned: () => new Error("NOT_OWNER") } as never, { status: () => ({ role: "standby", shards: [], appliedSequence: 0n }) } as never);
    for (const r of journal.records) standby.state.follow(r);

    // Its metrics say: nothing of its own.
    const text = await standby.metrics.registry.metrics();
    expect(sample(text, "openpit_channels")).toBe(0);
    expect(sample(text, "openpit_pinned_accounts")).toBe(0);

    const admin = standby.guardedServices.admin;
    const status = await callUnaryInProcess(admin, "getServerStatus", "/openpit.sidecar.v1.AdminService/GetServerStatus", create(GetServerStatusRequestSchema), { authorization: undefined, peer: "test" });
    const channels = await callUnaryInProcess(admin, "listChannels", "/openpit.sidecar.v1.AdminService/ListChannels", create(ListChannelsRequestSchema), { authorization: undefined, peer: "test" });
    const s = (status as { response: GetServerStatusResponse }).response;
    const c = (channels as { response: ListChannelsResponse }).response;
    expect.soft({ channels: s.channels, pinnedAccounts: s.pinnedAccounts, openHandles: s.openHandles }).toEqual({ channels: 0, pinnedAccounts: 0, openHandles: 0 });
    expect.soft(c.channels.map((x) => ({ id: x.channelId, peer: x.peer }))).toEqual([]);
  });
});
