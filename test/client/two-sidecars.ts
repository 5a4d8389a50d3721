/**
 * What the OwnerFollowingChannel handle tests share: two funded sidecars that number their
 * handles alike, the commands they send, and a TCP proxy whose connections can be cut.
 */
import net from "node:net";
import type * as ad from "../../gen/openpit/sidecar/v1/admin_pb.js";
import type { CommandResult } from "../../gen/openpit/sidecar/v1/channel_pb.js";
import { ACCOUNT, order, seed, startHarness, type Harness } from "../server/harness.js";

export const reserve = () => ({ case: "executePreTrade", value: { order: order() } }) as const;
export const commit = (reservationId: bigint) => ({ case: "commitReservation", value: { reservationId } }) as const;
export const reservationOf = (r: CommandResult | undefined) => (r!.result.value as { reservationId: bigint }).reservationId;
export const openReservations = async (h: Harness) =>
  (await h.admin<ad.GetAccountStateResponse>("getAccountState", { accountId: ACCOUNT })).openReservations.map((r) => r.reservationId);

/** Sidecars A (built by `startA`) and B, each with ACCOUNT funded and its funding channel ended. */
export async function twoFundedSidecars(startA: () => Promise<Harness> = () => startHarness()): Promise<[Harness, Harness]> {
  const both = await Promise.all([startA(), startHarness()]);
  for (const h of both) {
    const c = h.channel();
    await c.send(seed("USD", "100000"));
    await c.end();
  }
  return both;
}

/**
 * A proxy to `target` whose connections `cut()` drops at once (a connection lost; it accepts
 * no more), or `drop()` drops while it keeps accepting new ones (a connection lost, then a
 * reconnect to the same address).
 */
export async function cuttableProxy(target: string): Promise<{ address: string; cut(): void; drop(): void }> {
  const port = Number(target.slice(target.lastIndexOf(":") + 1));
  let sockets: net.Socket[] = [];
  const server = net.createServer((client) => {
    const upstream = net.connect(port, "127.0.0.1");
    client.pipe(upstream);
    upstream.pipe(client);
    client.on("error", () => {});
    upstream.on("error", () => {});
    sockets.push(client, upstream);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return {
    address: `127.0.0.1:${(server.address() as net.AddressInfo).port}`,
    cut() {
      for (const s of sockets) s.destroy();
      server.close();
    },
    drop() {
      for (const s of sockets) s.destroy();
      sockets = [];
    },
  };
}
