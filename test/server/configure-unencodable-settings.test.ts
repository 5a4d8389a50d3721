/**
 * Found by review: ConfigurePolicy naming a policy whose settings are not parsed (unknown, or
 * without runtime settings) with settings_json that JSON.parse accepts but nothing after it
 * can hold — a number past the double range (`1e400` reads as Infinity, which the journal
 * cannot encode) or nesting deep enough to overflow the recursive journal and audit encoders —
 * failed INTERNAL with no audit record (docs/security.md: bad input is never INTERNAL). Now
 * such JSON is malformed input: INVALID_ARGUMENT naming the field, before the door, and
 * nothing changes.
 */
import { status } from "@grpc/grpc-js";
import { afterEach, describe, expect, it } from "vitest";
import { testConfig } from "./harness.js";
import { adminFailure } from "./results.js";
import { startDurable, tempDir, type DurableSidecar } from "./controls-world.js";

describe("ConfigurePolicy with JSON nothing can hold", () => {
  let s: DurableSidecar | undefined;
  let dir: { remove(): void } | undefined;
  afterEach(async () => {
    await s?.stop();
    dir?.remove();
  });

  const DEEP = "[".repeat(20_000) + "]".repeat(20_000);
  const cases: [string, Record<string, string>, string][] = [
    ["an unknown policy, 1e400", { policyName: "NoSuchPolicy", settingsJson: '{"x":1e400}' }, "settings_json: a number is outside the range of a double"],
    ["a policy without runtime settings, -1e400", { policyName: "OrderValidationPolicy", settingsJson: '{"x":[-1e400]}' }, "settings_json: a number is outside the range of a double"],
    ["an unknown policy, nested 20 000 deep", { policyName: "NoSuchPolicy", settingsJson: DEEP }, "settings_json: nested deeper than 64 levels"],
    ["expected settings nested 20 000 deep", { policyName: "RateLimitPolicy", settingsJson: "{}", expectedSettingsJson: DEEP }, "expected_settings_json: nested deeper than 64 levels"],
  ];
  for (const [what, request, message] of cases) {
    it(`${what}: INVALID_ARGUMENT naming the field, nothing journaled`, async () => {
      const d = tempDir();
      dir = d;
      s = await startDurable(testConfig(), d.path, 1_000);
      const before = s.sidecar.server.state.journal.lastSequence;
      expect(await adminFailure(s as never, "configurePolicy", request)).toEqual([status.INVALID_ARGUMENT, message, "INVALID_VALUE"]);
      expect(s.sidecar.server.state.journal.lastSequence).toBe(before);
    });
  }

  // Found by review (session 36): valid JSON with a key named "constructor" could not be
  // journaled (the encoder read the key where it meant the prototype's constructor), so the
  // call failed INTERNAL, unaudited; it is refused as the same request with another key is.
  it("a key named 'constructor' is journaled and refused as any other key is (unknown policy: NOT_FOUND, audited)", async () => {
    const d = tempDir();
    dir = d;
    s = await startDurable(testConfig(), d.path, 1_000);
    const journal = s.sidecar.server.state.journal;
    const answers = [];
    for (const key of ["constructorx", "constructor"]) {
      const before = journal.lastSequence;
      const answer = await adminFailure(s as never, "configurePolicy", { policyName: "NoSuchPolicy", settingsJson: `{"${key}":1,"x":{"${key}":"y"}}` });
      answers.push({ answer, journaled: journal.lastSequence - before });
    }
    expect(answers[1]).toEqual(answers[0]);
    expect(answers[1]).toEqual({ answer: [status.NOT_FOUND, "no policy named 'NoSuchPolicy'", "UNKNOWN_NAME"], journaled: 1n });
  });
});
