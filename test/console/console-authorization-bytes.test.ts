/**
 * Found by review: the web console turned the HTTP Authorization header into gRPC metadata
 * with `Metadata.set`, which throws on a byte outside printable ASCII (HTTP allows them: a
 * token pasted with a trailing no-break space). The throw escaped the guard: 500 instead of
 * 401, no denial recorded, and the listener's `http_error` log quoted the header, token
 * included. Such a header is now left out, as grpc-js leaves it out of a gRPC call.
 */
import { Writable } from "node:stream";
import { afterAll, afterEach, beforeEach, describe, expect, it } from "vitest";
import { createLogger } from "../../src/server/log/sidecar-log.js";
import { Credentials, startSecureHarness, type SecureHarness } from "../security/secure-harness.js";
import { http } from "../console/console-http.js";

describe("console: an Authorization header with a non-ASCII byte", () => {
  const creds = new Credentials();
  let h: SecureHarness;
  let port: number;
  let log: string[];
  beforeEach(async () => {
    log = [];
    const destination = new Writable({
      write: (chunk: Buffer, _e, done) => {
        log.push(chunk.toString());
        done();
      },
    });
    h = await startSecureHarness(creds.security(), {}, createLogger("info", destination));
    port = await h.server.http.listen("127.0.0.1:0");
  });
  afterEach(async () => {
    await h.close();
  });
  afterAll(() => creds.remove());

  it("admin call: is refused 401 and recorded as a denial, and the token is not written to the log", async () => {
    const token = creds.tokens.get("operator")!;
    // A token pasted with a trailing no-break space (latin1 0xA0, legal in an HTTP header value).
    const answer = await http(port, "/console/api/admin/GetServerStatus", {
      method: "POST",
      headers: { "content-type": "application/json", "x-openpit-console": "1", authorization: `Bearer ${token}\u00a0` },
      body: "{}",
    });
    const denialsRecorded = h.server.state.audit.query({ outcome: "denied", newestFirst: false, limit: 100 }).records.length;
    expect({ status: answer.status, denialsRecorded, tokenInLog: log.some((l) => l.includes(token)) }).toEqual({ status: 401, denialsRecorded: 1, tokenInLog: false });
  });

  it("event stream: is refused 401 as well", async () => {
    const token = creds.tokens.get("monitor")!;
    const answer = await http(port, "/console/api/events", { headers: { "x-openpit-console": "1", authorization: `Bearer ${token}\u00a0` } });
    expect({ status: answer.status, tokenInLog: log.some((l) => l.includes(token)) }).toEqual({ status: 401, tokenInLog: false });
  });
});
