/**
 * Shared by the end-to-end suites of the issue-12 controls (controls-*.test.ts): a
 * configuration with the controls' policies, a monitor that collects events, and a durable
 * sidecar that can be stopped and started again on the same data directory.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { create, toJson, type JsonValue } from "@bufbuild/protobuf";
import { expect, vi } from "vitest";
import type { ClientReadableStream } from "@grpc/grpc-js";
import { AccountEventSchema, SubscribeRequestSchema, type SubscribeResponse } from "../../gen/openpit/sidecar/v1/events_pb.js";
import { startSidecar, type StartedSidecar } from "../../src/app/start-sidecar.js";
import { connect, type AccountChannel, type ReportFeed, type SidecarClients } from "../../src/client/index.js";
import { ManualClock } from "../../src/engine/index.js";
import { parseSidecarConfig } from "../../src/server/config/sidecar-config.js";
import { clientKit, testConfig } from "./harness.js";

/** The test configuration with `policies` instead of the built-ins (validation first). */
export function controlsConfig(policies: readonly unknown[], overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return testConfig({ policies: [{ type: "OrderValidationPolicy" }, ...policies], ...overrides });
}

/** A monitor: every event as proto3 JSON, and a way to wait for the one you expect. */
export class EventTap {
  readonly events: JsonValue[] = [];
  private readonly waiters: (() => void)[] = [];
  private readonly call: ClientReadableStream<SubscribeResponse>;

  constructor(clients: SidecarClients) {
    this.call = (clients.events.subscribe as (r: unknown) => ClientReadableStream<SubscribeResponse>)(create(SubscribeRequestSchema));
    this.call.on("data", (m: SubscribeResponse) => {
      this.events.push(toJson(AccountEventSchema, m.event!));
      for (const w of this.waiters.splice(0)) w();
    });
    this.call.on("error", () => {});
  }

  /** Resolves with the first event (in order) that has the key `kind`, once it arrived. */
  async next(kind: string, where: (e: Record<string, JsonValue>) => boolean = () => true): Promise<Record<string, JsonValue>> {
    for (;;) {
      const found = this.events.find((e) => typeof e === "object" && e !== null && kind in e && where(e as Record<string, JsonValue>));
      if (found) return found as Record<string, JsonValue>;
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
  }

  /** The events with key `kind`, without their sequence numbers. */
  of(kind: string): JsonValue[] {
    return this.events.filter((e) => typeof e === "object" && e !== null && kind in e).map((e) => (e as Record<string, JsonValue>)[kind]!);
  }

  close(): void {
    this.call.cancel();
  }
}

/** Opens a monitor and resolves once the server has registered it (events before that are not replayed). */
export async function openEventTap(clients: SidecarClients, hub: { readonly subscriberCount: number }): Promise<EventTap> {
  const before = hub.subscriberCount;
  const tap = new EventTap(clients);
  await vi.waitFor(() => expect(hub.subscriberCount).toBe(before + 1));
  return tap;
}

export interface DurableSidecar {
  readonly sidecar: StartedSidecar;
  readonly clients: SidecarClients;
  admin<Res>(method: string, request: unknown): Promise<Res>;
  channel(onNotice?: ConstructorParameters<typeof AccountChannel>[1]): AccountChannel;
  feed(): ReportFeed;
  /** A graceful stop (a last snapshot is taken). */
  stop(): Promise<void>;
  /** As after a crash: no last snapshot, the journal is all the next start has. */
  crash(): Promise<void>;
}

/** Durable sidecars on temporary data directories, cleaned up by `cleanup()`. */
export class DurableSidecars {
  private readonly dirs: string[] = [];
  private readonly running: DurableSidecar[] = [];

  dataDir(): string {
    const dir = mkdtempSync(join(tmpdir(), "openpit-controls-"));
    this.dirs.push(dir);
    return dir;
  }

  async start(dataDir: string, config: Record<string, unknown>, clockMs: number): Promise<DurableSidecar> {
    const durability = { mode: "sync", dataDir, snapshotEveryRecords: 0, snapshotEverySeconds: 0, segmentBytes: 65536 };
    const sidecar = await startSidecar(parseSidecarConfig({ ...config, durability }), new ManualClock(clockMs));
    const clients = connect(`127.0.0.1:${sidecar.port}`);
    const kit = clientKit(clients, () => sidecar.server.shutdown());
    let stopped = false;
    const stop = async (crash: boolean) => {
      if (stopped) return;
      stopped = true;
      if (crash) {
        sidecar.server.state.snapshots?.stop();
        sidecar.server.state.snapshots = undefined;
        await sidecar.server.state.journal.flush();
      }
      await kit.close();
    };
    const d: DurableSidecar = {
      sidecar,
      clients,
      channel: kit.channel,
      feed: kit.feed,
      admin: kit.admin,
      stop: () => stop(false),
      crash: () => stop(true),
    };
    this.running.push(d);
    return d;
  }

  async cleanup(): Promise<void> {
    for (const d of this.running.splice(0)) await d.stop();
    for (const dir of this.dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  }
}
