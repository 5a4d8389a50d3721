/**
 * A sidecar started the way the process starts it (`startSidecar`: both listeners, recovery
 * in a durable mode), with its structured log captured line by line and parsed as JSON.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ManualClock } from "../../src/engine/index.js";
import { startSidecar, type StartedSidecar } from "../../src/app/start-sidecar.js";
import { parseSidecarConfig } from "../../src/server/config/sidecar-config.js";
import { createLogger, type LogLevel } from "../../src/server/log/sidecar-log.js";
import { connect, type SidecarClients } from "../../src/client/index.js";
import { afterEach } from "vitest";
import { clientKit, testConfig, type ClientKit } from "../server/harness.js";

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

export interface Observed extends ClientKit {
  readonly sidecar: StartedSidecar;
  readonly clients: SidecarClients;
  readonly log: LogCapture;
  readonly dataDir: string;
  scrape(): Promise<string>;
}

const started = new Set<Observed>();

/** Closes every sidecar the file's tests started (and removes its data directory) after each test. */
export function closeObservedAfterEach(): void {
  afterEach(async () => {
    for (const o of [...started]) {
      started.delete(o);
      await o.close();
      removeDir(o.dataDir);
    }
  });
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
      // Every message timed: the histograms' counts are exact.
      metrics: { listen: "127.0.0.1:0", latencySampleEvery: 1 },
      ...options.config,
    }),
  );
  const sidecar = await startSidecar(config, new ManualClock(1_000), () => {}, createLogger(options.level ?? "info", log));
  const clients = connect(`127.0.0.1:${sidecar.port}`);
  const observed: Observed = {
    sidecar,
    clients,
    log,
    dataDir,
    ...clientKit(clients, () => sidecar.server.shutdown()),
    async scrape() {
      const response = await fetch(`http://127.0.0.1:${sidecar.httpPort}/metrics`);
      return response.text();
    },
  };
  started.add(observed);
  return observed;
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

/** The value of one sample line `name{labels} value` in an exposition (labels in the order written), or undefined. */
export function sample(exposition: string, series: string): number | undefined {
  const line = exposition.split("\n").find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}
