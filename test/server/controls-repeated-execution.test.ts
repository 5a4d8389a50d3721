/** RepeatedExecutionThrottlePolicy through the wire: fills on the feed block the account until an operator unblocks; restart. */
import { toJson } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { AccountBlockSchema } from "../../gen/openpit/sidecar/v1/types_pb.js";
import type * as ad from "../../gen/openpit/sidecar/v1/admin_pb.js";
import { ACCOUNT } from "./harness.js";
import { fill } from "./results.js";
import { controlsConfig, executed, execute, sidecarsPerTest } from "./controls-world.js";

const THROTTLE = { type: "RepeatedExecutionThrottlePolicy", settings: { default: { maxExecutions: 2, windowMs: 60000 } } };
const BLOCK = {
  policy: "RepeatedExecutionThrottlePolicy",
  code: "REJECT_CODE_REPEATED_EXECUTION_LIMIT_EXCEEDED",
  reason: "repeated execution limit exceeded",
  details: "3 executions in 60s window, max allowed: 2; blocked until an operator unblocks",
};

async function blockOf(admin: <Res>(method: string, init: unknown) => Promise<Res>) {
  const state = await admin<ad.GetAccountStateResponse>("getAccountState", { accountId: ACCOUNT });
  return state.block && toJson(AccountBlockSchema, state.block);
}

describe("repeated-execution throttle through the wire", () => {
  const sidecars = sidecarsPerTest();

  it("blocks on the execution past the limit (code 45) until an operator unblocks", async () => {
    const h = await sidecars.harness(controlsConfig([THROTTLE]));
    const feed = h.feed();
    await feed.publish(fill({ qty: "1", price: "100" }), fill({ qty: "1", price: "100" }));
    expect(await blockOf(h.admin)).toBeUndefined();
    const [third] = await feed.publish(fill({ qty: "1", price: "100" }));
    expect(third?.result.case === "postTrade" && third.result.value.accountBlocks.map((b) => toJson(AccountBlockSchema, b))).toEqual([BLOCK]);
    expect(await blockOf(h.admin)).toEqual(BLOCK);
    const ch = h.channel();
    expect(executed(await ch.one(execute())).rejects).toEqual([["REPEATED_EXECUTION_LIMIT_EXCEEDED", BLOCK.reason, BLOCK.details, "ACCOUNT"]]);
    await h.admin("unblockAccount", { accountId: ACCOUNT });
    expect(executed(await ch.one(execute())).accepted).toBe(true);
    await h.admin("configurePolicy", { policyName: "RepeatedExecutionThrottlePolicy", settingsJson: '{"default":{"maxExecutions":0,"windowMs":60000}}' });
    await feed.publish(fill({ qty: "1", price: "100" }));
    expect((await blockOf(h.admin)) as { details?: string }).toMatchObject({ details: "1 executions in 60s window, max allowed: 0; blocked until an operator unblocks" });
  });

  it("keeps its count and the block over a restart in durable mode", async () => {
    const dir = sidecars.dataDir();
    const first = await sidecars.durable(controlsConfig([THROTTLE]), dir, 1_000);
    await first.feed().publish(fill({ qty: "1", price: "100" }), fill({ qty: "1", price: "100" }));
    await first.stop();
    const second = await sidecars.durable(controlsConfig([THROTTLE]), dir, 2_000);
    await second.feed().publish(fill({ qty: "1", price: "100" }));
    expect(await blockOf(second.admin)).toEqual(BLOCK);
    await second.stop();
    const third = await sidecars.durable(controlsConfig([THROTTLE]), dir, 3_000);
    expect(await blockOf(third.admin)).toEqual(BLOCK);
  });
});
