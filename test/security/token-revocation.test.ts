/**
 * Removing a token's hash from security.tokensFile revokes it while the sidecar runs: new
 * calls with it are refused, and the streams it opened end UNAUTHENTICATED ("token
 * revoked"), a channel's reservations rolled back as for a lost client. Before, the file was
 * read at start only: a revoked gateway kept its open channel (and could keep reserving) until
 * a restart. The reload is driven through `reloadCredentials()` (what the interval and SIGHUP
 * call), so nothing here waits on a timer.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { writeFileSync } from "node:fs";
import { Writable } from "node:stream";
import { create } from "@bufbuild/protobuf";
import { status, type ClientDuplexStream, type ClientReadableStream, type ClientWritableStream, type ServiceError, type StatusObject } from "@grpc/grpc-js";
import * as ad from "../../gen/openpit/sidecar/v1/admin_pb.js";
import { SubscribeRequestSchema, type SubscribeResponse } from "../../gen/openpit/sidecar/v1/events_pb.js";
import { PublishRequestSchema, type PublishRequest, type PublishResponse } from "../../gen/openpit/sidecar/v1/feed_pb.js";
import { AccountChannel, callUnary, type ConnectOptions } from "../../src/client/index.js";
import { createLogger } from "../../src/server/log/sidecar-log.js";
import { sha256Hex } from "../../src/server/security/bearer-tokens.js";
import { ACCOUNT, order, seed } from "../server/harness.js";
import { Credentials, recordChannelCloses, startSecureHarness, WHO, type SecureHarness } from "./secure-harness.js";

describe("revoking a bearer token while the sidecar runs", () => {
  let creds: Credentials;
  let h: SecureHarness;
  let log: Record<string, unknown>[];
  /** Told of each log line as it is written. */
  let onLog: ((line: Record<string, unknown>) => void) | undefined;
  /** Every channel close the door saw, with its reason. */
  let closes: { id: bigint; reason: string }[];


  beforeAll(() => {
    creds = new Credentials();
  });
  afterAll(() => creds.remove());
  beforeEach(async () => {
    creds.writeTokens(WHO);
    log = [];
    onLog = undefined;
    const destination = new Writable({
      write: (chunk: Buffer, _e, done) => {
        const line = JSON.parse(chunk.toString()) as Record<string, unknown>;
        log.push(line);
        onLog?.(line);
        done();
      },
    });
    h = await startSecureHarness(creds.security(), {}, createLogger("info", destination));
    closes = recordChannelCloses(h.server);
  });
  afterEach(() => h.close());

  /** A channel as `options`, with how its stream ended once it has. */
  function channel(options: ConnectOptions): { ch: AccountChannel; ended: Promise<StatusObject> } {
    const ch = new AccountChannel(h.connect(options).channel);
    const ended = new Promise<StatusObject>((resolve) => ch.call.on("status", resolve));
    return { ch, ended };
  }

  /** A channel with a reservation of 10 AAPL at 100 held on ACCOUNT. */
  async function reserving(options: ConnectOptions): Promise<{ ch: AccountChannel; ended: Promise<StatusObject> }> {
    const c = channel(options);
    await c.ch.send(seed("USD", "10000"));
    const reserved = await c.ch.one({ case: "executePreTrade", value: { order: order() } });
    expect(reserved.result.case).toBe("execute");
    return c;
  }

  const heldUsd = async (): Promise<string> => {
    const state = await callUnary<ad.GetAccountStateResponse>(h.connect(creds.certificate("operator")).admin, "getAccountState", create(ad.GetAccountStateRequestSchema, { accountId: ACCOUNT }));
    return state.holdings.find((x) => x.asset === "USD")?.held ?? "";
  };

  const journalStatus = (options: ConnectOptions): Promise<string> =>
    callUnary(h.connect(options).admin, "getJournalStatus", create(ad.GetJournalStatusRequestSchema)).then(
      () => "OK",
      (e: ServiceError) => `${status[e.code]} ${e.details}`,
    );

  it("a revoked token's open channel ends UNAUTHENTICATED, its reservation rolled back as for a lost client; new calls are refused", async () => {
    const { ch, ended } = await reserving(creds.token("gateway-a"));
    expect(await heldUsd()).not.toMatch(/^0*(\.0*)?$/);

    creds.writeTokens(WHO.filter((w) => w !== "gateway-a"));
    await h.server.reloadCredentials();

    const s = await ended;
    expect(s.code).toBe(status.UNAUTHENTICATED);
    expect(s.details).toMatch(/token revoked/);
    expect(closes.map((c) => c.reason)).toEqual(["lost"]);
    expect(await heldUsd()).toMatch(/^0*(\.0*)?$/);
    expect(ch.usable).toBe(false);
    // A new call with the revoked token, unary or streaming, is refused.
    const again = channel(creds.token("gateway-a"));
    void again.ch.send(seed("USD", "1")).catch(() => undefined);
    expect((await again.ended).code).toBe(status.UNAUTHENTICATED);
    expect(log.filter((l) => l.event === "tokens_reloaded").map((l) => l.revokedStreams)).toEqual([1]);
  });

  it("the streams of tokens still in the file, and of certificates, are untouched", async () => {
    // gateway-a's certificate channel holds the reservation; gateway-b's token channel stays too.
    const byCertificate = await reserving(creds.certificate("gateway-a"));
    const byToken = channel(creds.token("gateway-b"));
    await byToken.ch.send({ case: "bindAccounts", value: { accountIds: [] } });
    const doomed = channel(creds.token("gateway-a"));
    await doomed.ch.send({ case: "bindAccounts", value: { accountIds: [] } });

    creds.writeTokens(WHO.filter((w) => w !== "gateway-a"));
    await h.server.reloadCredentials();

    expect((await doomed.ended).code).toBe(status.UNAUTHENTICATED);
    // Both others still answer, and the certificate's reservation is still held.
    expect((await byCertificate.ch.one({ case: "executePreTrade", value: { order: order() } })).result.case).toBe("execute");
    expect((await byToken.ch.one({ case: "bindAccounts", value: { accountIds: [] } })).result.case).not.toBe("error");
    expect(await heldUsd()).not.toMatch(/^0*(\.0*)?$/);
    expect(closes.length).toBe(1);
    expect(await journalStatus(creds.token("monitor"))).toBe("OK");
  });

  it("an event subscription of a revoked token ends UNAUTHENTICATED too", async () => {
    const call = (h.connect(creds.token("monitor")).events.subscribe as (r: unknown) => ClientReadableStream<SubscribeResponse>)(create(SubscribeRequestSchema));
    const ended = new Promise<StatusObject>((resolve) => call.on("status", resolve));
    call.on("error", () => undefined);
    // The server has admitted the subscription once it logs it (no timer to guess that by).
    await new Promise<void>((resolve) => (onLog = (l) => l.event === "connect" && l.stream === "events" && resolve()));

    creds.writeTokens(WHO.filter((w) => w !== "monitor"));
    await h.server.reloadCredentials();

    const s = await ended;
    expect(s.code).toBe(status.UNAUTHENTICATED);
    expect(s.details).toMatch(/token revoked/);
  });

  it("a feed stream of a revoked token ends UNAUTHENTICATED", async () => {
    const call = (h.connect(creds.token("feed-a")).feed.publish as () => ClientDuplexStream<PublishRequest, PublishResponse>)();
    const ended = new Promise<StatusObject>((resolve) => call.on("status", resolve));
    call.on("error", () => undefined);
    const answered = new Promise((resolve) => call.once("data", resolve));
    call.write(create(PublishRequestSchema, { correlationId: 1n }));
    await answered;

    creds.writeTokens(WHO.filter((w) => w !== "feed-a"));
    await h.server.reloadCredentials();

    const s = await ended;
    expect(s.code).toBe(status.UNAUTHENTICATED);
    expect(s.details).toMatch(/token revoked/);
  });

  it("a StreamQuotes call of a revoked token is answered UNAUTHENTICATED at once, without waiting for the client to finish", async () => {
    const state = h.server.state;
    const admin = state.admin.bind(state);
    const applied: string[] = [];
    let firstApplied: () => void = () => undefined;
    const applying = new Promise<void>((resolve) => (firstApplied = resolve));
    state.admin = ((command: { kind?: string }, actor: string) => {
      applied.push(actor);
      const result = admin(command as never, actor);
      firstApplied();
      return result;
    }) as typeof state.admin;
    type StreamQuotes = (cb: (e: ServiceError | null, r: ad.StreamQuotesResponse) => void) => ClientWritableStream<ad.StreamQuotesRequest>;
    let answer!: (e: ServiceError | null) => void;
    const answered = new Promise<ServiceError | null>((resolve) => (answer = resolve));
    const call = (h.connect(creds.token("operator")).admin.streamQuotes as StreamQuotes)((e) => answer(e));
    const tick = create(ad.StreamQuotesRequestSchema, { push: { target: { case: "instrumentId", value: 1n }, quote: { mark: "50" } } });
    call.write(tick);
    await applying;

    creds.writeTokens(WHO.filter((w) => w !== "operator"));
    await h.server.reloadCredentials();

    const e = await answered;
    expect(e?.code).toBe(status.UNAUTHENTICATED);
    expect(e?.details).toMatch(/token revoked/);
    call.end();
    expect(applied).toEqual(["operator"]);
  });

  it("a tokens file that does not parse keeps the tokens in force, logged as a warning", async () => {
    const { ch, ended } = await reserving(creds.token("gateway-a"));
    let status_: StatusObject | undefined;
    void ended.then((s) => (status_ = s));

    writeFileSync(creds.tokensFile, '{"tokens": [{"principal": "monitor", "sha2');
    await h.server.reloadCredentials();

    expect(status_).toBeUndefined();
    expect((await ch.one({ case: "executePreTrade", value: { order: order() } })).result.case).toBe("execute");
    expect(await journalStatus(creds.token("monitor"))).toBe("OK");
    expect(closes).toEqual([]);
    const warnings = log.filter((l) => l.event === "tokens_reload_refused");
    expect(warnings.map((l) => l.level)).toEqual(["warn"]);
    expect(String(warnings[0]!.msg)).toMatch(/tokens in force stay/);

    // A principal the configuration does not name is refused the same way.
    writeFileSync(creds.tokensFile, JSON.stringify({ tokens: [{ principal: "nobody", sha256: sha256Hex("x") }] }));
    await h.server.reloadCredentials();
    expect(await journalStatus(creds.token("monitor"))).toBe("OK");
    expect(log.filter((l) => l.event === "tokens_reload_refused")).toHaveLength(2);

    // A good file after them is put in force.
    creds.writeTokens(WHO.filter((w) => w !== "monitor"));
    await h.server.reloadCredentials();
    expect(await journalStatus(creds.token("monitor"))).toBe(`UNAUTHENTICATED the bearer token is not valid`);
    expect(log.filter((l) => l.event === "tokens_reloaded")).toHaveLength(1);
  });
});

describe("the tokens file is watched while the sidecar runs", () => {
  it("a hash removed from the file is revoked by the re-read every tokensRefreshIntervalMs, without a reload call", async () => {
    const creds = new Credentials();
    let reloaded: () => void = () => undefined;
    const logged = new Promise<void>((resolve) => (reloaded = resolve));
    const destination = new Writable({
      write: (chunk: Buffer, _e, done) => {
        if ((JSON.parse(chunk.toString()) as { event?: string }).event === "tokens_reloaded") reloaded();
        done();
      },
    });
    const h = await startSecureHarness(creds.security({}, { tokensRefreshIntervalMs: 10 }), {}, createLogger("info", destination));
    try {
      const ch = new AccountChannel(h.connect(creds.token("gateway-a")).channel);
      const ended = new Promise<StatusObject>((resolve) => ch.call.on("status", resolve));
      await ch.send({ case: "bindAccounts", value: { accountIds: [] } });
      writeFileSync(creds.tokensFile, JSON.stringify({ tokens: [{ principal: "monitor", sha256: sha256Hex(creds.tokens.get("monitor")!) }] }));
      // The watcher's own timer re-reads the file; the test waits for what it logs, not for a time.
      await logged;
      expect((await ended).code).toBe(status.UNAUTHENTICATED);
    } finally {
      await h.close();
      creds.remove();
    }
  });
});
