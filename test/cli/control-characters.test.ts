/**
 * Found by review (session 37): the sidecar's text was printed as it came. A block reason is
 * typed by whoever blocked, and one holding a newline added rows to the `accounts` table and
 * lines to `state` (a fake account row under the real one); one holding ESC sequences reached
 * the operator's terminal raw from `accounts`, `state` and `events` (ESC [2J clears the screen,
 * ESC [1A ESC [2K erases the line above). Every table cell and field value is escaped as JSON
 * writes it (`\n`, `\u001b`; DEL and C1 too), columns sized on the escaped text; `events` quotes
 * any value with whitespace or a control character; block's answers and the sidecar's error
 * text are escaped the same way. --json output is unchanged.
 */
import { Metadata, status } from "@grpc/grpc-js";
import { create } from "@bufbuild/protobuf";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AccountEventSchema } from "../../gen/openpit/sidecar/v1/events_pb.js";
import { eventLine } from "../../src/cli/commands/events.js";
import { explainError } from "../../src/cli/connection.js";
import { fields, printable, table } from "../../src/cli/output.js";
import { runCaptured } from "./run-captured.js";
import { OTHER_ACCOUNT, seed, startHarness, type Harness } from "../server/harness.js";

/** Any C0 control (tab and newline included), DEL or C1 control. */
const RAW_CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/;

describe("control characters in the sidecar's text", () => {
  it("table() and fields() escape them, and size columns on the escaped text", () => {
    expect(table(["A", "B"], [["x\ny", "1"], ["\x1b[2J", "2"], ["tab\there", "\x9b31m"]])).toBe(
      ["A          B", "x\\ny       1", "\\u001b[2J  2", "tab\\there  \\u009b31m", ""].join("\n"),
    );
    expect(fields([["block", "hold\r\nfake: row\x7f"], ["group", "-"]])).toBe("block: hold\\r\\nfake: row\\u007f\ngroup: -\n");
    expect(printable("plain text, ünïcode, back\\slash")).toBe("plain text, ünïcode, back\\slash");
  });

  it("an event's value with a control character is quoted and escaped, with or without whitespace", () => {
    const blocked = (reason: string) =>
      eventLine(
        create(AccountEventSchema, {
          sequence: 7n,
          actor: "operator",
          event: { case: "accountBlocked", value: { accountId: 42n, block: { policy: "Engine", reason } } },
        }),
      );
    expect(blocked("hold\x1b[2Jcleared")).toContain(' block.reason="hold\\u001b[2Jcleared" ');
    expect(blocked("hold\x9b2J")).toContain(' block.reason="hold\\u009b2J" ');
    expect(blocked("compliance hold\nfake")).toContain(' block.reason="compliance hold\\nfake" ');
    expect(blocked("plain")).toContain(" block.reason=plain ");
    expect(blocked("compliance hold")).toContain(' block.reason="compliance hold" ');
  });

  it("the sidecar's error text is escaped", () => {
    const metadata = new Metadata();
    metadata.set("openpit-error-kind", "KIND");
    const e = Object.assign(new Error("x"), { code: status.FAILED_PRECONDITION, details: "account 42: hold\x1b[2J\nnext", metadata });
    expect(explainError(e, "127.0.0.1:1")).toBe("account 42: hold\\u001b[2J\\nnext (FAILED_PRECONDITION, KIND)");
  });

  describe("against a live sidecar", () => {
    let h: Harness;
    const cli = (...argv: string[]) => runCaptured([...argv, "--target", h.address]);
    beforeAll(async () => {
      h = await startHarness();
      await h.channel().send(seed("USD", "10000"), seed("USD", "2500", OTHER_ACCOUNT));
    });
    afterAll(async () => {
      await h.close();
    });

    it("a block reason holding a newline does not add rows to the accounts table nor lines to state", async () => {
      const reason = "compliance hold\n501       -   5      USD       -        0             -";
      expect((await cli("block", String(OTHER_ACCOUNT), "--reason", reason)).code).toBe(0);
      const accounts = await cli("accounts");
      expect(accounts.code).toBe(0);
      const listed = Number(/^(\d+) of \d+ accounts$/m.exec(accounts.out)?.[1]);
      // One header, one row per account, one summary line.
      expect({ lines: accounts.out.trimEnd().split("\n").length, out: accounts.out }).toEqual({ lines: listed + 2, out: accounts.out });
      expect(accounts.out).toContain("blocked (Engine): compliance hold\\n501       -   5");
      const state = await cli("state", String(OTHER_ACCOUNT));
      expect(state.out.split("\n").filter((l) => l.startsWith("501 "))).toEqual([]);
      expect(state.out).toContain("block:             blocked (Engine): compliance hold\\n501 ");
      await cli("unblock", String(OTHER_ACCOUNT));
    });

    it("a block reason holding terminal escape sequences is not written raw by block, accounts, state, events or block --group", async () => {
      const reason = "hold\x1b[1A\x1b[2K\x1b[2Jcleared";
      const seen: { argv: string; code: number; rawControl: boolean; escaped: boolean }[] = [];
      const look = (argv: readonly string[], r: { code: number; out: string; err: string }) =>
        seen.push({ argv: argv.slice(0, 2).join(" "), code: r.code, rawControl: RAW_CONTROL.test(r.out + r.err), escaped: r.out.includes("hold\\u001b[1A\\u001b[2K\\u001b[2Jcleared") });
      for (const argv of [["block", "601", "--reason", reason], ["accounts"], ["state", "601"], ["block", "--group", "5", "--reason", reason]]) {
        look(argv, await cli(...argv));
      }
      // events follows until Ctrl-C: interrupted once the kept events are printed.
      const events = await runCaptured(["events", "--after", "0", "--target", h.address], {}, new Promise((resolve) => setTimeout(resolve, 1_000)));
      look(["events"], events);
      expect(seen).toEqual(seen.map((s) => ({ ...s, code: 0, rawControl: false, escaped: true })));
      const json = await cli("state", "601", "--json");
      expect((JSON.parse(json.out) as { block: { reason: string } }).block.reason).toBe(reason);
      await cli("unblock", "601");
      await cli("unblock", "--group", "5");
    });
  });
});
