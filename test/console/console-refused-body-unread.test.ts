/**
 * The console decodes an admin call's JSON body only for a caller the guard admitted. Checking
 * every number of a 4 MiB body took seconds of the event loop, which every channel waits behind,
 * and any process on the host could make the sidecar spend them before it answered 401 (found
 * by review, session 46). A refused caller's body is never parsed.
 */
import { beforeEach, describe, expect, it, vi } from "vitest";
import { useSecureHarness } from "../security/secure-harness.js";
import { http } from "./console-http.js";

describe("console: a refused caller's body", () => {
  const secure = useSecureHarness(async () => vi.restoreAllMocks());
  let port: number;
  beforeEach(async () => {
    port = await secure.h.server.http.listen("127.0.0.1:0");
  });

  it("is not parsed: 401 without a token, 403 for a monitor; an operator's is", async () => {
    const parse = vi.spyOn(JSON, "parse");
    // Distinct bodies, so that each call's parse is told apart from anything else parsed.
    const bodies = ['{"accountId":"701","reason":"a"}', '{"accountId":"702","reason":"b"}', '{"accountId":"703","reason":"c"}'];
    const parsedBodies = () => parse.mock.calls.map(([text]) => text).filter((text) => bodies.includes(text));
    const post = (body: string, headers: Record<string, string> = {}) =>
      http(port, "/console/api/admin/BlockAccount", { method: "POST", headers: { "content-type": "application/json", "x-openpit-console": "1", ...headers }, body });

    expect((await post(bodies[0]!)).status).toBe(401);
    expect((await post(bodies[1]!, { authorization: `Bearer ${secure.creds.tokens.get("monitor")}` })).status).toBe(403);
    expect(parsedBodies()).toEqual([]);

    expect((await post(bodies[2]!, { authorization: `Bearer ${secure.creds.tokens.get("operator")}` })).status).toBe(200);
    expect(parsedBodies()).toEqual([bodies[2]]);
  });
});
