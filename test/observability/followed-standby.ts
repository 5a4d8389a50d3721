/**
 * A failover standby without NATS: an active server whose journal records are kept, and a
 * second server's state fed those records through follow(), as journal-replica.ts does.
 */
import { buildSidecar } from "../../src/app/build-sidecar.js";
import { parseSidecarConfig } from "../../src/server/config/sidecar-config.js";
import { MemoryJournal } from "../../src/state/journal/memory-journal.js";
import { order, seed, startHarness, testConfig, type Harness } from "../server/harness.js";

/** Keeps every record (a durable mode, so the door appends). */
class CapturingJournal extends MemoryJournal {
  override readonly mode = "sync" as never;
  readonly records: Uint8Array[] = [];
  override append(payload: Uint8Array): bigint {
    this.records.push(payload);
    return super.append(payload);
  }
}

/** An active with one channel holding one open reservation, and the records that made it. */
export async function activeWithReservation(): Promise<{ active: Harness; records: readonly Uint8Array[] }> {
  const active = await startHarness();
  const journal = new CapturingJournal();
  active.server.state.attachJournal(journal);
  const ch = active.channel();
  await ch.send(seed("USD", "10000"));
  await ch.one({ case: "executePreTrade", value: { order: order({ qty: "1", price: "100" }) } });
  return { active, records: journal.records };
}

/** A standby that has followed `records`: what start-failover.ts attaches, a gate refusing everything while it owns no shard. */
export function followingStandby(records: readonly Uint8Array[]): ReturnType<typeof buildSidecar> {
  const standby = buildSidecar(parseSidecarConfig(testConfig()));
  standby.attachReplication({ refuseUnowned: () => new Error("NOT_OWNER") } as never, { status: () => ({ role: "standby", shards: [], appliedSequence: 0n }) } as never);
  for (const r of records) standby.state.follow(r);
  return standby;
}
