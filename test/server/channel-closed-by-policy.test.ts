/**
 * Found by review (session 30): when a policy closed a channel (the two-tier throttle's hard
 * tier), the server ended the stream right after the closing answer, and the messages it had
 * already received behind that one were never answered: the gateway saw the stream end OK
 * with orders whose fate it could not know. The stream now stays up, as at shutdown: each
 * message received after the close is refused SHUTTING_DOWN (naming the policy close), and
 * the stream ends when the client half-closes, or after `limits.shutdownGraceMs`.
 */
import { create } from "@bufbuild/protobuf";
import { status, type ClientDuplexStream, type ServiceError } from "@grpc/grpc-js";
import { describe, expect, it } from "vitest";
import * as ch from "../../gen/openpit/sidecar/v1/channel_pb.js";
import { CLOSED_BY_POLICY_REFUSAL } from "../../src/server/services/account-channel-service.js";
import { ACCOUNT, order, seed } from "./harness.js";
import { controlsConfig, sidecarsPerTest } from "./controls-world.js";

const THROTTLE = { type: "TwoTierThrottlePolicy", settings: { default: { softMaxOrders: 2, hardMaxOrders: 3, windowMs: 1000 } } };
const ORDER = { command: { case: "executePreTrade" as const, value: { order: order(), commitOnAccept: true } } };

/** A raw channel stream: every answer and notice in order, and how the stream ended. */
function rawStream(client: unknown) {
  const stream = (client as { open(): unknown }).open() as ClientDuplexStream<ch.OpenRequest, ch.OpenResponse>;
  const seen: string[] = [];
  const notices: string[] = [];
  const ended = new Promise<string>((resolve) => {
    stream.on("error", (e: ServiceError) => resolve(status[e.code]));
    stream.on("status", (s: { code: number }) => resolve(status[s.code]!));
  });
  stream.on("data", (m: ch.OpenResponse) => {
    if (m.notice) return void notices.push(`${m.notice.notice.case}`);
    for (const r of m.results) seen.push(`${m.correlationId}: ${r.result.case === "error" ? `error ${r.result.value.code} ${r.result.value.message}` : r.result.case}`);
  });
  const send = (correlationId: number, commands: unknown[]) => stream.write(create(ch.OpenRequestSchema, { correlationId: BigInt(correlationId), commands: commands as never }));
  return { stream, seen, notices, ended, send };
}

describe("a channel a policy closed", () => {
  const sidecars = sidecarsPerTest();

  it("answers every message received after the closing one, and ends when the client half-closes", async () => {
    const h = await sidecars.harness(controlsConfig([THROTTLE]));
    const c = rawStream(h.clients.channel);
    c.send(1, [{ command: seed("USD", "1000000") }]);
    // Pipelined: the fourth order breaches the hard tier; the fifth and sixth are on the wire.
    for (let i = 2; i <= 7; i++) c.send(i, [ORDER]);
    const refused = `error 12 ${CLOSED_BY_POLICY_REFUSAL}`;
    await expect.poll(() => c.seen.length).toBe(7);
    expect(c.seen).toEqual(["1: adjustment", "2: execute", "3: execute", "4: execute", "5: execute", `6: ${refused}`, `7: ${refused}`]);
    expect(c.notices).toContain("channelClosing");
    // Still up: a message sent now is refused too, and answered.
    c.send(8, [ORDER, ORDER]);
    await expect.poll(() => c.seen.length).toBe(9);
    expect(c.seen.slice(7)).toEqual([`8: ${refused}`, `8: ${refused}`]);
    c.stream.end();
    expect(await c.ended).toBe("OK");
    expect(h.server.state.engine.book.openOrders(ACCOUNT as never)).toBe(2);
  });

  it("a message sliced across turns: the rest of it and the messages behind it are refused", async () => {
    const h = await sidecars.harness(controlsConfig([THROTTLE]));
    const c = rawStream(h.clients.channel);
    c.send(1, [{ command: seed("USD", "1000000") }]);
    // 100 commands: 4 slices of 32; the fourth order of the message breaches the hard tier,
    // and the door answers the rest of its slice (the account is blocked by then).
    c.send(2, Array.from({ length: 100 }, () => ORDER));
    c.send(3, [ORDER]);
    await expect.poll(() => c.seen.length).toBe(102);
    expect(c.notices).toContain("channelClosing");
    const second = c.seen.filter((s) => s.startsWith("2: "));
    expect(second.slice(0, 32)).toEqual(Array.from({ length: 32 }, () => "2: execute"));
    expect(second.slice(32)).toEqual(Array.from({ length: 68 }, () => `2: error 12 ${CLOSED_BY_POLICY_REFUSAL}`));
    expect(c.seen.at(-1)).toBe(`3: error 12 ${CLOSED_BY_POLICY_REFUSAL}`);
    c.stream.end();
    expect(await c.ended).toBe("OK");
  });

  it("a client that never half-closes: the stream ends after limits.shutdownGraceMs", async () => {
    const h = await sidecars.harness(controlsConfig([THROTTLE], { limits: { shutdownDrainMs: 0, shutdownGraceMs: 50 } }));
    const c = rawStream(h.clients.channel);
    c.send(1, [{ command: seed("USD", "1000000") }]);
    for (let i = 2; i <= 5; i++) c.send(i, [ORDER]);
    expect(await c.ended).toBe("OK");
    expect(c.seen.at(-1)).toBe("5: execute");
  });
});
