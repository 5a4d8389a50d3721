/**
 * The owner dies (SIGKILL) under an OwnerFollowingChannel that knows the deployment's other
 * sidecar (`alternateAddresses`, owner-redirect.ts): the next send reaches the standby, which
 * takes over, and is accepted there, run once. Real processes, a 3-node cluster.
 *
 * The send after the crash starts at B (A's stream broke). Until A's lease lapses B names A as
 * the owner (followed: A refuses the connection, so nothing was sent, and the command goes on
 * to B again; A is then not followed within that send) or says there is none yet; either way
 * the command waits at B as for "no owner yet", and the pause is injected: it returns once B
 * reports ACTIVE, so the retry finds B the owner.
 */
import { create } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import * as ad from "../../gen/openpit/sidecar/v1/admin_pb.js";
import { ReplicationRole } from "../../gen/openpit/sidecar/v1/replication_pb.js";
import { OwnerFollowingChannel, callUnary, type MoveReason } from "../../src/client/index.js";
import type { SidecarProcess } from "../durability/sidecar-process.js";
import { ACCOUNT, order, seed } from "../server/harness.js";
import { as } from "../server/results.js";
import { NATS_READY } from "./nats-cluster.js";
import { LEASE_TTL_MS, replicatedSidecar, useNatsCluster, waitForRole } from "./replicated-sidecars.js";

const clusterOf = useNatsCluster();

/** The test account's USD holdings on `proc`, read through AdminService. */
async function usdOf(proc: SidecarProcess): Promise<{ available: string; held: string } | undefined> {
  const s = await callUnary<ad.GetAccountStateResponse>(proc.clients.admin, "getAccountState", create(ad.GetAccountStateRequestSchema, { accountId: ACCOUNT }));
  const usd = s.holdings.find((h) => h.asset === "USD");
  return usd && { available: usd.available, held: usd.held };
}

/** Whether the channel's stream to `address` has broken (a test's view of a private field: the condition the next send acts on). */
const brokenAt = (c: OwnerFollowingChannel, address: string): boolean =>
  (c as unknown as { links: Map<string, { channel: { broken: boolean } }> }).links.get(address)?.channel.broken ?? false;

describe.runIf(NATS_READY).sequential("the owner crashes under a client with alternateAddresses", () => {
  it("SIGKILL of the active A: the next send goes to the standby B, waits for its takeover, and is accepted there once", async () => {
    const a = await (await replicatedSidecar(clusterOf(), "altcrash", "a")).start();
    await waitForRole(a, ReplicationRole.ACTIVE, 10_000);
    const b = await (await replicatedSidecar(clusterOf(), "altcrash", "b")).start();
    await waitForRole(b, ReplicationRole.STANDBY, 10_000);
    const moves: [string, string, MoveReason][] = [];
    let takenOver: Promise<unknown> | undefined;
    let pauses = 0;
    const client = new OwnerFollowingChannel(a.address, {
      alternateAddresses: [b.address],
      onRedirect: (from, to, reason) => moves.push([from, to, reason]),
      // The wait for an owner ends when B reports ACTIVE (no timer): only after A's crash.
      pause: async () => {
        pauses++;
        if (takenOver === undefined) throw new Error("paused for an owner before the crash");
        await takenOver;
      },
    });
    try {
      const [seeded, first] = await client.send(seed("USD", "10000"), { case: "executePreTrade", value: { order: order(), commitOnAccept: true } });
      expect(seeded!.result.case).toBe("adjustment");
      expect(as(first, "execute").accepted).toBe(true);

      await a.crash();
      takenOver = waitForRole(b, ReplicationRole.ACTIVE, LEASE_TTL_MS + 10_000);
      // The client learns of the crash from its connection: the next send acts on that.
      while (!brokenAt(client, a.address)) await new Promise((r) => setImmediate(r));

      const [second] = await client.send({ case: "executePreTrade", value: { order: order({ qty: "5" }), commitOnAccept: true } });
      expect(as(second, "execute").accepted).toBe(true);
      expect(client.address).toBe(b.address);
      // First off the broken A; then, if B still named A, back to A (refused: nothing sent) and on to B.
      expect(moves[0]).toEqual([a.address, b.address, "broken"]);
      expect(moves.slice(1)).toSatisfy((rest: unknown[]) => rest.length === 0 || JSON.stringify(rest) === JSON.stringify([[b.address, a.address, "not-owner"], [a.address, b.address, "unreachable"]]));
      console.log(`owner crash: the client moved ${moves.map(([, to, why]) => `${why} -> ${to === a.address ? "A" : "B"}`).join(", ")} and paused ${pauses} time(s) for the takeover`);

      // Run once: B holds both orders (10 and 5 at 100 against the 10 000), the second not twice.
      expect(await usdOf(b)).toEqual({ available: "8500", held: "1500" });
      // The channel stays on B.
      const movesBefore = moves.length;
      const [third] = await client.send({ case: "executePreTrade", value: { order: order({ qty: "1" }), commitOnAccept: true } });
      expect(as(third, "execute").accepted).toBe(true);
      expect(moves).toHaveLength(movesBefore);
      expect(await usdOf(b)).toEqual({ available: "8400", held: "1600" });
    } finally {
      await client.close();
      await b.crash();
    }
  }, 90_000);
});
