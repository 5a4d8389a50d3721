/**
 * grpc-js's own log in the structured log (src/app/grpc-log.ts, wired as main.ts does).
 * Found by review (session 28): a call whose `authorization` header carried a byte grpc-js's
 * Metadata refuses (a no-break space pasted beside the token, which HTTP/2 allows) made
 * grpc-js log "Failed to add metadata entry authorization: Bearer <token>…" at error: the
 * caller's token in the log, one error line per call.
 */
import { connect as h2connect } from "node:http2";
import { afterEach, describe, expect, it } from "vitest";
import { quietGrpcBindLog } from "../../src/app/grpc-log.js";
import { createLogger } from "../../src/server/log/sidecar-log.js";
import { LogCapture } from "./observed-sidecar.js";
import { startHarness, type Harness } from "../server/harness.js";

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const SECRET = "s3cr3t-token-ABCDEF0123456789";

describe("grpc-js's log in the structured log", () => {
  it("names a caller's refused header at debug and never quotes its value", async () => {
    const capture = new LogCapture();
    quietGrpcBindLog(createLogger("debug", capture));
    h = await startHarness();
    const session = h2connect(`http://${h.address}`);
    const status = await new Promise<string | undefined>((resolve, reject) => {
      const req = session.request({
        ":method": "POST",
        ":path": "/openpit.sidecar.v1.AdminService/GetServerStatus",
        "content-type": "application/grpc",
        te: "trailers",
        authorization: `Bearer ${SECRET}\u00a0x`,
      });
      let grpcStatus: string | undefined;
      req.on("response", (headers) => (grpcStatus = headers["grpc-status"] as string | undefined));
      req.on("trailers", (trailers) => (grpcStatus = trailers["grpc-status"] as string | undefined));
      req.on("data", () => {});
      req.on("end", () => resolve(grpcStatus));
      req.on("error", reject);
      req.end(Buffer.from([0, 0, 0, 0, 0])); // an empty GetServerStatusRequest
    });
    session.close();
    expect(status).toBe("0"); // the harness has no principals: the call itself goes on
    expect(capture.lines.filter((l) => JSON.stringify(l).includes(SECRET))).toEqual([]);
    const refused = capture.of("grpc").filter((l) => l.header === "authorization");
    expect(refused.map((l) => [l.level, l.msg])).toEqual([["debug", "a call's header was left out: its value is not printable ASCII"]]);
  });
});
