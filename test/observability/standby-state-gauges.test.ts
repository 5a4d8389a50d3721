/**
 * Found by review.
 * docs/observability.md, "State (read at each scrape)": `openpit_channels` = "Account channels
 * open (a channel stream that has sent a command)", `openpit_open_reservations` = "Reservations
 * open on all channels". A failover standby follows the active's journal into its own state
 * (SidecarState.follow), so it reports the active's channels, pins and reservations as its own
 * although no channel stream is open on it: summed over a deployment (the usual PromQL sum),
 * every figure is doubled, and an alert on open reservations fires on the standby too.
 *
 * The standby is simulated without NATS: the active's journal records (captured from a real
 * server) are fed to a second server's state through follow(), as journal-replica.ts does.
 */
import { afterEach, describe, expect, it } from "vitest";
import type { Harness } from "../server/harness.js";
import { activeWithReservation, followingStandby } from "./followed-standby.js";
import { sample } from "./observed-sidecar.js";

describe("a standby's state gauges", () => {
  let active: Harness | undefined;
  afterEach(async () => {
    await active?.close();
  });

  it("a standby with no channel stream does not report the active's channels and reservations as its own", async () => {
    const made = await activeWithReservation();
    active = made.active;
    expect(sample(await active.server.metrics.registry.metrics(), "openpit_open_reservations")).toBe(1);

    const standby = followingStandby(made.records);
    const text = await standby.metrics.registry.metrics();
    // No channel stream was ever opened on the standby.
    expect(sample(text, "openpit_channels")).toBe(0);
    expect(sample(text, "openpit_open_reservations")).toBe(0);
  });
});
