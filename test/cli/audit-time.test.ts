/**
 * Found by review (session 30): `audit --since/--until` read any text that was not digits with
 * Date.parse, so '-5' became 2001-05-01 (local time), '1 2' 2001-01-02, and 2026-02-30 rolled
 * over into March: the query ran on a window nobody asked for and exited 0. TIME is epoch
 * milliseconds or ISO 8601 in the forms the usage names; anything else, a date that does not
 * exist and a date-time without a zone are usage errors (exit 2), and nothing is sent.
 */
import { create } from "@bufbuild/protobuf";
import { Server, ServerCredentials, type sendUnaryData, type UntypedServiceImplementation } from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as ad from "../../gen/openpit/sidecar/v1/admin_pb.js";
import { runCli } from "../../src/cli/run-cli.js";
import { serviceDefinition } from "../../src/transport/service-definition.js";

/** An AdminService whose QueryAudit keeps each request's time window and answers no records. */
let server: Server;
let target = "";
const windows: { from?: number; to?: number }[] = [];
beforeAll(async () => {
  const impl: UntypedServiceImplementation = {};
  for (const m of ad.AdminService.methods) {
    impl[m.localName] = (call: { request: ad.QueryAuditRequest }, callback: sendUnaryData<unknown>) => {
      if (m.name !== "QueryAudit") return callback({ code: 12, details: "not here" });
      windows.push({ from: call.request.fromTimeMs, to: call.request.toTimeMs });
      callback(null, create(ad.QueryAuditResponseSchema, {}));
    };
  }
  server = new Server();
  server.addService(serviceDefinition(ad.AdminService), impl);
  const port = await new Promise<number>((resolve, reject) => server.bindAsync("127.0.0.1:0", ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))));
  target = `127.0.0.1:${port}`;
});
afterAll(() => server.forceShutdown());

const audit = async (...argv: string[]) => {
  let err = "";
  const code = await runCli(["audit", ...argv, "--target", target], { out: () => {}, err: (t) => (err += t) }, {});
  return { code, err };
};

describe("audit --since/--until TIME", () => {
  it("takes epoch milliseconds, an ISO 8601 date (midnight UTC) and a date-time with Z or an offset", async () => {
    const cases: [string, number][] = [
      ["1764669600000", 1764669600000],
      ["2026-12-02", Date.UTC(2026, 11, 2)],
      ["2026-12-02T10:00Z", Date.UTC(2026, 11, 2, 10)],
      ["2026-12-02T10:00:00Z", Date.UTC(2026, 11, 2, 10)],
      ["2026-12-02T10:00:00.25Z", Date.UTC(2026, 11, 2, 10, 0, 0, 250)],
      ["2026-12-02T10:00:00+01:00", Date.UTC(2026, 11, 2, 9)],
      ["2026-12-02T10:00:00-05:30", Date.UTC(2026, 11, 2, 15, 30)],
      ["2024-02-29T23:59:59Z", Date.UTC(2024, 1, 29, 23, 59, 59)],
    ];
    const got: Record<string, unknown> = {};
    const want: Record<string, unknown> = {};
    for (const [text, ms] of cases) {
      windows.length = 0;
      const run = await audit("--since", text, "--until", text);
      got[text] = { code: run.code, windows: [...windows] };
      want[text] = { code: 0, windows: [{ from: ms, to: ms }] };
    }
    expect(got).toEqual(want);
  });

  it("refuses anything else as a usage error naming the forms, and sends nothing", async () => {
    const refused = ["-5", "1 2", "2026-02-30T00:00:00Z", "2025-02-29", "2026-13-01", "2026-12-02T24:00:00Z", "2026-12-02T10:60Z", "2026-12-02T10:00:00", "2026-12-02T10:00:00+24:00", "Dec 2 2026", "2026-12-02 10:00:00Z", "yesterday", ""];
    windows.length = 0;
    const got: Record<string, unknown> = {};
    const want: Record<string, unknown> = {};
    for (const flag of ["--since", "--until"]) {
      for (const text of refused) {
        const run = await audit(flag, text);
        got[`${flag} ${text}`] = { code: run.code, says: run.err.startsWith(`openpit audit: ${flag} takes epoch milliseconds (1764669600000), an ISO 8601 date (2026-12-02, midnight UTC) or date-time with Z or an offset (2026-12-02T10:00:00Z, 2026-12-02T10:00+01:00), not '${text}'\nusage: `) };
        want[`${flag} ${text}`] = { code: 2, says: true };
      }
    }
    expect(got).toEqual(want);
    expect(windows).toEqual([]);
  });
});
