/** TwoTierThrottlePolicy through the wire: soft reject, then block + ChannelClosing notice + rollback (the stream ends once the client half-closes: channel-closed-by-policy.test.ts); restart. */
import { toJson } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { AccountBlockSchema } from "../../gen/openpit/sidecar/v1/types_pb.js";
import type * as ad from "../../gen/openpit/sidecar/v1/admin_pb.js";
import { ACCOUNT, order } from "./harness.js";
import { as } from "./results.js";
import { controlsConfig, dryRun, executed, execute, sidecarsPerTest } from "./controls-world.js";

const THROTTLE = { type: "TwoTierThrottlePolicy", settings: { default: { softMaxOrders: 2, hardMaxOrders: 3, windowMs: 1000 } } };
const SOFT = (n: number) => [["RATE_LIMIT_EXCEEDED", "throttle soft limit exceeded", `submitted ${n} orders in 1s window, soft limit: 2`, "ORDER"]];
const HARD_DETAILS = "submitted 4 orders in 1s window, hard limit: 3; account blocked and channel closed";

describe("two-tier throttle through the wire", () => {
  const sidecars = sidecarsPerTest();

  it("rejects over the soft rate; over the hard rate blocks the account, tells the channel, rolls back and ends it", async () => {
    const h = await sidecars.harness(controlsConfig([THROTTLE]));
    const rolledBack: unknown[] = [];
    h.server.state.events.subscribe((e) => {
      if (e.event.kind === "reservationsRolledBack") rolledBack.push(e.event);
    });
    const ch = h.channel();
    const open = executed(await ch.one(execute(order(), false)));
    expect(open.accepted).toBe(true);
    expect(as(await ch.one(dryRun()), "dryRun").pass).toBe(true);
    expect(executed(await ch.one(execute())).accepted).toBe(true);
    expect(executed(await ch.one(execute())).rejects).toEqual(SOFT(3));
    const hard = executed(await ch.one(execute()));
    expect(hard.rejects).toEqual([["THROTTLE_HARD_LIMIT_EXCEEDED", "throttle hard limit exceeded", HARD_DETAILS, "ACCOUNT"]]);
    // The notice came before the answer; the reservation left open was rolled back.
    const notice = ch.notices.map((n) => n.notice?.notice).find((n) => n?.case === "channelClosing");
    expect(notice?.value).toMatchObject({
      accountIds: [ACCOUNT],
      policy: "TwoTierThrottlePolicy",
      reason: "throttle hard limit exceeded",
      rolledBackReservationIds: [open.reservationId],
    });
    // Monitors learn what the closed channel left open, as on any disconnect.
    expect(rolledBack).toEqual([
      { kind: "reservationsRolledBack", accountId: ACCOUNT, reservationIds: [open.reservationId], reason: "closedByPolicy", channelId: expect.any(BigInt) },
    ]);
    await ch.end();
    expect(h.server.state.channels.size).toBe(0);
    await expect(ch.one(execute())).rejects.toThrow();

    const state = await h.admin<ad.GetAccountStateResponse>("getAccountState", { accountId: ACCOUNT });
    expect(toJson(AccountBlockSchema, state.block!)).toEqual({
      policy: "TwoTierThrottlePolicy",
      code: "REJECT_CODE_ACCOUNT_BLOCKED",
      reason: "throttle hard limit exceeded",
      details: HARD_DETAILS,
    });
    const other = h.channel();
    expect(executed(await other.one(execute())).rejects[0]![0]).toBe("ACCOUNT_BLOCKED");
    expect(h.server.state.engine.book.openOrders(99224416n as never)).toBe(1);
  });

  it("follows a runtime change by name", async () => {
    const h = await sidecars.harness(controlsConfig([THROTTLE]));
    const ch = h.channel();
    await ch.one(execute());
    await ch.one(execute());
    await h.admin("configurePolicy", { policyName: "TwoTierThrottlePolicy", settingsJson: '{"default":{"softMaxOrders":3,"hardMaxOrders":5,"windowMs":1000}}' });
    expect(executed(await ch.one(execute())).accepted).toBe(true);
    expect(executed(await ch.one(execute())).rejects[0]![2]).toBe("submitted 4 orders in 1s window, soft limit: 3");
  });

  it("keeps its windows over a restart in durable mode", async () => {
    const dir = sidecars.dataDir();
    const first = await sidecars.durable(controlsConfig([THROTTLE]), dir, 1_000);
    const ch = first.channel();
    await ch.one(execute());
    await ch.one(execute());
    await first.stop();
    const second = await sidecars.durable(controlsConfig([THROTTLE]), dir, 1_100);
    const again = second.channel();
    expect(executed(await again.one(execute())).rejects).toEqual(SOFT(3));
    second.clock.advance(1_000);
    expect(executed(await again.one(execute())).accepted).toBe(true);
  });
});
