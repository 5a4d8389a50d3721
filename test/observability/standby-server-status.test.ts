/**
 * Found by review: a failover standby follows the active's journal into its own state, so
 * that state holds the active's channels, pins and handles. Its metrics report 0 for them
 * (standby-state-gauges.test.ts), but GetServerStatus and ListChannels (what `openpit
 * status`, `openpit channels` and the console show) reported the active's as the standby's
 * own. Both now say what the metrics say. The standby is simulated as in
 * standby-state-gauges.test.ts (journal records fed through follow()).
 */
import { create } from "@bufbuild/protobuf";
import { afterEach, describe, expect, it } from "vitest";
import { GetServerStatusRequestSchema, ListChannelsRequestSchema, type GetServerStatusResponse, type ListChannelsResponse } from "../../gen/openpit/sidecar/v1/operator_pb.js";
import { callUnaryInProcess } from "../../src/server/console/in-process-call.js";
import type { Harness } from "../server/harness.js";
import { activeWithReservation, followingStandby } from "./followed-standby.js";
import { sample } from "./observed-sidecar.js";

describe("a standby's GetServerStatus and ListChannels", () => {
  let active: Harness | undefined;
  afterEach(async () => {
    await active?.close();
  });

  it("does not report the active's channels, pins and open handles as its own (as its metrics do not)", async () => {
    const made = await activeWithReservation();
    active = made.active;
    const standby = followingStandby(made.records);

    // Its metrics say: nothing of its own.
    const text = await standby.metrics.registry.metrics();
    expect(sample(text, "openpit_channels")).toBe(0);
    expect(sample(text, "openpit_pinned_accounts")).toBe(0);

    const admin = standby.guardedServices.admin;
    const caller = { authorization: undefined, peer: "test" };
    const status = await callUnaryInProcess(admin, "getServerStatus", "/openpit.sidecar.v1.AdminService/GetServerStatus", create(GetServerStatusRequestSchema), caller);
    const channels = await callUnaryInProcess(admin, "listChannels", "/openpit.sidecar.v1.AdminService/ListChannels", create(ListChannelsRequestSchema), caller);
    const s = (status as { response: GetServerStatusResponse }).response;
    const c = (channels as { response: ListChannelsResponse }).response;
    expect({ channels: s.channels, pinnedAccounts: s.pinnedAccounts, openHandles: s.openHandles }).toEqual({ channels: 0, pinnedAccounts: 0, openHandles: 0 });
    expect(c.channels).toEqual([]);
  });
});
