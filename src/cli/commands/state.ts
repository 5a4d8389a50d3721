/** `openpit state ACCOUNT`: one account's block, group, holdings and P&L (GetAccountState). */
import * as ad from "../../../gen/openpit/sidecar/v1/admin_pb.js";
import type { PnlState } from "../../../gen/openpit/sidecar/v1/types_pb.js";
import { PnlHaltReason } from "../../../gen/openpit/sidecar/v1/types_pb.js";
import { addressedId, required } from "../args.js";
import type { Command } from "../command.js";
import { blockText, idText } from "../format.js";
import { enumText, fields, messageJson, NONE, table } from "../output.js";

function pnlText(p: PnlState | undefined): string {
  if (p?.state.case === "value") return p.state.value;
  if (p?.state.case === "halted") return `halted (${enumText(PnlHaltReason[p.state.value], "")})`;
  return NONE;
}

export const STATE: Command = {
  name: "state",
  positionals: 1,
  summary: "one account: block, group, currency, channel, holdings, P&L, open reservations",
  usage: "openpit state ACCOUNT [--json]",
  async run({ admin, io, json, args }) {
    const accountId = required(addressedId(args.positionals[0], "ACCOUNT"), "ACCOUNT");
    const s = await admin("GetAccountState", ad.GetAccountStateResponseSchema, { accountId });
    if (json) return io.out(messageJson(ad.GetAccountStateResponseSchema, s));
    io.out(
      fields([
        ["account", String(accountId)],
        ["block", blockText(s.block, s)],
        ["group", idText(s.groupId)],
        ["currency", s.currency || NONE],
        ["channel", idText(s.pinnedChannelId)],
        ["open reservations", s.openReservations.map((r) => `${r.reservationId} (channel ${r.channelId})`).join(", ") || NONE],
      ]),
    );
    if (s.holdings.length > 0) {
      io.out("\n");
      const rows = s.holdings.map((h) => [h.policyName, h.asset, h.available, h.held, h.incoming, h.averageEntryPrice ?? NONE, pnlText(h.realizedPnl)]);
      io.out(table(["POLICY", "ASSET", "AVAILABLE", "HELD", "INCOMING", "AVG PRICE", "REALIZED P&L"], rows));
    }
    const pnls = [
      ...s.pnlAccumulators.map((p) => [p.policyName, p.settlementAsset, p.pnl]),
      ...s.spotFundsPnls.map((p) => [p.policyName, "(account)", pnlText(p.state)]),
    ];
    if (pnls.length > 0) {
      io.out("\n");
      io.out(table(["POLICY", "P&L OF", "P&L"], pnls));
    }
  },
};
