/**
 * Reports before a commit, across a failover (docs/controls.md, "Reports before a commit";
 * kept from the session-33 HA review). A reservation opened on the active and named by a
 * final report (its client order id) before its commit, then the active stops: the new
 * owner's takeover closes the old channel, and that rollback commits instead (no second
 * release), as it did on the active. Partly filled before: the rest stays held on the new
 * owner until the final report there.
 */
import { describe, expect, it } from "vitest";
import { ReplicationRole } from "../../gen/openpit/sidecar/v1/replication_pb.js";
import { AccountId, Fee, InstrumentId, Pnl, Price, instrument } from "../../src/param/index.js";
import type { SidecarState } from "../../src/state/sidecar-state.js";
import { balanceAdjustment, cancelReport, fillReport, spotOrder } from "../helpers/spot-funds.js";
import { NATS_READY } from "./nats-cluster.js";
import { useNatsCluster } from "./replicated-sidecars.js";
import { failoverConfig, startFailoverInstance, waitRole, type FailoverInstance } from "./failover-instances.js";

const clusterOf = useNatsCluster();
const A = AccountId.fromU64(16n);
const AAPL = instrument("AAPL", "USD");
const pnl = { financialImpact: { pnl: Pnl.fromString("0"), fee: Fee.fromString("0") } };

function holdings(state: SidecarState): string[] {
  const view = (state.engine.policy("SpotFundsPolicy") as unknown as { holdings(a: AccountId): Map<string, { available: unknown; held: unknown; incoming: unknown }> }).holdings(A);
  const of = (asset: string, field: "available" | "held" | "incoming") => String(view.get(asset)?.[field] ?? "0");
  return [of("USD", "available"), of("USD", "held"), of("AAPL", "available"), of("AAPL", "incoming")];
}

/**
 * An active `a` and its standby `b` on `prefix`'s stream, and on the active a channel with
 * account A funded (5 000 USD, AAPL marked at 100) and a buy of 10 AAPL at 100 open under
 * client order id "x".
 */
async function openOrderOnActive(prefix: string): Promise<{ a: FailoverInstance; b: FailoverInstance }> {
  const a = await startFailoverInstance("a", await failoverConfig(clusterOf(), prefix, "a"));
  await waitRole(a, ReplicationRole.ACTIVE, 10_000);
  const b = await startFailoverInstance("b", await failoverConfig(clusterOf(), prefix, "b"));
  await waitRole(b, ReplicationRole.STANDBY, 10_000);
  const s = a.started.server.state;
  const ch = s.openChannel().channelId;
  s.admin({ kind: "pushQuote", target: { id: InstrumentId.fromU64(1n) }, quote: { mark: Price.fromString("100") }, accountIds: [], groups: [], patch: false } as never);
  s.runChannel(ch, [{ kind: "adjust", accountId: A, adjustments: [balanceAdjustment("USD", { balance: ["abs", "5000"] })] }]);
  const [r] = s.runChannel(ch, [{ kind: "execute", order: { ...spotOrder({ account: A, instrument: AAPL, side: "BUY", qty: "10", price: "100" }), clientOrderId: "x" }, commitOnAccept: false }]) as { kind: string }[];
  expect(r!.kind).toBe("executeAccepted");
  return { a, b };
}

describe.runIf(NATS_READY).sequential("reports before a commit, across a failover", () => {
  it("a report named the open reservation's order, then the active stopped: the new owner holds what it held, nothing released a second time", async () => {
    const { a, b } = await openOrderOnActive("rbc");
    const s = a.started.server.state;
    s.applyReports([{ ...cancelReport("BUY", "10", "100", { account: A, instrument: AAPL }), clientOrderId: "x", ...pnl } as never]);
    await s.journal.flush();
    const onA = holdings(s);
    expect(onA).toEqual(["5000", "0", "0", "0"]);

    await a.stop();
    await waitRole(b, ReplicationRole.ACTIVE, 10_000);
    // The takeover closed A's channel (rollback of the reservation the report named): a commit.
    expect(holdings(b.started.server.state)).toEqual(onA);
    expect(b.started.server.state.engine.book.openOrders(A)).toBe(0);
    await b.stop();
  }, 60_000);

  it("partly filled before the failover: the rest stays held on the new owner until the final report there", async () => {
    const { a, b } = await openOrderOnActive("rbp");
    const s = a.started.server.state;
    s.applyReports([{ ...fillReport("BUY", "4", "100", { account: A, instrument: AAPL, lockPrice: "100", leaves: "6", final: false }), clientOrderId: "x", ...pnl } as never]);
    await s.journal.flush();
    await a.stop();
    await waitRole(b, ReplicationRole.ACTIVE, 10_000);
    const t = b.started.server.state;
    expect(holdings(t)).toEqual(["4000", "600", "4", "6"]);
    expect(t.engine.book.openOrders(A)).toBe(1);
    t.applyReports([{ ...cancelReport("BUY", "6", "100", { account: A, instrument: AAPL }), clientOrderId: "x", ...pnl } as never]);
    await t.journal.flush();
    expect(holdings(t)).toEqual(["4600", "0", "4", "0"]);
    expect(t.engine.book.openOrders(A)).toBe(0);
    await b.stop();
  }, 60_000);
});
