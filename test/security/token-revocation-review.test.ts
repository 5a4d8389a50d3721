/**
 * Review of live bearer-token revocation (watched-file.ts, revocable-streams.ts, service-guard.ts):
 *
 * - every stream a revocation ends is an audit record naming its principal: those records
 *   were rate-limited as if they were credential-less noise (DenialThrottle), so revoking a
 *   token that held more than the burst of streams — or revoking while anyone flooded the
 *   port with unauthenticated calls — left streams ended with no record of their own;
 * - a reload asked for while another read is under way (SIGHUP, or reloadCredentials(), while the
 *   interval's read has the old file open) must read the file again: it used to be handed the
 *   read under way, resolving with the old tokens still in force and the revoked streams open
 *   until the next interval (up to tokensRefreshIntervalMs, which may be a day).
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { execFileSync } from "node:child_process";
import { renameSync, writeFileSync } from "node:fs";
import { create } from "@bufbuild/protobuf";
import { status, type ClientReadableStream, type ServiceError, type StatusObject } from "@grpc/grpc-js";
import { Writable } from "node:stream";
import { SubscribeRequestSchema, type SubscribeResponse } from "../../gen/openpit/sidecar/v1/events_pb.js";
import { AccountChannel, callUnary } from "../../src/client/index.js";
import * as ad from "../../gen/openpit/sidecar/v1/admin_pb.js";
import { createLogger } from "../../src/server/log/sidecar-log.js";
import { setFailureReporter } from "../../src/state/guarded.js";
import { sha256Hex } from "../../src/server/security/bearer-tokens.js";
import { Credentials, startSecureHarness, WHO, type SecureHarness, type Who } from "./secure-harness.js";

describe("token revocation, as reviewed", () => {
  let creds: Credentials;
  let h: SecureHarness;
  let onLog: ((line: Record<string, unknown>) => void) | undefined;

  const tokensJson = (holders: readonly Who[]): string =>
    JSON.stringify({ tokens: holders.map((principal) => ({ principal, sha256: sha256Hex(creds.tokens.get(principal)!) })) });

  beforeAll(() => {
    creds = new Credentials();
  });
  afterAll(() => creds.remove());
  beforeEach(async () => {
    writeFileSync(creds.tokensFile, tokensJson(WHO));
    onLog = undefined;
    const destination = new Writable({
      write: (chunk: Buffer, _e, done) => {
        onLog?.(JSON.parse(chunk.toString()) as Record<string, unknown>);
        done();
      },
    });
    h = await startSecureHarness(creds.security(), {}, createLogger("info", destination));
  });
  afterEach(() => h.close());

  it("every stream a revocation ends is recorded in the audit trail under its principal, however many there are", async () => {
    const n = 60;
    let connected = 0;
    let allConnected: () => void = () => undefined;
    const admitted = new Promise<void>((resolve) => (allConnected = resolve));
    onLog = (l) => {
      if (l.event === "connect" && l.stream === "events" && ++connected === n) allConnected();
    };
    const ended: Promise<StatusObject>[] = [];
    const client = h.connect(creds.token("monitor"));
    for (let i = 0; i < n; i++) {
      const call = (client.events.subscribe as (r: unknown) => ClientReadableStream<SubscribeResponse>)(create(SubscribeRequestSchema));
      call.on("error", () => undefined);
      ended.push(new Promise<StatusObject>((resolve) => call.on("status", resolve)));
    }
    await admitted;

    writeFileSync(creds.tokensFile, tokensJson(WHO.filter((w) => w !== "monitor")));
    await h.server.reloadCredentials();

    expect((await Promise.all(ended)).map((s) => s.code)).toEqual(Array(n).fill(status.UNAUTHENTICATED));
    const records = h.server.state.audit.query({ outcome: "denied", newestFirst: false, limit: 1000 }).records;
    const revoked = records.filter((r) => /token revoked/.test(r.detail));
    // One record per ended stream, each naming who held it: none merged into an "unauthenticated" count.
    expect(revoked.filter((r) => r.actor === "monitor")).toHaveLength(n);
    expect(records.filter((r) => /not recorded one by one/.test(r.detail))).toEqual([]);
  });

  it("a reload asked for while a read of the old file is under way reads the file again before it resolves", async () => {
    const ch = new AccountChannel(h.connect(creds.token("gateway-a")).channel);
    const ended = new Promise<StatusObject>((resolve) => ch.call.on("status", resolve));
    await ch.send({ case: "bindAccounts", value: { accountIds: [] } });
    const oldText = tokensJson(WHO);
    // The read under way (the interval's) gets the old file: a FIFO in its place, which it has
    // open once the write below returns (opening a FIFO to write waits for its reader).
    const fifo = `${creds.tokensFile}.fifo`;
    execFileSync("mkfifo", [fifo]);
    renameSync(fifo, creds.tokensFile);
    const underWay = h.server.reloadCredentials();
    writeFileSync(creds.tokensFile, oldText);

    // The operator renames the new file in, then sends SIGHUP (reloadCredentials) while that read runs.
    const next = `${creds.tokensFile}.next`;
    writeFileSync(next, tokensJson(WHO.filter((w) => w !== "gateway-a")));
    renameSync(next, creds.tokensFile);
    await h.server.reloadCredentials();

    // The new file is in force once that reload resolves: a new call with the token is refused,
    // and its open channel was ended then (before, the reload was handed the read under way).
    const again = await callUnary(h.connect(creds.token("gateway-a")).admin, "getJournalStatus", create(ad.GetJournalStatusRequestSchema)).then(
      () => "OK",
      (e: ServiceError) => status[e.code],
    );
    expect(again).toBe("UNAUTHENTICATED");
    expect((await ended).code).toBe(status.UNAUTHENTICATED);
    await underWay;
  });

  it("a revocation whose audit hook throws still ends every stream of the token, and the reload resolves", async () => {
    const reported: string[] = [];
    const previous = setFailureReporter((line) => reported.push(line));
    try {
      const channels = [0, 1, 2].map(() => {
        const ch = new AccountChannel(h.connect(creds.token("gateway-a")).channel);
        return { ch, ended: new Promise<StatusObject>((resolve) => ch.call.on("status", resolve)) };
      });
      for (const { ch } of channels) await ch.send({ case: "bindAccounts", value: { accountIds: [] } });
      // An embedding's denial hook (an audit sink) that fails.
      h.server.onDenied = () => {
        throw new Error("audit sink down");
      };

      writeFileSync(creds.tokensFile, tokensJson(WHO.filter((w) => w !== "gateway-a")));
      // Before, the first throw left the loop: the other streams stayed open for good (the file
      // now in force is never compared again), and the rejection reached SIGHUP's `void` (exit).
      await expect(h.server.reloadCredentials()).resolves.toBeUndefined();
      expect((await Promise.all(channels.map((c) => c.ended))).map((s) => s.code)).toEqual([status.UNAUTHENTICATED, status.UNAUTHENTICATED, status.UNAUTHENTICATED]);
      expect(reported.some((l) => /audit sink down/.test(l))).toBe(true);
    } finally {
      setFailureReporter(previous);
    }
  });
});
