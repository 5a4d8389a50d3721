/** `openpit channels`: the live account channels (ListChannels). */
import * as op from "../../../gen/openpit/sidecar/v1/operator_pb.js";
import type { Command } from "../command.js";
import { messageJson, NONE, table } from "../output.js";

export const CHANNELS: Command = {
  name: "channels",
  summary: "live account channels: principal, peer, pinned accounts, open requests and reservations",
  usage: "openpit channels [--json]",
  async run({ admin, io, json }) {
    const answer = await admin("ListChannels", op.ListChannelsResponseSchema);
    if (json) return io.out(messageJson(op.ListChannelsResponseSchema, answer));
    const rows = answer.channels.map((c) => [
      String(c.channelId),
      c.principal,
      c.peer || NONE,
      String(c.openRequests),
      String(c.openReservations),
      c.pinnedAccountIds.join(" ") || NONE,
    ]);
    io.out(table(["CHANNEL", "PRINCIPAL", "PEER", "REQUESTS", "RESERVATIONS", "ACCOUNTS"], rows));
  },
};
