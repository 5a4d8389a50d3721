/**
 * Shared by the controls' end-to-end files: a configuration with the controls under test
 * (and order validation), quotes through the admin API, reject rows, an event recorder,
 * and a durable sidecar that can be stopped and started again on the same data directory.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { create, toJson, type JsonValue } from "@bufbuild/protobuf";
import type { ClientReadableStream } from "@grpc/grpc-js";
import { afterEach, expect, vi } from "vitest";
import { ManualClock } from "../../src/engine/index.js";
import { startSidecar, type StartedSidecar } from "../../src/app/start-sidecar.js";
import { parseSidecarConfig } from "../../src/server/config/sidecar-config.js";
import { AccountChannel, connect, ReportFeed, type SidecarClients } from "../../src/client/index.js";
import { AccountEventSchema, SubscribeRequestSchema, type SubscribeResponse } from "../../gen/openpit/sidecar/v1/events_pb.js";
import { RejectCode, RejectScope, type Reject } from "../../gen/openpit/sidecar/v1/types_pb.js";
import type { CommandResult } from "../../gen/openpit/sidecar/v1/channel_pb.js";
import { clientKit, order, startHarness, testConfig, type Harness } from "./harness.js";
import { as } from "./results.js";

/** Order validation plus the given policies; AAPL/USD is instrument 1, MSFT/USD 2; quotes live 5 s. */
export function controlsConfig(policies: readonly Record<string, unknown>[], overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return testConfig({
    marketData: {
      defaultTtlMs: 5_000,
      instruments: [
        { id: 1, underlyingAsset: "AAPL", settlementAsset: "USD" },
        { id: 2, underlyingAsset: "MSFT", settlementAsset: "USD" },
      ],
    },
    policies: [{ type: "OrderValidationPolicy" }, ...policies],
    ...overrides,
  });
}

type Admin = <Res>(method: string, request: unknown) => Promise<Res>;

export function pushQuote(admin: Admin, instrumentId: bigint, quote: { mark?: string; bid?: string; ask?: string }): Promise<unknown> {
  return admin("pushQuote", { target: { case: "instrumentId", value: instrumentId }, quote });
}

export const execute = (o = order(), commitOnAccept = true) => ({ case: "executePreTrade", value: { order: o, commitOnAccept } }) as const;
export const dryRun = (o = order()) => ({ case: "executePreTradeDryRun", value: { order: o } }) as const;

/** [code name, reason, details, scope] of each reject: exact on every field a client sees. */
export function rows(rejects: readonly Reject[]): [string, string, string, string][] {
  return rejects.map((r) => [RejectCode[r.code], r.reason, r.details, RejectScope[r.scope]]);
}

export function executed(r: CommandResult | undefined): { accepted: boolean; rejects: [string, string, string, string][]; reservationId: bigint } {
  const e = as(r, "execute");
  return { accepted: e.accepted, rejects: rows(e.rejects), reservationId: e.reservationId };
}

/** Records every account event as proto JSON; `until(n)` waits for the n-th. */
export async function recordEvents(clients: SidecarClients, subscribers: () => number): Promise<{ events: JsonValue[]; until(n: number): Promise<void>; stop(): void }> {
  const call = (clients.events.subscribe as (r: unknown) => ClientReadableStream<SubscribeResponse>)(create(SubscribeRequestSchema));
  const events: JsonValue[] = [];
  const waiters: { n: number; resolve: () => void }[] = [];
  call.on("data", (m: SubscribeResponse) => {
    events.push(toJson(AccountEventSchema, m.event!));
    for (const w of waiters.filter((x) => events.length >= x.n)) w.resolve();
  });
  call.on("error", () => {});
  await vi.waitFor(() => expect(subscribers()).toBeGreaterThan(0));
  return {
    events,
    until: (n) => new Promise<void>((resolve) => (events.length >= n ? resolve() : waiters.push({ n, resolve }))),
    stop: () => call.cancel(),
  };
}

/** A durable sidecar on `dataDir` (journal + snapshots), its clients, and a stop that keeps the data. */
export interface DurableSidecar {
  readonly sidecar: StartedSidecar;
  readonly clients: SidecarClients;
  readonly clock: ManualClock;
  admin: Admin;
  channel(onNotice?: ConstructorParameters<typeof AccountChannel>[1]): AccountChannel;
  feed(): ReportFeed;
  stop(): Promise<void>;
  /**
   * The process "dies": no last snapshot, the journal as flushed is all there is. It stops
   * serving and its journal closes, releasing the data directory as a dead process would.
   */
  crash(): Promise<void>;
}

export function tempDir(): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), "openpit-controls-"));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

export async function startDurable(config: Record<string, unknown>, dataDir: string, clockMs: number): Promise<DurableSidecar> {
  const parsed = parseSidecarConfig({ ...config, durability: { mode: "sync", dataDir, snapshotEveryRecords: 0, snapshotEverySeconds: 0, segmentBytes: 65536 } });
  const clock = new ManualClock(clockMs);
  const sidecar = await startSidecar(parsed, clock);
  const clients = connect(`127.0.0.1:${sidecar.port}`);
  const kit = clientKit(clients, () => sidecar.server.shutdown());
  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    await kit.close();
  };
  return {
    sidecar,
    clients,
    clock,
    admin: kit.admin,
    channel: kit.channel,
    feed: kit.feed,
    stop,
    async crash() {
      sidecar.server.state.snapshots?.stop();
      sidecar.server.state.snapshots = undefined;
      await sidecar.server.state.journal.flush();
      await stop();
    },
  };
}

/**
 * The sidecars one test file starts: an ephemeral harness or durable sidecars on fresh data
 * directories, all stopped (and the directories removed) after each test.
 */
export function sidecarsPerTest(): {
  harness(config: Record<string, unknown>): Promise<Harness>;
  dataDir(): string;
  durable(config: Record<string, unknown>, dataDir: string, clockMs: number): Promise<DurableSidecar>;
} {
  const harnesses: Harness[] = [];
  const durables: DurableSidecar[] = [];
  const dirs: { remove(): void }[] = [];
  afterEach(async () => {
    for (const h of harnesses.splice(0)) await h.close();
    for (const d of durables.splice(0)) await d.stop();
    for (const d of dirs.splice(0)) d.remove();
  });
  return {
    async harness(config) {
      const h = await startHarness(config);
      harnesses.push(h);
      return h;
    },
    dataDir() {
      const dir = tempDir();
      dirs.push(dir);
      return dir.path;
    },
    async durable(config, dataDir, clockMs) {
      const d = await startDurable(config, dataDir, clockMs);
      durables.push(d);
      return d;
    },
  };
}
