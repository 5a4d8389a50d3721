/**
 * The console's JSON doors: the same guarded AdminService and event handlers as gRPC
 * (changes through the door, audited as the caller), and the console's own access rules.
 */
import { toJson } from "@bufbuild/protobuf";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import * as ad from "../../gen/openpit/sidecar/v1/admin_pb.js";
import { AuditRecordSchema } from "../../gen/openpit/sidecar/v1/audit_pb.js";
import { AccountId } from "../../src/param/index.js";
import { ACCOUNT, seed, startHarness, testConfig, type Harness } from "../server/harness.js";
import { useSecureHarness } from "../security/secure-harness.js";
import { consoleAdmin, http } from "./console-http.js";

/** A monitor's refused BlockAccount as the audit trail records it: with the console's peer. */
const MONITOR_REFUSED = /^principal 'monitor' may not call \/openpit\.sidecar\.v1\.AdminService\/BlockAccount: it needs the role operator \(peer http:127\.0\.0\.1:\d+\)$/;

const BLOCK = { policy: "Engine", code: "REJECT_CODE_ACCOUNT_BLOCKED", reason: "compliance hold", details: "compliance hold" };

describe("console API without a security section", () => {
  let h: Harness;
  let port: number;
  beforeEach(async () => {
    h = await startHarness();
    port = await h.server.http.listen("127.0.0.1:0");
  });
  afterEach(async () => {
    await h.close();
  });

  it("serves the page, its script and style, and redirects /console to /console/", async () => {
    const page = await http(port, "/console/");
    expect([page.status, page.headers["content-type"]]).toEqual([200, "text/html; charset=utf-8"]);
    expect(page.body).toContain('<script src="app.js" defer></script>');
    expect(page.headers["content-security-policy"]).toBe("default-src 'self'; img-src 'self' data:; frame-ancestors 'none'");
    expect((await http(port, "/console/app.js")).headers["content-type"]).toBe("text/javascript; charset=utf-8");
    expect((await http(port, "/console/app.css")).headers["content-type"]).toBe("text/css; charset=utf-8");
    const redirect = await http(port, "/console");
    expect([redirect.status, redirect.headers.location]).toEqual([302, "/console/"]);
  });

  it("blocks through the door as the local user: AdminService sees it, the audit trail records it", async () => {
    const ch = h.channel();
    await ch.send(seed("USD", "10000"));
    expect(await consoleAdmin(port, "BlockAccount", { accountId: String(ACCOUNT), reason: "compliance hold" })).toEqual({ status: 200, json: {} });
    const state = await h.admin<ad.GetAccountStateResponse>("getAccountState", { accountId: ACCOUNT });
    expect(toJson(ad.GetAccountStateResponseSchema, state)).toMatchObject({ block: BLOCK, blockScope: "BLOCK_SCOPE_ACCOUNT" });
    const audit = await h.admin<ad.QueryAuditResponse>("queryAudit", { action: "blockAccount" });
    expect(audit.records.map((r) => toJson(AuditRecordSchema, r))).toMatchObject([
      { actor: "local", action: "blockAccount", outcome: "AUDIT_OUTCOME_APPLIED", accountIds: [String(ACCOUNT)] },
    ]);
    // The reads the page makes.
    expect(await consoleAdmin(port, "ListAccounts", { blocked: true })).toEqual({
      status: 200,
      json: { accounts: [{ accountId: String(ACCOUNT), block: BLOCK, blockScope: "BLOCK_SCOPE_ACCOUNT", currency: "USD", pinnedChannelId: "1", holdingAssets: ["USD"] }], total: "1" },
    });
    // A second block is refused as over gRPC, with the same status, text and kind.
    expect(await consoleAdmin(port, "ReplaceAccountBlockReason", { accountId: "5", reason: "x" })).toEqual({
      status: 409,
      json: { code: "FAILED_PRECONDITION", message: "account_id: account is not blocked", kind: "AccountNotBlocked" },
    });
    expect(await consoleAdmin(port, "BlockAccount", { accountId: "0", reason: "x" })).toEqual({
      status: 400,
      json: { code: "INVALID_ARGUMENT", message: "account_id is required", kind: "MISSING_FIELD" },
    });
  });

  it("refuses malformed bodies, unknown methods, client streams and wrong verbs", async () => {
    expect(await consoleAdmin(port, "BlockAccount", { accountId: "1", colour: "red" })).toEqual({
      status: 400,
      json: { code: "INVALID_ARGUMENT", message: 'the body is not a openpit.sidecar.v1.BlockAccountRequest in JSON: cannot decode message openpit.sidecar.v1.BlockAccountRequest from JSON: key "colour" is unknown' },
    });
    expect(await consoleAdmin(port, "DropEverything")).toEqual({ status: 404, json: { code: "NOT_FOUND", message: "no unary AdminService method 'DropEverything'" } });
    expect((await consoleAdmin(port, "StreamQuotes")).status).toBe(404);
    const get = await http(port, "/console/api/admin/GetServerStatus", { headers: { "x-openpit-console": "1" } });
    expect([get.status, get.headers.allow]).toEqual([405, "POST"]);
  });

  // Found by review, session 34: the event stream's 405 named no Allow, and a POST to a page
  // that exists was a 404.
  it("a wrong verb is 405 with Allow on the event stream and on every page that exists; a page that does not is 404", async () => {
    const events = await http(port, "/console/api/events", { method: "POST", headers: { "x-openpit-console": "1" } });
    expect([events.status, events.headers.allow, JSON.parse(events.body).code]).toEqual([405, "GET", "METHOD_NOT_ALLOWED"]);
    for (const page of ["/console/", "/console/app.js", "/console/app.css"]) {
      for (const method of ["POST", "PUT", "DELETE"]) {
        const answer = await http(port, page, { method, body: "" });
        expect([page, method, answer.status, answer.headers.allow, JSON.parse(answer.body).code]).toEqual([page, method, 405, "GET, HEAD", "METHOD_NOT_ALLOWED"]);
      }
      const head = await http(port, page, { method: "HEAD" });
      expect([page, head.status, head.body]).toEqual([page, 200, ""]);
    }
    const missing = await http(port, "/console/nothing.html", { method: "POST" });
    expect([missing.status, missing.headers.allow, JSON.parse(missing.body)]).toEqual([404, undefined, { code: "NOT_FOUND", message: "no console page /nothing.html" }]);
  });

  it("answers only requests that carry its header and name a loopback host", async () => {
    const noHeader = await http(port, "/console/api/admin/BlockAccount", { method: "POST", body: JSON.stringify({ accountId: "1", reason: "x" }) });
    expect([noHeader.status, JSON.parse(noHeader.body)]).toEqual([403, { code: "PERMISSION_DENIED", message: "console API requests must carry the header 'x-openpit-console: 1'" }]);
    const rebound = await http(port, "/console/", { headers: { host: `evil.example:${port}` } });
    expect([rebound.status, JSON.parse(rebound.body).message]).toEqual([403, `the console must be addressed by a loopback host (127.0.0.1, [::1], localhost), not 'evil.example:${port}'`]);
    expect((await http(port, "/console/", { headers: { host: `localhost:${port}` } })).status).toBe(200);
    // Nothing changed; both refusals are in the audit trail, as the guard's are (found by
    // review, session 28: the console's own refusals, what a DNS-rebinding or cross-site
    // attempt looks like, were not recorded).
    // An API call is recorded under the method it asked for; the page's refusal changes nothing and is not recorded.
    const audit = (await h.admin<ad.QueryAuditResponse>("queryAudit", {})).records.map((r) => toJson(AuditRecordSchema, r));
    expect(audit).toEqual([
      {
        sequence: "1",
        timeMs: 1000,
        actor: "(unauthenticated)",
        action: "blockAccount",
        requestJson: "{}",
        outcome: "AUDIT_OUTCOME_DENIED",
        reason: "PERMISSION_DENIED",
        detail: expect.stringMatching(
          /^console: console API requests must carry the header 'x-openpit-console: 1' \(peer http:127\.0\.0\.1:\d+\) \(\/openpit\.sidecar\.v1\.AdminService\/BlockAccount\)$/,
        ),
      },
    ]);
    const reboundEvents = await http(port, "/console/api/events", { headers: { host: `evil.example:${port}`, "x-openpit-console": "1" } });
    expect(reboundEvents.status).toBe(403);
    const denied = (await h.admin<ad.QueryAuditResponse>("queryAudit", { action: "subscribe" })).records.map((r) => toJson(AuditRecordSchema, r));
    expect(denied).toMatchObject([{ actor: "(unauthenticated)", action: "subscribe", outcome: "AUDIT_OUTCOME_DENIED", reason: "PERMISSION_DENIED" }]);
  });

  it("streams account events as server-sent events", async () => {
    const received: string[] = [];
    const { request } = await import("node:http");
    const firstEvent = new Promise<string>((resolve, reject) => {
      const req = request({ host: "127.0.0.1", port, path: "/console/api/events", headers: { "x-openpit-console": "1" } }, (res) => {
        expect([res.statusCode, res.headers["content-type"]]).toEqual([200, "text/event-stream; charset=utf-8"]);
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => {
          received.push(chunk);
          const text = received.join("");
          if (text.includes("accountBlocked")) {
            resolve(text);
            req.destroy();
          }
          // Subscribed: now make the change.
          else if (text.startsWith(": subscribed")) void consoleAdmin(port, "BlockAccount", { accountId: "42", reason: "compliance hold" });
        });
      });
      req.on("error", (e) => (e.message === "socket hang up" ? undefined : reject(e)));
      req.end();
    });
    const text = await firstEvent;
    const accountEvent = text.split("\n\n").find((b) => b.includes("accountBlocked"))!;
    expect(accountEvent).toBe(
      `id: 1\nevent: account-event\ndata: ${JSON.stringify({ sequence: "1", accountBlocked: { accountId: "42", block: BLOCK }, actor: "local" })}`,
    );
  });

  it("refuses an integer past 2^53 instead of rounding it to another account (found by review)", async () => {
    // JSON.parse reads 12345678901234567891 as 12345678901234567168: another account.
    const raw = await fetch(`http://127.0.0.1:${port}/console/api/admin/BlockAccount`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-openpit-console": "1" },
      body: '{"accountId": 12345678901234567891, "reason": "compliance hold"}',
    });
    expect([raw.status, ((await raw.json()) as { message: string }).message]).toEqual([
      400,
      "the body is not a openpit.sidecar.v1.BlockAccountRequest in JSON: accountId: 12345678901234567000 is past 2^53 and would lose precision as a JSON number; send 64-bit ids as strings",
    ]);
    expect((await h.admin<ad.GetAccountStateResponse>("getAccountState", { accountId: 12345678901234567168n })).block).toBeUndefined();
  });

  // Found by review (console2): JSON.parse rounded a fractional id to an integer before the
  // check above saw it, so the call acted on another account. Numbers are checked as written.
  describe("numbers and keys checked as written, before JSON.parse reads them", () => {
    const post = (body: string) =>
      fetch(`http://127.0.0.1:${port}/console/api/admin/BlockAccount`, { method: "POST", headers: { "content-type": "application/json", "x-openpit-console": "1" }, body }).then(
        async (r) => ({ status: r.status, message: ((await r.json()) as { message: string }).message }),
      );
    const blocked = async (accountId: bigint) => (await h.admin<ad.GetAccountStateResponse>("getAccountState", { accountId })).block !== undefined;

    it("a fractional id that a double rounds to an integer is refused naming its offset, and no account is blocked", async () => {
      // JSON.parse reads 4503599627370497.5 as 4503599627370498.
      expect(await post('{"accountId": 4503599627370497.5, "reason": "compliance hold"}')).toEqual({
        status: 400,
        message:
          "the body is not a openpit.sidecar.v1.BlockAccountRequest in JSON: at offset 14, the number 4503599627370497.5 would be read as 4503599627370498 (a JSON number is a double): write the value meant with at most 15 significant digits, or as a string where a decimal or a 64-bit id is expected",
      });
      expect(await blocked(4503599627370498n)).toBe(false);
      // And 1.0000000000000001 as 1.
      expect(await post('{"accountId": 1.0000000000000001, "reason": "compliance hold"}')).toMatchObject({ status: 400, message: expect.stringContaining("the number 1.0000000000000001 would be read as 1 ") as unknown });
      expect(await blocked(1n)).toBe(false);
      // 1.5, which JSON.parse keeps fractional, was and is refused.
      expect((await post('{"accountId": 1.5, "reason": "compliance hold"}')).status).toBe(400);
      expect(await blocked(1n)).toBe(false);
    });

    it("a key written twice is refused (JSON.parse would keep the last), naming both offsets", async () => {
      expect(await post('{"accountId": "1", "reason": "x", "accountId": "2"}')).toEqual({
        status: 400,
        message:
          'the body is not a openpit.sidecar.v1.BlockAccountRequest in JSON: at offset 34, the key "accountId" is written again in the same object (first at offset 1): JSON would keep only the last value; write each key once',
      });
      expect([await blocked(1n), await blocked(2n)]).toEqual([false, false]);
    });

    it("ordinary bodies still pass: an id as a string or a number a double keeps (7, 8.0, 9e0), digits inside strings", async () => {
      expect(await post('{"accountId": "6", "reason": "hold 4503599627370497.5"}')).toEqual({ status: 200, message: undefined });
      expect(await post('{"accountId": 7, "reason": "hold"}')).toEqual({ status: 200, message: undefined });
      expect(await post('{"accountId": 8.0, "reason": "hold"}')).toEqual({ status: 200, message: undefined });
      expect(await post('{"accountId": 9e0, "reason": "hold"}')).toEqual({ status: 200, message: undefined });
      expect([await blocked(6n), await blocked(7n), await blocked(8n), await blocked(9n)]).toEqual([true, true, true, true]);
    });
  });
});

describe("console event stream resumed with Last-Event-ID", () => {
  let h: Harness;
  let port: number;
  afterEach(async () => {
    await h.close();
  });

  /** The server-sent events of one request until `until` is in the text (then the request is dropped). */
  const events = async (headers: Record<string, string>, until: string) => {
    const { request } = await import("node:http");
    return new Promise<string[]>((resolve, reject) => {
      let text = "";
      const req = request({ host: "127.0.0.1", port, path: "/console/api/events", headers: { "x-openpit-console": "1", ...headers } }, (res) => {
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => {
          text += chunk;
          if (!text.includes(until)) return;
          resolve(text.split("\n\n").filter((b) => b.startsWith("id: ")).map((b) => b.split("\n")[0]!));
          req.destroy();
        });
      });
      req.on("error", (e) => (e.message === "socket hang up" ? undefined : reject(e)));
      req.end();
    });
  };

  it("a reconnecting page gets the events after the last one it showed; one that cannot be resumed is refused with its kind", async () => {
    h = await startHarness();
    port = await h.server.http.listen("127.0.0.1:0");
    await h.admin("blockAccount", { accountId: ACCOUNT, reason: "hold" });
    await h.admin("unblockAccount", { accountId: ACCOUNT });
    // Block: accountBlocked, cancelWorkingOrdersSent, auditRecorded; unblock: accountUnblocked, auditRecorded.
    expect(await events({ "last-event-id": "3" }, "id: 5\n")).toEqual(["id: 4", "id: 5"]);
    const ahead = await http(port, "/console/api/events", { headers: { "x-openpit-console": "1", "last-event-id": "9" } });
    expect([ahead.status, JSON.parse(ahead.body)]).toEqual([
      409,
      {
        code: "FAILED_PRECONDITION",
        kind: "AHEAD",
        message:
          "after_sequence 9 is past the last event this sidecar has numbered (5): it is behind the one that event came from (a standby, or state restored from an older point); subscribe where the accounts are served",
      },
    ]);
  });

  it("events retained for every new subscriber (recovery's rollbacks) reach the page first (they were written before the response began, and lost)", async () => {
    h = await startHarness();
    port = await h.server.http.listen("127.0.0.1:0");
    h.server.state.events.publish({ kind: "reservationsRolledBack", accountId: AccountId.fromU64(ACCOUNT), reservationIds: [5n], reason: "recovery" }, true);
    expect(await events({}, "id: 1\n")).toEqual(["id: 1"]);
  });

  it("events no longer kept: 400 OUT_OF_RANGE, kind NOT_KEPT", async () => {
    h = await startHarness(testConfig({ limits: { eventsKeptForResume: 2 } }));
    port = await h.server.http.listen("127.0.0.1:0");
    await h.admin("blockAccount", { accountId: ACCOUNT, reason: "hold" });
    const gone = await http(port, "/console/api/events", { headers: { "x-openpit-console": "1", "last-event-id": "0" } });
    expect([gone.status, JSON.parse(gone.body).code, JSON.parse(gone.body).kind]).toEqual([400, "OUT_OF_RANGE", "NOT_KEPT"]);
  });
});

describe("console API with a security section", () => {
  const secure = useSecureHarness();
  let port: number;
  beforeEach(async () => {
    port = await secure.h.server.http.listen("127.0.0.1:0");
  });

  const bearer = (who: string) => ({ authorization: `Bearer ${secure.creds.tokens.get(who)}` });

  it("needs a bearer token; a monitor may read, not change; an operator's change is audited as theirs", async () => {
    expect(await consoleAdmin(port, "GetServerStatus")).toEqual({
      status: 401,
      json: { code: "UNAUTHENTICATED", message: "no credentials: present a client certificate or the metadata 'authorization: Bearer <token>'" },
    });
    expect((await consoleAdmin(port, "GetServerStatus", {}, bearer("monitor"))).status).toBe(200);
    expect(await consoleAdmin(port, "BlockAccount", { accountId: "77", reason: "compliance hold" }, bearer("monitor"))).toEqual({
      status: 403,
      json: { code: "PERMISSION_DENIED", message: "principal 'monitor' may not call /openpit.sidecar.v1.AdminService/BlockAccount: it needs the role operator" },
    });
    expect((await consoleAdmin(port, "BlockAccount", { accountId: "77", reason: "compliance hold" }, bearer("operator"))).status).toBe(200);
    const audit = (await consoleAdmin(port, "QueryAudit", {}, bearer("operator"))).json as { records: Record<string, unknown>[] };
    expect(audit.records.map((r) => [r.actor, r.action, r.outcome])).toEqual([
      ["(unauthenticated)", "getServerStatus", "AUDIT_OUTCOME_DENIED"],
      ["monitor", "blockAccount", "AUDIT_OUTCOME_DENIED"],
      ["operator", "blockAccount", "AUDIT_OUTCOME_APPLIED"],
    ]);
    expect(secure.h.denials.map((d) => d.detail)).toEqual([
      expect.stringMatching(/^no credentials: .* \(peer http:127\.0\.0\.1:\d+\)$/),
      // A role refusal names the console's peer too (found by review, session 31).
      expect.stringMatching(MONITOR_REFUSED),
    ]);
  });

  // Found by review (session 28): the body was decoded before the guard ran, so such a caller
  // got 400 (or 413), unrecorded, where over gRPC bytes that do not decode are refused first.
  it("checks who calls before what was sent: a body that does not decode is refused 401 or 403 and recorded; an admitted caller gets 400 or 413", async () => {
    const post = (body: string, headers: Record<string, string> = {}) =>
      http(port, "/console/api/admin/BlockAccount", { method: "POST", headers: { "content-type": "application/json", "x-openpit-console": "1", ...headers }, body });
    const unknownField = JSON.stringify({ accountId: "77", reason: "x", bogus: 1 });
    const tooLarge = JSON.stringify({ accountId: "77", reason: "x".repeat(4 * 1024 * 1024) });
    const answers = [await post("{not json"), await post(unknownField, bearer("monitor")), await post(tooLarge, bearer("monitor")), await post(unknownField, bearer("operator")), await post(tooLarge, bearer("operator"))];
    expect(answers.map((a) => [a.status, (JSON.parse(a.body) as { code: string }).code])).toEqual([
      [401, "UNAUTHENTICATED"],
      [403, "PERMISSION_DENIED"],
      [403, "PERMISSION_DENIED"],
      [400, "INVALID_ARGUMENT"],
      [413, "INVALID_ARGUMENT"],
    ]);
    expect((JSON.parse(answers[3]!.body) as { message: string }).message).toMatch(/^the body is not a openpit\.sidecar\.v1\.BlockAccountRequest in JSON: /);
    expect(secure.h.denials.map((d) => d.detail)).toEqual([
      expect.stringMatching(/^no credentials: /),
      expect.stringMatching(MONITOR_REFUSED),
      expect.stringMatching(MONITOR_REFUSED),
    ]);
  });

  it("refuses the event stream without a token", async () => {
    const answer = await http(port, "/console/api/events", { headers: { "x-openpit-console": "1" } });
    expect([answer.status, JSON.parse(answer.body).code]).toEqual([401, "UNAUTHENTICATED"]);
  });
});
