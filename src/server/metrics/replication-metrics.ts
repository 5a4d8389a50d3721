/**
 * Replicated mode with failover: the instance's role, the shards it owns, its epoch and the
 * last journal record applied, read from the replication control at each scrape (nothing is
 * counted on the command path). Registered by the composition root once the coordinator
 * exists (src/app/start-failover.ts); names in docs/observability.md.
 */
import type { Registry } from "prom-client";
import type { ReplicationControl, ReplicationRoleName } from "../../replication/replication-control.js";
import { collected } from "./collected-metric.js";

const ROLES: readonly ReplicationRoleName[] = ["standby", "active", "fenced"];

/** `waitingForSnapshot`: whether this standby still waits for its group's first snapshot (journal-replica.ts; none: never). */
export function registerReplicationMetrics(registry: Registry, control: ReplicationControl, waitingForSnapshot: () => boolean = () => false): void {
  collected(registry, "openpit_replication_role", "1 for the replication role this instance is in (standby, active, fenced)", "gauge", () => {
    const role = control.status().role;
    return ROLES.map((r) => ({ labels: { role: r }, value: r === role ? 1 : 0 }));
  });
  collected(registry, "openpit_replication_owned_shards", "Shards this instance owns and serves now (0 as a standby or once fenced)", "gauge", () => [
    { labels: {}, value: control.status().shards.filter((s) => s.owned).length },
  ]);
  collected(registry, "openpit_replication_epoch", "The epoch this instance writes the journal with (0 unless active)", "gauge", () => {
    const owned = control.status().shards.find((s) => s.owned);
    return [{ labels: {}, value: Number(owned?.epoch ?? 0n) }];
  });
  collected(registry, "openpit_replication_applied_sequence", "The last journal record applied to this instance's state (tailed as a standby, written once active)", "gauge", () => [
    { labels: {}, value: Number(control.status().appliedSequence) },
  ]);
  collected(
    registry,
    "openpit_replication_waiting_for_snapshot",
    "1 while this standby waits for its ownership group's first snapshot before following the journal (a first start elsewhere is writing it); nothing is applied meanwhile",
    "gauge",
    () => [{ labels: {}, value: waitingForSnapshot() ? 1 : 0 }],
  );
}
