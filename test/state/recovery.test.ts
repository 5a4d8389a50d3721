/**
 * Start-up around recovery, in process: NOT_SERVING and UNAVAILABLE until the journal is
 * replayed; state back after a restart (open reservations rolled back and announced);
 * a torn tail truncated; a corrupt middle record or a stateful policy without snapshot hooks
 * refusing the start with a message that names it.
 */
import { mkdtempSync, openSync, readdirSync, readSync, rmSync, writeSync, closeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { create } from "@bufbuild/protobuf";
import { status } from "@grpc/grpc-js";
import { afterEach, describe, expect, it, vi } from "vitest";
import { HealthCheckRequestSchema, HealthCheckResponse_ServingStatus as Serving, type HealthCheckResponse } from "../../gen/grpc/health/v1/health_pb.js";
import { ErrorCode } from "../../gen/openpit/sidecar/v1/errors_pb.js";
import type * as ad from "../../gen/openpit/sidecar/v1/admin_pb.js";
import { buildSidecar, buildState } from "../../src/app/build-sidecar.js";
import { Engine, ManualClock } from "../../src/engine/index.js";
import { MarketDataService, QuoteTtl } from "../../src/marketdata/index.js";
import { parseSidecarConfig, type SidecarConfig } from "../../src/server/config/sidecar-config.js";
import { MemoryJournal } from "../../src/state/journal/memory-journal.js";
import { recoverState, DurableStateError } from "../../src/state/recovery.js";
import { writeSnapshot } from "../../src/state/journal/snapshot-files.js";
import { readAll } from "./journal/journal-test-helpers.js";
import { SidecarState } from "../../src/state/sidecar-state.js";
import { AccountChannel, callUnary, connect } from "../../src/client/index.js";
import { ACCOUNT, holdingsOf, order, seed, testConfig } from "../server/harness.js";
import { as, errorOf } from "../server/results.js";
import { balanceAdjustment, buy } from "../helpers/spot-funds.js";
import { AccountId } from "../../src/param/index.js";
import { crash } from "./start-records.js";
import { frameLength } from "../../src/state/journal/segment-format.js";

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function durableConfig(dataDir: string, extra: Record<string, unknown> = {}): SidecarConfig {
  return parseSidecarConfig(testConfig({ durability: { mode: "sync", dataDir, snapshotEveryRecords: 0, snapshotEverySeconds: 0, segmentBytes: 65536, ...extra } }));
}

function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), "openpit-recovery-"));
  dirs.push(d);
  return d;
}

describe("start-up and recovery", () => {
  it("answers NOT_SERVING and UNAVAILABLE until the journal is replayed, then serves", async () => {
    const dataDir = tempDir();
    const server = buildSidecar(durableConfig(dataDir), new ManualClock(1_000));
    const port = await server.listen("127.0.0.1:0");
    const clients = connect(`127.0.0.1:${port}`);
    try {
      const health = await callUnary<HealthCheckResponse>(clients.health, "check", create(HealthCheckRequestSchema, { service: "" }));
      expect(health.status).toBe(Serving.NOT_SERVING);
      const channel = new AccountChannel(clients.channel);
      const [refused] = await channel.send(seed("USD", "100"));
      expect(errorOf(refused)).toMatchObject({ code: ErrorCode.UNAVAILABLE, message: "the sidecar is recovering its state; retry shortly" });
      await expect(callUnary(clients.admin, "blockAccount", { $typeName: "openpit.sidecar.v1.BlockAccountRequest", accountId: ACCOUNT, reason: "x" } as never)).rejects.toMatchObject({
        code: status.UNAVAILABLE,
      });
      expect(server.state.journal.lastSequence).toBe(0n);

      await recoverState(server.state, durableConfig(dataDir).durability);
      server.startServing();
      const after = await callUnary<HealthCheckResponse>(clients.health, "check", create(HealthCheckRequestSchema, { service: "" }));
      expect(after.status).toBe(Serving.SERVING);
      const [seeded] = await channel.send(seed("USD", "100"));
      expect(as(seeded, "adjustment").accepted).toBe(true);
      await channel.end();
    } finally {
      await server.shutdown();
      clients.close();
    }
  });

  it("a restart brings back balances, blocks and settings; reservations open at the stop are rolled back and announced", async () => {
    const dataDir = tempDir();
    const first = buildState(durableConfig(dataDir), new ManualClock(1_000));
    await recoverState(first, durableConfig(dataDir).durability);
    const channel = first.openChannel().channelId;
    const accountId = AccountId.fromU64(ACCOUNT);
    first.runChannel(channel, [{ kind: "adjust", accountId, adjustments: [balanceAdjustment("USD", { balance: ["abs", "10000"] })] }]);
    const [kept] = first.runChannel(channel, [{ kind: "execute", order: buy("10", "185", { account: accountId }), commitOnAccept: true }]);
    const [open] = first.runChannel(channel, [{ kind: "execute", order: buy("5", "100", { account: accountId }), commitOnAccept: false }]);
    expect(kept?.kind).toBe("executeAccepted");
    expect(open).toMatchObject({ kind: "executeAccepted", committed: false });
    first.admin({ kind: "blockAccount", accountId: AccountId.fromU64(7), reason: "compliance hold" });
    first.admin({ kind: "configurePolicy", policy: "OrderSizeLimitPolicy", settings: { broker: { maxQuantity: "3", maxNotional: "1000" } } });
    // No shutdown: the process "dies" here with the reservation open and the files as they are
    // (its journal closed, which releases the directory's lock as the process's death would).
    await crash(first);

    const second = buildState(durableConfig(dataDir), new ManualClock(2_000));
    const announced: unknown[] = [];
    second.events.subscribe((e) => announced.push(e.event));
    const report = await recoverState(second, durableConfig(dataDir).durability);
    // The first start wrote a snapshot of the configured state (record 0) and a `served` record.
    expect(report).toMatchObject({ replayed: 7, rolledBackReservations: 1, snapshotSequence: 0n, tornTail: undefined, settingsChanged: false });
    expect(announced).toEqual([{ kind: "reservationsRolledBack", accountId, reservationIds: [(open as { reservationId: bigint }).reservationId], reason: "recovery" }]);
    const usd = (second.engine.policy("SpotFundsPolicy") as unknown as { holdings(a: AccountId): Map<string, { available: { toString(): string }; held: { toString(): string } }> })
      .holdings(accountId)
      .get("USD")!;
    expect([usd.available.toString(), usd.held.toString()]).toEqual(["8150", "1850"]);
    expect(second.engine.accounts().blockOf(AccountId.fromU64(7))?.reason).toBe("compliance hold");
    const [small] = second.runChannel(second.openChannel().channelId, [{ kind: "execute", order: buy("4", "100", { account: accountId }), commitOnAccept: true }]);
    expect(small).toMatchObject({ kind: "executeRejected" });
    await second.journal.close();
  });

  it("a corrupt record in the middle stops the start naming file, offset and sequence", async () => {
    const dataDir = tempDir();
    const state = buildState(durableConfig(dataDir), new ManualClock(1_000));
    await recoverState(state, durableConfig(dataDir).durability);
    for (let i = 0; i < 5; i++) state.admin({ kind: "blockAccount", accountId: AccountId.fromU64(100 + i), reason: `hold ${i}` });
    await state.journal.flush();
    await state.journal.close();
    const segment = join(dataDir, readdirSync(dataDir).find((n) => n.endsWith(".seg"))!);
    // Flip a byte inside the second record's payload.
    const fd = openSync(segment, "r+");
    const head = Buffer.alloc(4096);
    readSync(fd, head, 0, head.length, 0);
    const firstLength = frameLength(head, 16);
    const second = 16 + 16 + firstLength;
    writeSync(fd, Buffer.from([head[second + 20]! ^ 0xff]), 0, 1, second + 20);
    closeSync(fd);
    const again = buildState(durableConfig(dataDir), new ManualClock(1_000));
    const failure = await recoverState(again, durableConfig(dataDir).durability).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(DurableStateError);
    expect((failure as Error).message).toMatch(new RegExp(`journal-00000000000000000001\\.seg.*offset ${second}.*\\b2\\b`));
  });

  it("durable mode refuses a stateful custom policy without snapshot hooks, naming it", async () => {
    const clock = new ManualClock(0);
    const counting = { name: "CountingPolicy", count: 0, checkPreTradeStart() { this.count++; return undefined; } };
    const engine = Engine.builder().clock(clock).policy(counting).build();
    const state = new SidecarState({
      engine,
      marketData: new MarketDataService({ defaultTtl: QuoteTtl.infinite(), clock }),
      commandClock: clock,
      timeSource: clock,
      limits: durableConfig("unused").limits,
      journal: new MemoryJournal(),
    });
    const failure = await recoverState(state, durableConfig(tempDir()).durability).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(DurableStateError);
    expect((failure as Error).message).toContain("'CountingPolicy' has no snapshotState/restoreState");
  });
});

// Keep the harness helpers referenced (order, holdingsOf) for readers following the e2e suites.
void order;
void holdingsOf;
void ({} as ad.GetAccountStateResponse);

describe("the data directory", () => {
  it("a directory held by a live process is refused; a lock left by a dead one is taken over", async () => {
    const dataDir = tempDir();
    const { writeFileSync } = await import("node:fs");
    // pid 1 always runs: a live owner.
    writeFileSync(join(dataDir, "LOCK"), "1\n");
    const refused = await recoverState(buildState(durableConfig(dataDir), new ManualClock(0)), durableConfig(dataDir).durability).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(DurableStateError);
    expect((refused as Error).message).toBe(`data directory ${dataDir} is in use by process 1 (${join(dataDir, "LOCK")}); one sidecar per directory`);
    // A pid that cannot run (beyond pid_max): a stale lock after a crash.
    writeFileSync(join(dataDir, "LOCK"), "2147483647\n");
    const state = buildState(durableConfig(dataDir), new ManualClock(0));
    await recoverState(state, durableConfig(dataDir).durability);
    await state.journal.close();
  });

  it("a second state in this process is refused the directory while the first one's journal is open; after it closes, it starts", async () => {
    const dataDir = tempDir();
    const first = buildState(durableConfig(dataDir), new ManualClock(0));
    await recoverState(first, durableConfig(dataDir).durability);
    const refused = await recoverState(buildState(durableConfig(dataDir), new ManualClock(0)), durableConfig(dataDir).durability).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(DurableStateError);
    expect((refused as Error).message).toBe(`data directory ${dataDir} is already open in this process (${join(dataDir, "LOCK")}); close its journal first`);
    // The first state goes on unharmed: its journal is the only writer.
    first.admin({ kind: "blockAccount", accountId: AccountId.fromU64(7), reason: "still writing" });
    await first.journal.close();
    const second = buildState(durableConfig(dataDir), new ManualClock(0));
    await recoverState(second, durableConfig(dataDir).durability);
    expect(second.engine.accounts().blockOf(AccountId.fromU64(7))?.reason).toBe("still writing");
    await second.journal.close();
  });

  // Found by review (session 28): recovery fell back past a damaged newer snapshot and took a
  // hole among the records that snapshot covered for a torn tail, silently dropping records
  // that were acknowledged (the snapshot's name proves they were durable).
  it("a hole below a newer snapshot that is damaged is damage, refused; not a torn tail", async () => {
    const dataDir = tempDir();
    const first = buildState(durableConfig(dataDir), new ManualClock(1_000));
    await recoverState(first, durableConfig(dataDir).durability);
    const channel = first.openChannel().channelId;
    const accountId = AccountId.fromU64(ACCOUNT);
    for (let i = 0; i < 40; i++) first.runChannel(channel, [{ kind: "adjust", accountId, adjustments: [balanceAdjustment("USD", { balance: ["delta", "1"] })] }]);
    await crash(first);
    const last = first.journal.lastSequence;
    // A snapshot of the last record, whose content is then damaged: recovery falls back to the first start's.
    const { file } = await writeSnapshot(dataDir, last, new TextEncoder().encode("{}"));
    const snapshotFd = openSync(join(dataDir, file), "r+");
    writeSync(snapshotFd, Buffer.from([0xff]), 0, 1, 20);
    closeSync(snapshotFd);
    // Zeros from a record's start to the next sector boundary, among the records it covered.
    const segment = readdirSync(dataDir).find((n) => n.endsWith(".seg"))!;
    const { offsets } = readAll(dataDir);
    const at = offsets.find((o, i) => i > 2 && o.offset % 512 < 400)!.offset;
    const segmentFd = openSync(join(dataDir, segment), "r+");
    writeSync(segmentFd, Buffer.alloc(Math.ceil((at + 1) / 512) * 512 - at), 0, undefined, at);
    closeSync(segmentFd);

    const refused = await recoverState(buildState(durableConfig(dataDir), new ManualClock(2_000)), durableConfig(dataDir).durability).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(DurableStateError);
    expect((refused as Error).message).toMatch(new RegExp(`^journal corrupt: ${segment} offset ${at}: .*refusing to skip$`));
  });

  it("rollbacks announced by recovery are retained for monitors that subscribe afterwards", () => {
    const state = buildState(parseSidecarConfig(testConfig()), new ManualClock(0));
    const accountId = AccountId.fromU64(ACCOUNT);
    const channel = state.openChannel().channelId;
    state.runChannel(channel, [{ kind: "adjust", accountId, adjustments: [balanceAdjustment("USD", { balance: ["abs", "1000"] })] }]);
    const [open] = state.runChannel(channel, [{ kind: "execute", order: buy("1", "100", { account: accountId }), commitOnAccept: false }]);
    state.closeRecoveredChannels();
    const seen: unknown[] = [];
    state.events.subscribe((e) => seen.push(e));
    expect(seen).toEqual([
      { sequence: 1n, event: { kind: "reservationsRolledBack", accountId, reservationIds: [(open as { reservationId: bigint }).reservationId], reason: "recovery" } },
    ]);
  });
});

describe("snapshots and journal status", () => {
  it("a snapshot every N records; a restart loads the newest and replays only the tail; GetJournalStatus reports it", async () => {
    const dataDir = tempDir();
    const config = durableConfig(dataDir, { snapshotEveryRecords: 5 });
    const { startSidecar } = await import("../../src/app/start-sidecar.js");
    const first = await startSidecar({ ...config, listen: "127.0.0.1:0", metrics: { ...config.metrics, listen: "127.0.0.1:0" } }, new ManualClock(1_000));
    let snapshotAt = 0n;
    const clients = connect(`127.0.0.1:${first.port}`);
    try {
      for (let i = 0; i < 12; i++) {
        await callUnary(clients.admin, "blockAccount", { $typeName: "openpit.sidecar.v1.BlockAccountRequest", accountId: BigInt(100 + i), reason: `hold ${i}` } as never);
      }
      // A snapshot is written once its records are durable, while commands go on: which
      // sequence it lands on depends on timing, so wait for the second one to be on disk.
      await first.server.state.journal.flush();
      await vi.waitFor(() => expect(first.server.state.journal.status().lastSnapshotSequence ?? 0n).toBeGreaterThanOrEqual(10n));
      snapshotAt = first.server.state.journal.status().lastSnapshotSequence!;
      const status = await callUnary<ad.GetJournalStatusResponse>(clients.admin, "getJournalStatus", { $typeName: "openpit.sidecar.v1.GetJournalStatusRequest" } as never);
      // 12 blocks after the first start's `served` record.
      expect(status).toMatchObject({ mode: 1, dataDir, lastSequence: 13n, durableSequence: 13n, lastSnapshotSequence: snapshotAt, segments: 1 });
      expect(status.fsyncCount).toBeGreaterThan(0n);
      // The status names a snapshot once it is on disk; the older ones are pruned after that.
      const snapshots = () => readdirSync(dataDir).filter((n) => n.endsWith(".snap"));
      await vi.waitFor(() => expect(snapshots()).toHaveLength(2));
      expect(snapshots()).toContain(`snapshot-${snapshotAt.toString().padStart(20, "0")}.snap`);
    } finally {
      await first.server.shutdown();
      clients.close();
    }
    const second = buildState(config, new ManualClock(2_000));
    const report = await recoverState(second, config.durability);
    // Shutdown took a last snapshot: nothing to replay; the restart adds its own `served` record.
    expect(report).toMatchObject({ snapshotSequence: 13n, replayed: 0, lastSequence: 14n, rolledBackReservations: 0 });
    for (let i = 0; i < 12; i++) expect(second.engine.accounts().blockOf(AccountId.fromU64(100 + i))?.reason).toBe(`hold ${i}`);
    await second.journal.close();
  });
});

describe("recovery announcements over the wire", () => {
  it("a monitor that subscribes after the restart receives the rollbacks of the reservations the crash left open", async () => {
    const dataDir = tempDir();
    const config = durableConfig(dataDir);
    const crashed = buildState(config, new ManualClock(1_000));
    await recoverState(crashed, config.durability);
    const accountId = AccountId.fromU64(ACCOUNT);
    const channel = crashed.openChannel().channelId;
    crashed.runChannel(channel, [{ kind: "adjust", accountId, adjustments: [balanceAdjustment("USD", { balance: ["abs", "1000"] })] }]);
    const [open] = crashed.runChannel(channel, [{ kind: "execute", order: buy("2", "100", { account: accountId }), commitOnAccept: false }]);
    await crash(crashed);

    const { startSidecar } = await import("../../src/app/start-sidecar.js");
    const { SubscribeRequestSchema } = await import("../../gen/openpit/sidecar/v1/events_pb.js");
    const restarted = await startSidecar({ ...config, listen: "127.0.0.1:0", metrics: { ...config.metrics, listen: "127.0.0.1:0" } }, new ManualClock(2_000));
    const clients = connect(`127.0.0.1:${restarted.port}`);
    try {
      const call = (clients.events.subscribe as (r: unknown) => import("@grpc/grpc-js").ClientReadableStream<{ event?: { event: { case: string; value: unknown } } }>)(
        create(SubscribeRequestSchema),
      );
      const first = await new Promise<{ case: string; value: unknown }>((resolve) => call.on("data", (m) => resolve(m.event!.event)));
      call.cancel();
      call.on("error", () => {});
      expect(first).toMatchObject({
        case: "reservationsRolledBack",
        value: { accountId: ACCOUNT, reservationIds: [(open as { reservationId: bigint }).reservationId], reason: 1 },
      });
    } finally {
      await restarted.server.shutdown();
      clients.close();
    }
  });
});
