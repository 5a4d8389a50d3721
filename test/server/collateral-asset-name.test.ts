/**
 * An order's collateral_asset, when sent, is an asset name like every other (spec §3.6: any
 * non-blank string; docs/clients.md "Names are bounded"): it was taken empty or blank on both
 * decode paths and kept in the journal and client-order-id fingerprints (found by review).
 */
import { create, toBinary } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import * as ch from "../../gen/openpit/sidecar/v1/channel_pb.js";
import * as pb from "../../gen/openpit/sidecar/v1/types_pb.js";
import { decodeChannelCommand } from "../../src/server/codec/index.js";
import { decodeOpenRequestToCommands } from "../../src/server/codec/wire-commands.js";
import { decodeOpenRequest } from "../../src/transport/wire/index.js";

const FIELD = "commands[0].execute_pre_trade.order.collateral_asset";

function requestBytes(collateralAsset: string): Uint8Array {
  const order = create(pb.OrderSchema, {
    instrument: { underlyingAsset: "AAPL", settlementAsset: "USD" },
    accountId: 42n,
    side: pb.Side.BUY,
    tradeAmount: { case: "quantity", value: "10" },
    price: "185",
    collateralAsset,
  });
  return toBinary(ch.OpenRequestSchema, create(ch.OpenRequestSchema, { correlationId: 1n, commands: [{ command: { case: "executePreTrade", value: { order } } }] }));
}

/** What each decode path makes of the order's margin: the direct one (bytes to commands) and the generated one. */
function decoded(collateralAsset: string): string[] {
  const bytes = requestBytes(collateralAsset);
  const viaDirect = decodeOpenRequestToCommands(bytes);
  const viaGenerated = decodeOpenRequest(Buffer.from(bytes)) as ch.OpenRequest;
  return [viaDirect.commands[0]!.command, viaGenerated.commands[0]!.command].map((command) => {
    try {
      const c = decodeChannelCommand(command as never, "commands[0]", 16);
      return `accepted ${JSON.stringify(c.kind === "execute" ? c.order.margin : undefined)}`;
    } catch (e) {
      const x = e as { code?: string; field?: string; message?: string };
      return `${x.code} ${x.field}: ${x.message}`;
    }
  });
}

describe("an order's collateral_asset", () => {
  it("sent empty: INVALID_VALUE naming the field, on both decode paths", () => {
    expect(decoded("")).toEqual(Array(2).fill(`INVALID_VALUE ${FIELD}: ${FIELD}: must not be empty when present`));
  });

  it("sent blank: INVALID_VALUE naming the field, on both decode paths", () => {
    expect(decoded(" \t ")).toEqual(Array(2).fill(`INVALID_VALUE ${FIELD}: ${FIELD}: must not be blank when present`));
  });

  it("a name is taken as written, on both decode paths", () => {
    expect(decoded("USDT")).toEqual(Array(2).fill('accepted {"collateralAsset":"USDT","autoBorrow":false}'));
    expect(decoded(" USDT")).toEqual(Array(2).fill('accepted {"collateralAsset":" USDT","autoBorrow":false}'));
  });
});
