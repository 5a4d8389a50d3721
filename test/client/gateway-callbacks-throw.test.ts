/**
 * A gateway's callback that throws changes nothing the client does (found by review): it is
 * reported as a process warning. Before, a throwing `onNotice` stopped grpc-js reading the
 * stream (the answer after the notice never came, and the error escaped as an unhandled
 * rejection), and a throwing `onRedirect` or `onNoOwner` replaced a send's results, an
 * accepted order's among them, with the callback's error.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { AccountChannel, OwnerFollowingChannel, connect, type CommandInit } from "../../src/client/index.js";
import { executeAccepted, fenced, notOwner, startDouble, type Double } from "./channel-double.js";
import { order } from "../server/harness.js";

const reserve = (accountId: bigint): CommandInit => ({ case: "executePreTrade", value: { order: order({ accountId }) } });
const throwing = (): never => {
  throw new Error("the gateway's logger failed");
};
/** A sidecar double that accepts account 1's order (reservation 1) and answers account 2's with `second`. */
const splitting = (second: (cid: bigint) => ReturnType<typeof notOwner>) => (call: Parameters<Parameters<typeof startDouble>[0]>[0], req: Parameters<Parameters<typeof startDouble>[0]>[1]) => {
  const results = req.commands.map((c, i) =>
    (c.command.value as { order: { accountId: bigint } }).order.accountId === 2n ? second(0n).results[0]! : executeAccepted(0n, BigInt(i + 1)).results[0]!,
  );
  call.write({ ...executeAccepted(req.correlationId, 1n), results });
};

describe("a gateway callback that throws", () => {
  const doubles: Double[] = [];
  const warnings: string[] = [];
  const onWarning = (w: Error & { code?: string }) => {
    if (w.code === "OPENPIT_CALLBACK_THREW") warnings.push(w.message);
  };
  const onRejection = (e: unknown) => warnings.push(`unhandled rejection: ${String(e)}`);
  beforeEach(() => {
    warnings.length = 0;
    process.on("warning", onWarning);
    process.on("unhandledRejection", onRejection);
  });
  afterEach(() => {
    process.off("warning", onWarning);
    process.off("unhandledRejection", onRejection);
    doubles.splice(0).forEach((d) => d.close());
  });
  /** A double that sends a notice before each answer, and a client connected to it. */
  const noticeThenAnswer = async () => {
    const d = await startDouble((call, req) => {
      call.write(fenced([7n]));
      call.write(executeAccepted(req.correlationId, 8n));
    });
    doubles.push(d);
    return connect(d.address);
  };
  const warned = async (n: number) => {
    // process.emitWarning delivers on the next tick.
    while (warnings.length < n) await new Promise((r) => setImmediate(r));
    return warnings;
  };

  it("onNotice: the answer after the notice still comes, and the stream goes on", async () => {
    const clients = await noticeThenAnswer();
    try {
      const ch = new AccountChannel(clients.channel, throwing);
      const first = await ch.send(reserve(1n));
      expect(first[0]!.result.case).toBe("execute");
      const second = await ch.send(reserve(1n));
      expect(second[0]!.result.case).toBe("execute");
      expect(ch.notices).toHaveLength(2);
      expect(await warned(2)).toEqual(Array(2).fill("the gateway's onNotice callback threw (the gateway's logger failed); the client went on as if it had returned"));
      await ch.end();
    } finally {
      clients.close();
    }
  });

  it("onNotice returning a rejected promise: a warning, no unhandled rejection", async () => {
    const clients = await noticeThenAnswer();
    try {
      const ch = new AccountChannel(clients.channel, async () => throwing());
      expect((await ch.send(reserve(1n)))[0]!.result.case).toBe("execute");
      expect(await warned(1)).toEqual(["the gateway's onNotice callback threw (the gateway's logger failed); the client went on as if it had returned"]);
      await ch.end();
    } finally {
      clients.close();
    }
  });

  it("onNotice throwing what cannot be printed (found by review: formatting it threw in turn), thrown or rejected", async () => {
    const unprintable = Object.create(null) as object;
    const badMessage = new Error("x");
    Object.defineProperty(badMessage, "message", {
      get() {
        throw new Error("no message");
      },
    });
    for (const onNotice of [() => { throw unprintable; }, async () => { throw unprintable; }, () => { throw badMessage; }]) {
      warnings.length = 0;
      const clients = await noticeThenAnswer();
      try {
        const ch = new AccountChannel(clients.channel, onNotice);
        expect((await ch.send(reserve(1n)))[0]!.result.case).toBe("execute");
        expect(await warned(1)).toEqual(["the gateway's onNotice callback threw (a value that cannot be printed); the client went on as if it had returned"]);
        await ch.end();
      } finally {
        clients.close();
      }
    }
  });

  it("onRedirect: the send's results are the answers, the accepted order's included", async () => {
    const b = await startDouble((call, req) => call.write(executeAccepted(req.correlationId, 50n)));
    doubles.push(b);
    const a = await startDouble(splitting((cid) => notOwner(cid, b.address)));
    doubles.push(a);
    const ch = new OwnerFollowingChannel(a.address, { onRedirect: throwing });
    try {
      const results = await ch.send(reserve(1n), reserve(2n));
      expect(results.map((r) => (r.result.case === "execute" ? r.result.value.reservationId : r.result.case))).toEqual([1n, 50n]);
      expect(await warned(1)).toEqual(["the gateway's onRedirect callback threw (the gateway's logger failed); the client went on as if it had returned"]);
    } finally {
      await ch.close();
    }
  });

  it("onNoOwner: the accepted order's answer is kept, the other's NOT_OWNER too", async () => {
    const a = await startDouble(splitting((cid) => notOwner(cid, "")));
    doubles.push(a);
    const ch = new OwnerFollowingChannel(a.address, { pause: async () => {}, noOwnerWaitMs: 100, onNoOwner: throwing });
    try {
      const results = await ch.send(reserve(1n), reserve(2n));
      expect(results.map((r) => r.result.case)).toEqual(["execute", "error"]);
      expect(warnings.length).toBeGreaterThan(0);
      expect(new Set(warnings)).toEqual(new Set(["the gateway's onNoOwner callback threw (the gateway's logger failed); the client went on as if it had returned"]));
    } finally {
      await ch.close();
    }
  });
});
