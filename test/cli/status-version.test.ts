/**
 * Found by review: `openpit status` showed the version only, and two builds of one version
 * whose replay rules differ cannot replay each other's journal (docs/operating.md, Upgrading).
 * Its version line carries the replay rules GetServerStatus reports; a sidecar built before
 * the field sends none, said so rather than shown as rules 0.
 */
import { create } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import * as op from "../../gen/openpit/sidecar/v1/operator_pb.js";
import { versionText } from "../../src/cli/commands/status.js";

describe("openpit status's version line", () => {
  it("shows the replay rules beside the version", () => {
    expect(versionText(create(op.GetServerStatusResponseSchema, { version: "0.1.0", replayRules: 3 }))).toBe("0.1.0 (replay rules 3)");
    expect(versionText(create(op.GetServerStatusResponseSchema, { version: "0.1.0", replayRules: 2 }))).toBe("0.1.0 (replay rules 2)");
  });

  it("says when a sidecar reports none (a build before GetServerStatus carried them)", () => {
    expect(versionText(create(op.GetServerStatusResponseSchema, { version: "0.1.0" }))).toBe("0.1.0 (replay rules not reported)");
  });
});
