/**
 * Found by review (session 30): a bearer token grpc-js cannot carry as metadata (a trailing
 * newline from a secret file exported as OPENPIT_TOKEN, a non-ASCII character) was quoted
 * whole in grpc-js's error, which the CLI prints to stderr and a gateway logs. The client now
 * refuses such a token in words that do not repeat it; the CLI trims OPENPIT_TOKEN as it
 * trims a token file and refuses the rest as a usage error (exit 2).
 */
import { create } from "@bufbuild/protobuf";
import { afterEach, describe, expect, it } from "vitest";
import * as op from "../../gen/openpit/sidecar/v1/operator_pb.js";
import { callUnary, connect, isSendableToken } from "../../src/client/index.js";
import { runCli } from "../../src/cli/run-cli.js";
import { startHarness, type Harness } from "../server/harness.js";

const SECRET = "s3cret-operator-token";

describe("a bearer token that cannot be sent is not echoed", () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it("which tokens a header carries", () => {
    expect([SECRET, "a b", "~!", "x"].map(isSendableToken)).toEqual([true, true, true, true]);
    expect(["", " x", "x ", `${SECRET}\n`, `${SECRET}\u00e9`, "a\tb", "\u0000"].map(isSendableToken)).toEqual([false, false, false, false, false, false, false]);
  });

  it("CLI: OPENPIT_TOKEN with a trailing newline (a secret file's) is trimmed and sent", async () => {
    h = await startHarness();
    let err = "";
    const code = await runCli(["status", "--target", h.address], { out: () => {}, err: (t) => (err += t) }, { OPENPIT_TOKEN: `${SECRET}\n` });
    expect({ code, err }).toEqual({ code: 0, err: "" });
  });

  it("CLI: --token with a character a header cannot carry is a usage error that does not print it", async () => {
    h = await startHarness();
    let err = "";
    const code = await runCli(["status", "--target", h.address, "--token", `${SECRET}\u00e9`], { out: () => {}, err: (t) => (err += t) }, {});
    expect({ code, leaked: err.includes(SECRET) }).toEqual({ code: 2, leaked: false });
    expect(err).toContain("the bearer token cannot be sent: only printable ASCII goes in a header");
  });

  it("client: connect() with such a token throws without the token in the error", async () => {
    h = await startHarness();
    let message = "";
    try {
      const clients = connect(h.address, { bearerToken: `${SECRET}\n` });
      try {
        await callUnary(clients.admin, "getServerStatus", create(op.GetServerStatusRequestSchema, {}));
      } finally {
        clients.close();
      }
      message = "(the call succeeded)";
    } catch (e) {
      message = (e as Error).message;
    }
    expect({ leaked: message.includes(SECRET), message }).toEqual({ leaked: false, message: expect.stringMatching(/^bearerToken cannot be sent: only printable ASCII/) });
  });
});
