/** The package's client entry point (`openpit-sidecar/client`, package.json "exports") is the TypeScript client. */
import { describe, expect, it } from "vitest";
import * as direct from "../../src/client/index.js";

describe("openpit-sidecar/client", () => {
  it("resolves by package name to the same client as src/client", async () => {
    const entry = (await import("openpit-sidecar/client")) as typeof direct;
    expect(Object.keys(entry).sort()).toEqual(["AccountChannel", "AmbiguousHandleError", "AnswerMismatchError", "ChannelClosedError", "DEFAULT_MAX_MESSAGE_BYTES", "MessageRefusedError", "OwnerFollowingChannel", "PartialSendError", "ReportFeed", "UnreachableError", "callUnary", "connect", "connectRefusal", "isNoOwnerYet", "isSendableToken", "makeClient", "notOwnerAddress"]);
    expect(entry.connect).toBe(direct.connect);
  });
});
