/**
 * A sidecar started the way the process starts it (`startSidecar`: both listeners, recovery
 * in a durable mode), with its structured log captured line by line and parsed as JSON.
 */
import { create } from "@bufbuild/protobuf";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ManualClock } from "../../src/engine/index.js";
import { startSidecar, type StartedSidecar } from "../../src/app/start-sidecar.js";
import { parseSidecarConfig } from "../../src/server/config/sidecar-config.js";
import { createLogger, type LogLevel } from "../../src/server/log/sidecar-log.js";
import { AccountChannel, ReportFeed, callUnary, connect, type SidecarClients } from "../../src/client/index.js";
import * as ad from "../../gen/openpit/sidecar/v1/admin_pb.js";
import { testConfig } from "../server/harness.js";

export type LogLine = Record<string, unknown> & { level: string; event: string; msg: string };

/** Collects what a logger writes; every line must be one JSON object. */
export class LogCapture {
  readonly lines: LogLine[] = [];
  private readonly waiters: (() => void)[] = [];

  write(chunk: string): void {
    for (const text of chunk.split("\n")) {
      if (text === "") continue;
      this.lines.push(JSON.parse(text) as LogLine);
    }
    for (const w of this.waiters.splice(0)) w();
  }

  of(event: string): LogLine[] {
    return this.lines.filter((l) => l.event === event);
  }

  /** Resolves once a line matching `pick` was written (at once if one was). */
  async next(pick: (l: LogLine) => boolean): Promise<LogLine> {
    for (;;) {
      const found = this.lines.find(pick);
      if (found) return found;
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
  }
}

export interface Observed {
  readonly sidecar: StartedSidecar;
  readonly clients: SidecarClients;
  readonly log: LogCapture;
  readonly dataDir: string;
  channel(): AccountChannel;
  feed(): ReportFeed;
  admin<Res>(method: string, request: unknown): Promise<Res>;
  scrape(): Promise<string>;
  close(): Promise<void>;
}

export function tempDataDir(): string {
  return mkdtempSync(join(tmpdir(), "openpit-observability-"));
}

/** Starts a sync-durable sidecar in `dataDir` (a fresh temp directory by default). */
export async function startObserved(options: { dataDir?: string; level?: LogLevel; config?: Record<string, unknown> } = {}): Promise<Observed> {
  const dataDir = options.dataDir ?? tempDataDir();
  const log = new LogCapture();
  const config = parseSidecarConfig(
    testConfig({
      durability: { mode: "sync", dataDir, snapshotEveryRecords: 0, snapshotEverySeconds: 0, segmentBytes: 1 << 20 },
      ...options.config,
    }),
  );
  const sidecar = await startSidecar(config, new ManualClock(1_000), () => {}, createLogger(options.level ?? "info", log));
  const clients = connect(`127.0.0.1:${sidecar.port}`);
  const opened: { end(): Promise<void> }[] = [];
  return {
    sidecar,
    clients,
    log,
    dataDir,
    channel() {
      const c = new AccountChannel(clients.channel);
      opened.push(c);
      return c;
    },
    feed() {
      const f = new ReportFeed(clients.feed);
      opened.push(f);
      return f;
    },
    admin: (method, init) => {
      const input = (ad.AdminService.method as Record<string, { input: Parameters<typeof create>[0] }>)[method]!.input;
      return callUnary(clients.admin, method, create(input, init as never));
    },
    async scrape() {
      const response = await fetch(`http://127.0.0.1:${sidecar.httpPort}/metrics`);
      return response.text();
    },
    async close() {
      for (const s of opened) void s.end().catch(() => {});
      await sidecar.server.shutdown();
      clients.close();
    },
  };
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

/** The value of one sample line `name{labels} value` in an exposition (labels in the order written), or undefined. */
export function sample(exposition: string, series: string): number | undefined {
  const line = exposition.split("\n").find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}
