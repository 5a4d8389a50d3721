/**
 * Found by review (session 37): `--token A --token B` was refused as an option given twice, and
 * the message quoted both values: both bearer tokens on stderr, in the terminal's scrollback and
 * in CI logs. `--token --s3cret…` (a value starting with --) quoted it too. A secret option's
 * usage errors name the option, never its value; other options' messages still quote theirs.
 */
import { describe, expect, it } from "vitest";
import { runCaptured } from "./run-captured.js";

describe("a secret option's value in usage errors", () => {
  it("a --token given twice is refused without printing either token", async () => {
    for (const argv of [
      ["status", "--token", "s3cret-first-token", "--token", "s3cret-second-token"],
      ["status", "--token=s3cret-first-token", "--token=s3cret-second-token"],
      ["block", "42", "--reason", "x", "--token", "s3cret-first-token", "--token=s3cret-second-token"],
    ]) {
      const r = await runCaptured([...argv, "--target", "127.0.0.1:1"]);
      expect({ argv, code: r.code, out: r.out, first: r.err.split("\n")[0], leaked: r.err.includes("s3cret") }).toEqual({
        argv,
        code: 2,
        out: "",
        first: `openpit ${argv[0]}: --token is given more than once (the values are secret, not shown): it takes one value`,
        leaked: false,
      });
    }
  });

  it("a --token value taken for an option is refused without printing it", async () => {
    const r = await runCaptured(["status", "--token", "--s3cret-token", "--target", "127.0.0.1:1"]);
    expect({ code: r.code, first: r.err.split("\n")[0], leaked: r.err.includes("s3cret") }).toEqual({
      code: 2,
      first: "openpit status: --token needs a value, not an option (write --token=VALUE for a value that starts with --)",
      leaked: false,
    });
  });

  it("other options' messages still quote their values", async () => {
    const twice = await runCaptured(["status", "--token-file", "/a", "--token-file", "/b", "--target", "127.0.0.1:1"]);
    expect(twice.err.split("\n")[0]).toBe("openpit status: --token-file is given more than once ('/a', then '/b'): it takes one value; run the command once for each");
    const option = await runCaptured(["block", "7", "--reason", "--help", "--target", "127.0.0.1:1"]);
    expect(option.err.split("\n")[0]).toBe("openpit block: --reason needs a value, not the option '--help' (write --reason=--help to mean it)");
  });
});
