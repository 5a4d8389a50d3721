/**
 * Found by review (session 34): unauthenticated refusals past the burst are only counted, and
 * a summary record tells how many a second after the first one counted. A graceful stop
 * within that second dropped it: the timer fired once the phase was "stopping", where nothing
 * is recorded. The stop now records the summary before it stops recording.
 */
import { create } from "@bufbuild/protobuf";
import { afterAll, expect, it } from "vitest";
import * as ad from "../../gen/openpit/sidecar/v1/admin_pb.js";
import { callUnary } from "../../src/client/index.js";
import { UNAUTHENTICATED_DENIAL_BURST } from "../../src/server/services/denial-throttle.js";
import { Credentials, startSecureHarness } from "./secure-harness.js";

const creds = new Credentials();
afterAll(() => creds.remove());

it("a graceful stop right after a flood of unauthenticated calls records the summary of those only counted", { timeout: 30_000 }, async () => {
  const h = await startSecureHarness(creds.security());
  const client = h.connect(creds.token("not-a-token")).admin;
  const flood = UNAUTHENTICATED_DENIAL_BURST + 10;
  for (let i = 0; i < flood; i++) {
    await expect(callUnary(client, "getJournalStatus", create(ad.GetJournalStatusRequestSchema))).rejects.toThrow(/UNAUTHENTICATED/);
  }
  expect(h.denials).toHaveLength(flood);
  await h.close();
  // Every refusal is in the trail: one by one, or in the summary the stop recorded.
  const denied = h.server.state.audit.query({ outcome: "denied", newestFirst: false, limit: 1000 }).records;
  const summaries = denied.map((r) => /^(\d+) unauthenticated calls? (?:was|were) refused and not recorded one by one/.exec(r.detail)).filter((m) => m !== null);
  expect(summaries).toHaveLength(1);
  expect(denied.length - 1 + Number(summaries[0]![1])).toBe(flood);
});
