/**
 * One scripted workload through the wire, the same in the metrics and the log tests: every
 * decision kind and outcome, a command error, a feed report, a block and an unblock by an
 * operator, a policy change, a takeover (fence) and a disconnect with open work.
 */
import { create } from "@bufbuild/protobuf";
import type { ClientReadableStream } from "@grpc/grpc-js";
import { SubscribeRequestSchema, type SubscribeResponse } from "../../gen/openpit/sidecar/v1/events_pb.js";
import { ACCOUNT, OTHER_ACCOUNT, order, seed } from "../server/harness.js";
import { as, fill } from "../server/results.js";
import type { Observed } from "./observed-sidecar.js";

export async function runWorkload(o: Observed): Promise<void> {
  // A monitor for the whole run (its connect and disconnect are logged).
  const events = (o.clients.events.subscribe as (r: unknown) => ClientReadableStream<SubscribeResponse>)(create(SubscribeRequestSchema));
  events.on("error", () => {});
  events.on("data", () => {});
  await o.log.next((l) => l.event === "connect" && l.stream === "events");

  const a = o.channel();
  as((await a.send(seed("USD", "10000")))[0], "adjustment");
  // accepted, left open (reservation 1)
  const open = as(await a.one({ case: "executePreTrade", value: { order: order({ qty: "10", price: "100" }) } }), "execute");
  // rejected: 100 000 USD against 9 000 available
  as(await a.one({ case: "executePreTrade", value: { order: order({ qty: "1000", price: "100" }) } }), "execute");
  // start + execute request: accepted twice, committed
  const started = as(await a.one({ case: "startPreTrade", value: { order: order({ qty: "5", price: "100" }) } }), "start");
  const executed = as(await a.one({ case: "executeRequest", value: { requestId: started.requestId } }), "execute");
  await a.one({ case: "commitReservation", value: { reservationId: executed.reservationId } });
  // a dry run that would pass
  as(await a.one({ case: "executePreTradeDryRun", value: { order: order({ qty: "1", price: "100" }) } }), "dryRun");
  // a command error: the reservation was already committed
  as(await a.one({ case: "rollbackReservation", value: { reservationId: executed.reservationId } }), "error");

  // the fill of the committed order, through the feed
  const feed = o.feed();
  await feed.publish(fill({ qty: "5", price: "100" }));

  // an operator blocks the other account; its order is rejected by the block; then unblocked
  await o.admin("blockAccount", { accountId: OTHER_ACCOUNT, reason: "compliance hold" });
  const b = o.channel();
  as((await b.send(seed("USD", "10000", OTHER_ACCOUNT)))[0], "adjustment");
  as(await b.one({ case: "executePreTrade", value: { order: order({ accountId: OTHER_ACCOUNT }) } }), "execute");
  await o.admin("unblockAccount", { accountId: OTHER_ACCOUNT });
  await o.admin("configurePolicy", { policyName: "OrderSizeLimitPolicy", settingsJson: JSON.stringify({ broker: { maxQuantity: "500", maxNotional: "1000000" } }) });

  // channel b takes ACCOUNT over: a's open reservation is rolled back (a fence)
  as(await b.one({ case: "bindAccounts", value: { accountIds: [ACCOUNT], takeover: true } }), "bind");
  void open;
  // b leaves with a reservation open: rolled back on disconnect
  as(await b.one({ case: "executePreTrade", value: { order: order({ qty: "1", price: "100" }) } }), "execute");
  const closed = o.log.next((l) => l.event === "channel_closed" && l.reason === "disconnect");
  await b.end();
  await closed;

  events.cancel();
  await o.log.next((l) => l.event === "disconnect" && l.stream === "events");
}
