// A gateway's first order, in TypeScript: `npx tsx examples/typescript/first-order.ts [HOST:PORT]`
import { AccountChannel, connect, type CommandResult } from "openpit-sidecar/client";

const clients = connect(process.argv[2] ?? "127.0.0.1:50051");
const channel = new AccountChannel(clients.channel);
const aapl = { underlyingAsset: "AAPL", settlementAsset: "USD" };

/** A command the sidecar refused (not a business reject): say so, and exit 1 at the end. */
function refused(what: string, answer: CommandResult): boolean {
  if (answer.result.case !== "error") return false;
  console.error(`${what} refused: ${answer.result.value.message}`);
  process.exitCode = 1;
  return true;
}

// Seed account 42 with 10 000 USD (an absolute balance: rerunning sets it again).
const seeded = await channel.one({
  case: "applyAccountAdjustment",
  value: { accountId: 42n, adjustments: [{ operation: { case: "balance", value: { asset: "USD" } }, balanceAmount: { amount: { case: "absolute", value: "10000" } } }] },
});

// May account 42 buy 10 AAPL at 185?
const decision = refused("seed", seeded)
  ? undefined
  : await channel.one({
      case: "executePreTrade",
      value: { order: { instrument: aapl, accountId: 42n, side: 1 /* SIDE_BUY */, tradeAmount: { case: "quantity", value: "10" }, price: "185" } },
    });
if (decision === undefined || refused("order", decision)) {
  // Said above.
} else if (decision.result.case === "execute" && decision.result.value.accepted) {
  // ... send the order to the venue, keep decision.result.value.lock with it ...
  const committed = await channel.one({ case: "commitReservation", value: { reservationId: decision.result.value.reservationId } });
  if (!refused("commit", committed)) console.log(`accepted and committed; lock ${decision.result.value.lock?.prices.map((p) => p.price).join(", ")}`);
} else if (decision.result.case === "execute") {
  console.log(`rejected: ${decision.result.value.rejects.map((r) => `[${r.policy}] ${r.reason}: ${r.details}`).join("; ")}`);
}

// Ending the channel rolls back whatever it left open; closing the clients lets the process exit.
await channel.end();
clients.close();
