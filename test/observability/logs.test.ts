import { describe, expect, it } from "vitest";
import { ACCOUNT, order, seed } from "../server/harness.js";
import { as } from "../server/results.js";
import { closeObservedAfterEach, removeDir, startObserved, type LogLine, type Observed } from "./observed-sidecar.js";
import { runWorkload } from "./workload.js";
import { REPLAY_RULES } from "../../src/state/journal-writer.js";

const PEER = /^127\.0\.0\.1:\d+$/;

function only(lines: LogLine[], pick: (l: LogLine) => boolean): LogLine {
  const found = lines.filter(pick);
  if (found.length !== 1) throw new Error(`expected one line, got ${found.length}: ${JSON.stringify(found)}`);
  return found[0]!;
}

describe("structured log lines, captured and parsed as JSON", () => {
  closeObservedAfterEach();
  let o: Observed;

  it("start-up with the configuration summary, recovery, serving", async () => {
    o = await startObserved();
    const { lines } = o.log;
    expect(lines.map((l) => l.event)).toEqual(["start", "security", "recovering", "recovered", "serving"]);
    expect(lines[1]).toMatchObject({ level: "info", msg: expect.stringMatching(/^security: single-user mode/) });
    const start = lines[0]!;
    expect(start).toMatchObject({
      level: "info",
      name: "openpit-sidecar",
      pid: process.pid,
      version: expect.stringMatching(/^\d+\.\d+\.\d+$/),
      replayRules: REPLAY_RULES,
      grpcPort: o.sidecar.port,
      httpPort: o.sidecar.httpPort,
      config: {
        listen: "127.0.0.1:0",
        metricsListen: "127.0.0.1:0",
        syncMode: "accountSync",
        durability: { mode: "sync", dataDir: o.dataDir, snapshotEveryRecords: 0 },
        policies: ["OrderValidationPolicy", "RateLimitPolicy", "OrderSizeLimitPolicy", "PnlBoundsKillSwitchPolicy", "SpotFundsPolicy"],
        accounts: { strict: false, listed: 0, defaultCurrency: "USD" },
        instruments: 1,
        security: { tls: false, principals: 0, tokensFile: false, clientCrlFile: false, insecure: false },
      },
    });
    expect(typeof start.time).toBe("string");
    expect(start.msg).toMatch(/^openpit-sidecar \d+\.\d+\.\d+ listening on 127\.0\.0\.1:\d+; metrics on port \d+$/);
    expect(lines[3]).toMatchObject({ event: "recovered", snapshotSequence: null, replayed: 0, rolledBackReservations: 0, tornTail: null, settingsChanged: false });
  });

  it("connects, disconnects, fences and closes with counts, blocks and unblocks with who and why, configuration changes", async () => {
    o = await startObserved();
    await runWorkload(o);
    const { lines } = o.log;

    const connects = lines.filter((l) => l.event === "connect");
    expect(connects.map((l) => l.stream)).toEqual(["events", "channel", "feed", "channel"]);
    for (const c of connects) expect(c).toMatchObject({ level: "info", peer: expect.stringMatching(PEER), principal: "local" });

    expect(only(lines, (l) => l.event === "channel_fenced")).toMatchObject({
      level: "warn",
      channelId: "1",
      owner: "local",
      accounts: 1,
      accountIds: [String(ACCOUNT)],
      rolledBack: 1,
      abandoned: 0,
    });
    // b pinned both accounts and left a reservation open.
    expect(only(lines, (l) => l.event === "channel_closed")).toMatchObject({
      level: "info",
      channelId: "2",
      owner: "local",
      reason: "ended",
      rolledBack: 1,
      abandoned: 0,
      unpinned: 2,
    });
    expect(only(lines, (l) => l.event === "disconnect" && l.stream === "channel")).toMatchObject({ channelId: "2", reason: "ended", peer: expect.stringMatching(PEER), principal: "local" });
    expect(only(lines, (l) => l.event === "disconnect" && l.stream === "events")).toMatchObject({ reason: "cancelled", principal: "local" });

    expect(only(lines, (l) => l.event === "account_blocked")).toMatchObject({
      level: "warn",
      accountId: "77",
      by: "local",
      policy: "Engine",
      code: "AccountBlocked",
      reason: "compliance hold",
      msg: "account 77 blocked by local: compliance hold: compliance hold",
    });
    expect(only(lines, (l) => l.event === "account_unblocked")).toMatchObject({ level: "info", accountId: "77", by: "local" });
    expect(only(lines, (l) => l.event === "policy_configured")).toMatchObject({ level: "info", policy: "OrderSizeLimitPolicy", by: "local" });
    const admin = lines.filter((l) => l.event === "admin");
    expect(admin.map((l) => [l.actor, l.action, l.outcome])).toEqual([
      ["local", "blockAccount", "applied"],
      ["local", "unblockAccount", "applied"],
      ["local", "configurePolicy", "applied"],
    ]);
    expect(JSON.parse(admin[2]!.request as string)).toMatchObject({ policy: "OrderSizeLimitPolicy" });

    // Every line is a JSON object with the common fields.
    for (const l of lines) {
      expect(Object.keys(l)).toEqual(expect.arrayContaining(["level", "time", "pid", "name", "msg", "event"]));
    }
  });

  it("never a line per order; a failed admin command is a warning; shutdown closes channels with counts", async () => {
    o = await startObserved({ config: { limits: { shutdownGraceMs: 100 } } });
    const ch = o.channel();
    as((await ch.send(seed("USD", "100000")))[0], "adjustment");
    as(await ch.one({ case: "executePreTrade", value: { order: order({ qty: "1", price: "100" }) } }), "execute");
    const before = o.log.lines.length;
    for (let i = 0; i < 50; i++) {
      await ch.one({ case: "executePreTrade", value: { order: order({ qty: "1", price: "100" }), commitOnAccept: true } });
      await ch.one({ case: "executePreTrade", value: { order: order({ qty: "100000", price: "100" }) } });
    }
    expect(o.log.lines.slice(before)).toEqual([]);

    await expect(o.admin("replaceAccountBlockReason", { accountId: ACCOUNT, reason: "x" })).rejects.toThrow(/account is not blocked/);
    expect(only(o.log.lines, (l) => l.event === "admin")).toMatchObject({
      level: "warn",
      actor: "local",
      action: "replaceAccountBlockReason",
      outcome: "failed",
      reason: "account is not blocked",
    });

    // Shutdown with the stream still open: the server closes the channel.
    await o.sidecar.server.shutdown();
    expect(only(o.log.lines, (l) => l.event === "channel_closed")).toMatchObject({ reason: "shutdown", rolledBack: 1, abandoned: 0, unpinned: 1 });
    expect(only(o.log.lines, (l) => l.event === "disconnect" && l.stream === "channel")).toMatchObject({ reason: "shutdown" });
    // Cancel on disconnect is not a crash: no recovery line.
    await o.log.next((l) => l.event === "reservations_rolled_back");
    expect(only(o.log.lines, (l) => l.event === "reservations_rolled_back")).toMatchObject({ level: "info", accountId: String(ACCOUNT), rolledBack: 1, reason: "shutdown", channelId: "1" });
    expect(o.log.lines.filter((l) => l.event === "recovery_rollback")).toEqual([]);
  });

  it("a block a policy latches during an operator's command is the policy's; the command is the operator's", async () => {
    o = await startObserved({ config: { durability: { mode: "ephemeral" } } });
    await o.admin("setSpotFundsAccountPnl", { policyName: "SpotFundsPolicy", accountId: ACCOUNT, state: { state: { case: "value", value: "-150" } } });
    // A new barrier below the account's P&L blocks it at once, inside the operator's configurePolicy.
    await o.admin("configurePolicy", { policyName: "SpotFundsPolicy", settingsJson: '{"pnlBarrier":{"lower":"-100"}}' });
    const line = await o.log.next((l) => l.event === "account_blocked");
    expect(line).toMatchObject({ accountId: String(ACCOUNT), by: "policy SpotFundsPolicy", policy: "SpotFundsPolicy", reason: "pnl kill switch triggered" });
    expect(o.log.lines.filter((l) => l.event === "admin").map((l) => [l.actor, l.action])).toEqual([
      ["local", "setSpotFundsAccountPnl"],
      ["local", "configurePolicy"],
    ]);
  });

  it("a channel a policy's reject closes (the throttle's hard tier): the close, its rollbacks and the stream's end are logged and counted", async () => {
    o = await startObserved({
      config: {
        policies: [
          { type: "TwoTierThrottlePolicy", settings: { default: { softMaxOrders: 2, hardMaxOrders: 2, windowMs: 60_000 } } },
          { type: "SpotFundsPolicy", settings: {} },
        ],
      },
    });
    const ch = o.channel();
    await ch.send(seed("USD", "100000"));
    as(await ch.one({ case: "executePreTrade", value: { order: order({ qty: "1", price: "100" }) } }), "execute");
    as(await ch.one({ case: "executePreTrade", value: { order: order({ qty: "1", price: "100" }) } }), "execute");
    expect(as(await ch.one({ case: "executePreTrade", value: { order: order({ qty: "1", price: "100" }) } }), "execute").rejects[0]!.code).toBe(44);
    expect(only(o.log.lines, (l) => l.event === "channel_closed")).toMatchObject({ reason: "policy", channelId: "1", owner: "local", rolledBack: 2, abandoned: 0, unpinned: 1 });
    expect(only(o.log.lines, (l) => l.event === "reservations_rolled_back")).toMatchObject({ rolledBack: 2, reason: "closedByPolicy", channelId: "1" });
    const text = await o.scrape();
    expect(text).toContain('\nopenpit_channels_closed_total{reason="policy"} 1\n');
    expect(text).toContain('\nopenpit_reservations_rolled_back_total{reason="policy"} 2\n');
    // Found by review: the stream's end was neither logged nor its channel's peer forgotten.
    // The closing answer is the stream's last: its end is logged with it.
    const line = await o.log.next((l) => l.event === "disconnect" && l.stream === "channel");
    expect([line.channelId, line.reason]).toEqual(["1", "policy"]);
    // The peer map entry of the closed channel is dropped as on any other close.
    const peers = (o.sidecar.server as unknown as { ctx: { channelPeers: Map<bigint, string> } }).ctx.channelPeers;
    expect([...peers.keys()]).toEqual([]);
    await ch.end();
  });

  it("reservations the TTL sweep rolls back: a log line with the count, and the metric", async () => {
    o = await startObserved({ config: { limits: { reservationTtlMs: 1_000 } } });
    const ch = o.channel();
    await ch.send(seed("USD", "10000"));
    as(await ch.one({ case: "executePreTrade", value: { order: order({ qty: "1", price: "100" }) } }), "execute");
    as(await ch.one({ case: "executePreTrade", value: { order: order({ qty: "2", price: "100" }) } }), "execute");
    o.clock.advance(1_000);
    // The sweep's timer looks every 250 ms of wall time; the line says when it ran.
    const line = await o.log.next((l) => l.event === "reservations_expired");
    expect(line).toMatchObject({ level: "info", channelId: "1", owner: "local", rolledBack: 2 });
    expect(await o.scrape()).toContain('\nopenpit_reservations_rolled_back_total{reason="expired"} 2\n');
  });

  it("errors: an HTTP route's failure is logged with the error", async () => {
    o = await startObserved();
    o.sidecar.server.http.mount("/broken", () => {
      throw new Error("route exploded");
    });
    const response = await fetch(`http://127.0.0.1:${o.sidecar.httpPort}/broken`);
    expect(response.status).toBe(500);
    expect(only(o.log.lines, (l) => l.event === "http_error")).toMatchObject({
      level: "error",
      method: "GET",
      url: "/broken",
      err: { type: "Error", message: "route exploded" },
    });
  });

  it("LOG_LEVEL: debug shows quote pushes, warn hides connects", async () => {
    o = await startObserved({ level: "warn" });
    const ch = o.channel();
    await ch.send(seed("USD", "1"));
    expect(o.log.lines.filter((l) => l.event === "connect")).toEqual([]);
    await o.close();
    removeDir(o.dataDir);
    o = await startObserved({ level: "debug" });
    await o.admin("pushQuote", { target: { case: "instrumentId", value: 1n }, quote: { mark: "100" } });
    expect(only(o.log.lines, (l) => l.event === "admin")).toMatchObject({ level: "debug", action: "pushQuote", outcome: "applied" });
  });
});
