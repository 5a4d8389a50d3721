/** `openpit status`: what the sidecar is and how it is doing (GetServerStatus, GetReplicationStatus). */
import { toJson } from "@bufbuild/protobuf";
import * as op from "../../../gen/openpit/sidecar/v1/operator_pb.js";
import * as rp from "../../../gen/openpit/sidecar/v1/replication_pb.js";
import type { Command } from "../command.js";
import { explainError } from "../connection.js";
import { blockText, durationText } from "../format.js";
import { enumText, fields } from "../output.js";

type Replication = { readonly status: rp.GetReplicationStatusResponse } | { readonly failed: string };

/** The shards `shards` lists, as `0 2 3`. */
const shardList = (shards: readonly rp.ShardOwnership[]) => shards.map((s) => s.shard).join(" ");

/**
 * Who owns the shards this instance does not: `instance 'a' at 10.0.0.1:50051 owns 0 1` per
 * owner (`… does` for one owner of them all when `all`), `no instance owns 2 3 yet`.
 */
function othersText(shards: readonly rp.ShardOwnership[], all: boolean): string {
  const byOwner = new Map<string, rp.ShardOwnership[]>();
  for (const s of shards) {
    const key = s.ownerId === "" ? "" : `instance '${s.ownerId}' at ${s.ownerAddress}`;
    byOwner.set(key, [...(byOwner.get(key) ?? []), s]);
  }
  const one = all && byOwner.size === 1;
  return [...byOwner]
    .map(([owner, owned]) => {
      if (owner === "") return one ? "no instance owns a shard yet" : `no instance owns ${shardList(owned)} yet`;
      return one ? `${owner} does` : `${owner} owns ${shardList(owned)}`;
    })
    .join("; ");
}

/** The role line: what this instance serves in replicated mode, and who serves the rest. */
function roleText(s: rp.GetReplicationStatusResponse): string {
  const self = s.instanceId === "" ? "this instance" : `instance '${s.instanceId}'`;
  const mine = s.shards.filter((x) => x.owned);
  const others = s.shards.filter((x) => !x.owned);
  const elsewhere = others.length === 0 ? "" : `; ${othersText(others, mine.length === 0)}`;
  switch (s.role) {
    case rp.ReplicationRole.ACTIVE:
      return `active (${self} owns shards ${shardList(mine) || "none"} of ${s.shardCount}${elsewhere})`;
    case rp.ReplicationRole.STANDBY:
      return `standby (${self} owns no shard, takes no command${elsewhere})`;
    case rp.ReplicationRole.FENCED:
      return `fenced (${self} serves nothing until restarted${elsewhere})`;
    default:
      return enumText(rp.ReplicationRole[s.role], "REPLICATION_ROLE_");
  }
}

/**
 * The phase as people read it. A standby or a fenced instance is in the server's phase
 * `serving` (its engine follows the journal) yet owns no shard, takes no command and its
 * health is NOT_SERVING: `phase: serving` alone read as an instance that serves (found by review).
 */
function phaseText(phase: string, replication: Replication): string {
  // Not known: whether it serves is not known either.
  if (!("status" in replication)) return `${phase} (the replication role is not known)`;
  const role = replication.status.role;
  if (role === rp.ReplicationRole.STANDBY) return `standby, takes no command (server phase: ${phase})`;
  if (role === rp.ReplicationRole.FENCED) return `fenced, takes no command (server phase: ${phase})`;
  return phase;
}

/**
 * The version with the journal's replay rules: two builds of one version whose rules differ
 * cannot replay each other's journal (docs/operating.md, Upgrading). A sidecar built before
 * GetServerStatus carried them sends none (0).
 */
export function versionText(s: op.GetServerStatusResponse): string {
  return s.replayRules === 0 ? `${s.version} (replay rules not reported)` : `${s.version} (replay rules ${s.replayRules})`;
}

export const STATUS: Command = {
  name: "status",
  summary: "version and replay rules, uptime, configuration digest, phase, replication role, listeners, channels and blocks",
  usage: "openpit status [--json]",
  async run(ctx) {
    const { admin, io, json } = ctx;
    const s = await admin("GetServerStatus", op.GetServerStatusResponseSchema);
    // Without failover the role is OFF (no line); a sidecar that cannot say its role still shows its status.
    const replication: Replication = await admin("GetReplicationStatus", rp.GetReplicationStatusResponseSchema).then(
      (status) => ({ status }),
      (e: unknown) => ({ failed: explainError(e, ctx.connection().target) }),
    );
    if (json) {
      const role = "status" in replication ? toJson(rp.GetReplicationStatusResponseSchema, replication.status) : { error: replication.failed };
      return io.out(`${JSON.stringify({ ...(toJson(op.GetServerStatusResponseSchema, s) as object), replication: role }, null, 2)}\n`);
    }
    const phase = enumText(op.ServingPhase[s.phase], "");
    const role: [string, string][] =
      "failed" in replication
        ? [["role", `not known (${replication.failed})`]]
        : replication.status.role === rp.ReplicationRole.OFF
          ? []
          : [["role", roleText(replication.status)]];
    io.out(
      fields([
        ["version", versionText(s)],
        ["phase", phaseText(phase, replication)],
        ...role,
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
