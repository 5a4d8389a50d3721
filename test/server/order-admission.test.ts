/**
 * An order command is admitted before anything changes. Refused for the channel's or the
 * process's open-handle bound, or as a retry that no ClientOrderIdPolicy can recognise, it
 * "changes nothing" (docs/security.md): its account is not pinned to the refusing channel,
 * so another channel may still use it. A retry answered with its first decision opens
 * nothing, so the handle bounds do not refuse it. (Found by review: both had pinned first.)
 */
import { afterEach, describe, expect, it } from "vitest";
import type * as ad from "../../gen/openpit/sidecar/v1/admin_pb.js";
import { ACCOUNT, OTHER_ACCOUNT, order, seed, startHarness, testConfig, type Harness } from "./harness.js";
import { as, json } from "./results.js";
import { controlsConfig } from "./controls-helpers.js";

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const execute = (accountId: bigint, opts: { clientOrderId?: string; retry?: boolean } = {}) =>
  ({ case: "executePreTrade", value: { order: order({ qty: "1", price: "100", accountId, ...opts }) } }) as const;
const pinnedChannelOf = async (accountId: bigint) =>
  (await h!.admin<ad.GetAccountStateResponse>("getAccountState", { accountId })).pinnedChannelId;

/** A second channel may use the account: it seeds it (an adjustment pins it there). */
async function anotherChannelMayUse(accountId: bigint): Promise<void> {
  expect(await pinnedChannelOf(accountId)).toBe(0n);
  const [adjusted] = await h!.channel().send(seed("USD", "5", accountId));
  expect(json(adjusted)).not.toHaveProperty("error");
}

describe("an order refused before the engine leaves its account unpinned", () => {
  it.each([
    ["the channel's bound", { maxOpenHandlesPerChannel: 1 }, "1 requests/reservations are open on this channel; commit, roll back or discard some first"],
    ["the process's bound", { maxOpenHandles: 1 }, "1 requests/reservations are open on this sidecar (limits.maxOpenHandles); commit, roll back or discard some first"],
  ])("refused RESOURCE_EXHAUSTED at %s", async (_, limits, text) => {
    h = await startHarness(testConfig({ limits }));
    const c = h.channel();
    await c.send(seed("USD", "10000", OTHER_ACCOUNT));
    expect(as(await c.one(execute(OTHER_ACCOUNT)), "execute").accepted).toBe(true);
    // ACCOUNT, never used before, is refused on the channel at its bound.
    const f = "commands[0]";
    expect(json(await c.one(execute(ACCOUNT)))).toEqual({ error: { code: "ERROR_CODE_RESOURCE_EXHAUSTED", field: f, message: `${f}: ${text}` } });
    await anotherChannelMayUse(ACCOUNT);
  });

  it("refused FAILED_PRECONDITION as a retry without a ClientOrderIdPolicy", async () => {
    h = await startHarness(controlsConfig([]));
    const f = "commands[0].execute_pre_trade.order.retry";
    expect(json(await h.channel().one(execute(ACCOUNT, { clientOrderId: "r-1", retry: true })))).toEqual({
      error: { code: "ERROR_CODE_FAILED_PRECONDITION", field: f, message: `${f}: no ClientOrderIdPolicy is configured, so a retry cannot be recognised; send it as a new order` },
    });
    await anotherChannelMayUse(ACCOUNT);
  });
});

describe("a retry at the channel's handle bound", () => {
  it("gets its first decision (the order's own reservation filled the bound) and opens nothing", async () => {
    const base = testConfig();
    h = await startHarness(
      testConfig({
        policies: [...(base.policies as unknown[]), { type: "ClientOrderIdPolicy", settings: {} }],
        limits: { maxOpenHandlesPerChannel: 1 },
      }),
    );
    const c = h.channel();
    await c.send(seed("USD", "10000"));
    const first = as(await c.one(execute(ACCOUNT, { clientOrderId: "A" })), "execute");
    expect(first.accepted).toBe(true);
    const retry = as(await c.one(execute(ACCOUNT, { clientOrderId: "A", retry: true })), "execute");
    expect(retry).toEqual(first);
    expect(h.server.state.openHandleCount()).toBe(1);
    // A new order is still refused at the bound.
    const f = "commands[0]";
    expect(json(await c.one(execute(ACCOUNT, { clientOrderId: "B" })))).toEqual({
      error: { code: "ERROR_CODE_RESOURCE_EXHAUSTED", field: f, message: `${f}: 1 requests/reservations are open on this channel; commit, roll back or discard some first` },
    });
  });
});
