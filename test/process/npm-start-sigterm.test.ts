/**
 * SIGTERM to the process `npm start` started, as a supervisor or a container runtime sends
 * it, while a gateway pipelines orders and commits on a channel and a feed publishes
 * reports: health turns NOT_SERVING and stays so through the drain while the streams stay
 * up, every command the clients sent gets exactly one answer (a result or SHUTTING_DOWN),
 * npm exits 0 and the sidecar process is gone.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { create } from "@bufbuild/protobuf";
import type { ClientDuplexStream, ClientReadableStream } from "@grpc/grpc-js";
import { afterEach, describe, expect, it } from "vitest";
import {
  HealthCheckRequestSchema,
  HealthCheckResponse_ServingStatus as ServingStatus,
  type HealthCheckResponse,
} from "../../gen/grpc/health/v1/health_pb.js";
import { OpenRequestSchema, type OpenRequest, type OpenResponse } from "../../gen/openpit/sidecar/v1/channel_pb.js";
import { ErrorCode } from "../../gen/openpit/sidecar/v1/errors_pb.js";
import { PublishRequestSchema, type PublishRequest, type PublishResponse } from "../../gen/openpit/sidecar/v1/feed_pb.js";
import { connect, type CommandInit, type SidecarClients } from "../../src/client/index.js";
import { OTHER_ACCOUNT, order, seed, testConfig } from "../server/harness.js";
import { fill } from "../server/results.js";
import { LISTENING, isAlive, npmStart, withoutLog, type SidecarProcess } from "./sidecar-process.js";

const DRAIN_MESSAGE = "the sidecar is shutting down: no new orders or binds; commits, rollbacks, releases and reports still run";
const CLOSED_MESSAGE = "the sidecar is shutting down";

/** What the clients saw, in the order they saw it (one event loop: a total order). */
type Seen = "notServing" | "drainRefusal" | "drainCommit" | "drainReport" | "notice" | "closedRefusal";

/** Counts answers per correlation id; `sent` and `answers` must match one to one at the end. */
class Ledger {
  readonly sent = new Set<bigint>();
  readonly answers = new Map<bigint, number>();
  answered(id: bigint): void {
    this.answers.set(id, (this.answers.get(id) ?? 0) + 1);
  }
  unanswered(): bigint[] {
    return [...this.sent].filter((id) => this.answers.get(id) !== 1);
  }
  strays(): bigint[] {
    return [...this.answers.keys()].filter((id) => !this.sent.has(id));
  }
}

/**
 * A gateway that ignores health: it keeps `depth` messages in flight, mostly orders, and
 * every third message commits the oldest reservation it holds (it holds many, so commits
 * go on through the drain). It stops sending at the ShuttingDown notice and half-closes.
 */
function loadChannel(clients: SidecarClients, seen: Seen[], depth: number) {
  const call = clients.channel.open!() as ClientDuplexStream<OpenRequest, OpenResponse>;
  const ledger = new Ledger();
  const held: bigint[] = [];
  let next = 1n;
  let stopped = false;
  let notices = 0;
  const send = (command: CommandInit) => {
    const correlationId = next++;
    ledger.sent.add(correlationId);
    call.write(create(OpenRequestSchema, { correlationId, commands: [{ command }] }));
  };
  const sendNext = () => {
    if (stopped) return;
    if (next % 3n === 0n && held.length > 0) send({ case: "commitReservation", value: { reservationId: held.shift()! } });
    else send({ case: "executePreTrade", value: { order: order({ qty: "1", price: "100" }) } });
  };
  let answeredOnce!: () => void;
  const answering = new Promise<void>((resolve) => (answeredOnce = resolve));
  const ended = new Promise<void>((resolve, reject) => {
    call.on("status", () => resolve());
    call.on("error", reject);
  });
  call.on("data", (m: OpenResponse) => {
    if (m.correlationId === 0n) {
      notices++;
      if (m.notice?.notice.case === "shuttingDown") {
        seen.push("notice");
        stopped = true;
        call.end();
      }
      return;
    }
    ledger.answered(m.correlationId);
    const r = m.results[0]!.result;
    if (r.case === "execute" && r.value.accepted) held.push(r.value.reservationId);
    if (r.case === "error" && r.value.code === ErrorCode.SHUTTING_DOWN) {
      seen.push(r.value.message === DRAIN_MESSAGE ? "drainRefusal" : r.value.message === CLOSED_MESSAGE ? "closedRefusal" : ("?" as Seen));
    }
    if (r.case === "finalize" && seen.includes("notServing")) seen.push("drainCommit");
    if (m.correlationId === 1n) {
      answeredOnce();
      for (let i = 0; i < depth; i++) sendNext();
    } else sendNext();
  });
  // Funds for far more orders than the test sends.
  ledger.sent.add(next);
  call.write(create(OpenRequestSchema, { correlationId: next++, commands: [{ command: seed("USD", "1000000000000") }] }));
  return { ledger, answering, ended, notices: () => notices };
}

/** A fill / drop-copy feed with `depth` messages in flight; it stops at its first SHUTTING_DOWN and half-closes. */
function loadFeed(clients: SidecarClients, seen: Seen[], depth: number) {
  const call = clients.feed.publish!() as ClientDuplexStream<PublishRequest, PublishResponse>;
  const ledger = new Ledger();
  let next = 1n;
  let stopped = false;
  const send = () => {
    if (stopped) return;
    const correlationId = next++;
    ledger.sent.add(correlationId);
    call.write(create(PublishRequestSchema, { correlationId, reports: [fill({ qty: "1", price: "100", accountId: OTHER_ACCOUNT })] }));
  };
  const ended = new Promise<void>((resolve, reject) => {
    call.on("status", () => resolve());
    call.on("error", reject);
  });
  call.on("data", (m: PublishResponse) => {
    ledger.answered(m.correlationId);
    const error = m.results[0]!.result.case === "error" ? m.results[0]!.result.value : undefined;
    if (error?.code === ErrorCode.SHUTTING_DOWN) {
      if (!stopped) call.end();
      stopped = true;
    } else if (seen.includes("notServing") && !seen.includes("notice")) seen.push("drainReport");
    send();
  });
  for (let i = 0; i < depth; i++) send();
  return { ledger, ended };
}

let sidecar: SidecarProcess | undefined;
let servingPid: number | undefined;
afterEach(() => {
  // Only if a failed test left them running; a passing test saw both exit.
  if (sidecar?.child.exitCode === null) sidecar.child.kill("SIGKILL");
  if (servingPid !== undefined && isAlive(servingPid)) process.kill(servingPid, "SIGKILL");
});

describe("npm start, then SIGTERM to npm under load", () => {
  it("drains with NOT_SERVING, answers every command exactly once, exits 0 and leaves no process", { timeout: 60_000 }, async ({ onTestFinished }) => {
    const dir = mkdtempSync(join(tmpdir(), "openpit-"));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    const file = join(dir, "sidecar.json");
    writeFileSync(file, JSON.stringify(testConfig({ limits: { shutdownDrainMs: 500, shutdownGraceMs: 10_000 } })));
    sidecar = npmStart(["--config", file, "--ephemeral", "--listen", "127.0.0.1:0"]);
    const [, , port, pidText] = await sidecar.waitFor(LISTENING);
    const pid = Number(pidText);
    servingPid = pid;
    // The sidecar is npm's child (`exec node` replaced the shell), not npm itself.
    expect(pid).not.toBe(sidecar.child.pid);
    expect(isAlive(pid)).toBe(true);

    const clients = connect(`127.0.0.1:${port}`);
    const seen: Seen[] = [];
    const watch = (clients.health.watch as (r: unknown) => ClientReadableStream<HealthCheckResponse>)(
      create(HealthCheckRequestSchema, { service: "" }),
    );
    const statuses: ServingStatus[] = [];
    const watchEnded = new Promise<void>((resolve) => watch.on("status", () => resolve()));
    watch.on("error", () => {});
    let watching!: () => void;
    const serving = new Promise<void>((resolve) => (watching = resolve));
    watch.on("data", (m: HealthCheckResponse) => {
      statuses.push(m.status);
      if (m.status === ServingStatus.SERVING) watching();
      if (m.status === ServingStatus.NOT_SERVING) seen.push("notServing");
    });
    // The watch is in place once its first answer (SERVING) came: a watch the server had not
    // yet taken when SIGTERM lands would start at NOT_SERVING, or see it after the drain's refusals.
    await serving;

    const channel = loadChannel(clients, seen, 32);
    const feed = loadFeed(clients, seen, 8);
    await channel.answering;
    // Under load: both streams have been answered many times before the signal.
    while (channel.ledger.answers.size < 500 || feed.ledger.answers.size < 100) await new Promise((r) => setImmediate(r));

    sidecar.child.kill("SIGTERM");
    await Promise.all([channel.ended, feed.ended, watchEnded]);
    const exit = await sidecar.exited;
    clients.close();

    // Every command sent got exactly one answer, and no answer came for anything unsent.
    expect(channel.ledger.unanswered()).toEqual([]);
    expect(channel.ledger.strays()).toEqual([]);
    expect(feed.ledger.unanswered()).toEqual([]);
    expect(feed.ledger.strays()).toEqual([]);
    expect(channel.notices()).toBe(1);

    // NOT_SERVING first; through the drain new orders were refused while commits and
    // reports still ran; then the notice closed the channel, and late messages were refused.
    expect(statuses).toEqual([ServingStatus.SERVING, ServingStatus.NOT_SERVING]);
    const notServing = seen.indexOf("notServing");
    const notice = seen.indexOf("notice");
    expect(notServing).toBeGreaterThanOrEqual(0);
    expect(notice).toBeGreaterThan(notServing);
    const during = seen.slice(notServing, notice);
    expect(during).toContain("drainRefusal");
    expect(during).toContain("drainCommit");
    expect(during).toContain("drainReport");
    expect(seen).not.toContain("?");
    // Orders in flight when the channel closed were answered after the notice, not dropped
    // (32 in flight: some are always still on the wire when the server closes).
    expect(seen.slice(notice)).toContain("closedRefusal");
    expect(seen.slice(0, notice)).not.toContain("closedRefusal");
    expect(seen.slice(0, notServing)).not.toContain("drainRefusal");

    expect(exit).toEqual({ code: 0, signal: null });
    expect(sidecar.stdout()).toContain("SIGTERM: shutting down gracefully\n");
    expect(sidecar.stdout()).toContain("openpit-sidecar: NOT_SERVING; draining for 500 ms, then closing streams\n");
    expect(sidecar.stdout()).toMatch(/openpit-sidecar: stopped\n$/);
    expect(withoutLog(sidecar.stderr())).toBe("");
    // Nothing left behind: npm waited for the sidecar, which is gone.
    expect(isAlive(pid)).toBe(false);
  });
});
