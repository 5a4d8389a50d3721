/**
 * What the console's own refusals write into the audit trail. Any web page open in the
 * operator's browser can make it send a refused request (a "simple" cross-site POST needs no
 * preflight), so nothing of the request's own text may reach a record unbounded, nor choose
 * its action (found by review, session 34: a made-up method name of 8000 characters became a
 * 16 KB record under an action of the sender's choosing, and a Host header was quoted whole).
 */
import { toJson } from "@bufbuild/protobuf";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import * as ad from "../../gen/openpit/sidecar/v1/admin_pb.js";
import { AuditRecordSchema } from "../../gen/openpit/sidecar/v1/audit_pb.js";
import { startHarness, type Harness } from "../server/harness.js";
import { http } from "./console-http.js";

/** A POST any page can send cross-site: no console header, a text/plain body. */
const CROSS_SITE = { method: "POST", headers: { "content-type": "text/plain", origin: "http://evil.example" }, body: "{}" };

describe("the console's refusals in the audit trail", () => {
  let h: Harness;
  let port: number;
  beforeEach(async () => {
    h = await startHarness();
    port = await h.server.http.listen("127.0.0.1:0");
  });
  afterEach(async () => {
    await h.close();
  });

  const audit = async () => (await h.admin<ad.QueryAuditResponse>("queryAudit", {})).records.map((r) => toJson(AuditRecordSchema, r) as Record<string, string>);

  it("a refused call to a method that does not exist is recorded under one fixed action, none of its name in the record", async () => {
    const name = "X".repeat(8000);
    const mimic = "blockAccount";
    for (const method of [name, mimic, "StreamQuotes", "BlockAccount/extra"]) {
      expect((await http(port, `/console/api/admin/${method}`, CROSS_SITE)).status).toBe(403);
    }
    const records = await audit();
    expect(records.map((r) => [r.action, r.reason, r.actor])).toEqual([...Array(4)].map(() => ["(unknown)", "PERMISSION_DENIED", "(unauthenticated)"]));
    for (const r of records) {
      expect(r.detail).toMatch(
        /^console: console API requests must carry the header 'x-openpit-console: 1' \(peer http:127\.0\.0\.1:\d+\) \(\/console\/api\/admin\/\(unknown\)\)$/,
      );
    }
    // A real method refused alike is still recorded under its own name, as the guard names it.
    expect((await http(port, "/console/api/admin/BlockAccount", CROSS_SITE)).status).toBe(403);
    expect((await audit()).at(-1)).toMatchObject({ action: "blockAccount", detail: expect.stringMatching(/\(\/openpit\.sidecar\.v1\.AdminService\/BlockAccount\)$/) });
  });

  it("an admitted call to a method that does not exist is a 404 and not recorded, as gRPC's UNIMPLEMENTED is not", async () => {
    const answer = await http(port, `/console/api/admin/${"X".repeat(8000)}`, { method: "POST", headers: { "content-type": "application/json", "x-openpit-console": "1" }, body: "{}" });
    expect([answer.status, JSON.parse(answer.body)]).toEqual([404, { code: "NOT_FOUND", message: `no unary AdminService method '${"X".repeat(100)}…' (8000 characters)` }]);
    expect(await audit()).toEqual([]);
  });

  it("a Host header that is not loopback is quoted to 100 characters, with its length, in the answer and the record", async () => {
    const host = `${"a".repeat(5000)}.evil.example:${port}`;
    const answer = await http(port, "/console/api/admin/BlockAccount", { method: "POST", headers: { host, "x-openpit-console": "1" }, body: "{}" });
    const text = `the console must be addressed by a loopback host (127.0.0.1, [::1], localhost), not '${"a".repeat(100)}…' (${host.length} characters)`;
    expect([answer.status, JSON.parse(answer.body)]).toEqual([403, { code: "PERMISSION_DENIED", message: text }]);
    const [record, ...more] = await audit();
    expect(more).toEqual([]);
    expect(record).toMatchObject({ action: "blockAccount", detail: expect.stringMatching(/^console: .* \(peer http:127\.0\.0\.1:\d+\) \(\/openpit\.sidecar\.v1\.AdminService\/BlockAccount\)$/) });
    expect(String(record?.detail).startsWith(`console: ${text} (peer `)).toBe(true);
    // A short one is quoted whole, as before.
    const short = await http(port, "/console/api/events", { headers: { host: `evil.example:${port}`, "x-openpit-console": "1" } });
    expect(JSON.parse(short.body).message).toBe(`the console must be addressed by a loopback host (127.0.0.1, [::1], localhost), not 'evil.example:${port}'`);
  });
});
