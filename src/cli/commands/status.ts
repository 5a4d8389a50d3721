/** `openpit status`: what the sidecar is and how it is doing (GetServerStatus). */
import * as op from "../../../gen/openpit/sidecar/v1/operator_pb.js";
import type { Command } from "../command.js";
import { blockText, durationText } from "../format.js";
import { enumText, fields, messageJson } from "../output.js";

export const STATUS: Command = {
  name: "status",
  summary: "version, uptime, configuration digest, phase, listeners, channels and blocks",
  usage: "openpit status [--json]",
  async run({ admin, io, json }) {
    const s = await admin("GetServerStatus", op.GetServerStatusResponseSchema);
    if (json) return io.out(messageJson(op.GetServerStatusResponseSchema, s));
    io.out(
      fields([
        ["version", s.version],
        ["phase", enumText(op.ServingPhase[s.phase], "")],
        ["uptime", durationText(Number(s.uptimeMs))],
        ["config digest", s.configDigest],
        ["durability", s.durabilityMode],
        ["listeners", s.listeners.map((l) => `${l.name} ${l.address}`).join(", ")],
        ["channels", `${s.channels} (${s.pinnedAccounts} accounts pinned, ${s.openHandles} requests/reservations open)`],
        ["blocked", `${s.blockedAccounts} accounts, ${s.blockedGroups} groups`],
        ["kill switch", s.globalBlock ? `GLOBAL ${blockText(s.globalBlock)}` : "off"],
        ["policies", s.policies.join(", ")],
        ["event subscribers", String(s.eventSubscribers)],
      ]),
    );
  },
};
