/**
 * The operator CLI against a live server: every command's table and --json output checked
 * against golden files (test/cli/golden/; regenerate with `npx vitest run test/cli -u`
 * and review the diff). Ports vary from run to run and are shown as PORT, the configuration
 * digest as DIGEST.
 */
import { spawn } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { runCli } from "../../src/cli/run-cli.js";
import { runCaptured } from "./run-captured.js";
import { configDigest, effectiveConfig } from "../../src/app/server-identity.js";
import { shownSettingsJson } from "../../src/policies/catalog.js";
import { parseSidecarConfig } from "../../src/server/config/sidecar-config.js";
import { REPLAY_RULES } from "../../src/state/journal-writer.js";
import { ACCOUNT, OTHER_ACCOUNT, order, seed, startHarness, testConfig, type Harness } from "../server/harness.js";
import { as } from "../server/results.js";

interface Run {
  readonly code: number;
  readonly out: string;
  readonly err: string;
}

/** The digest of the test configuration changes with every new configuration key: shown as DIGEST (its value is checked in operator-queries.test.ts). */
let DIGEST = "";
const normalize = (text: string) => text.replace(/127\.0\.0\.1:\d+/g, "127.0.0.1:PORT").replaceAll(DIGEST, "DIGEST");

describe("openpit CLI", () => {
  let h: Harness;
  const cli = async (...argv: string[]): Promise<Run> => {
    const { code, out, err } = await runCaptured([...argv, "--target", h.address]);
    return { code, out: normalize(out), err: normalize(err) };
  };
  /** Exit 0, nothing on stderr, stdout as the golden file says. */
  const golden = async (file: string, ...argv: string[]) => {
    const run = await cli(...argv);
    expect([run.code, run.err]).toEqual([0, ""]);
    await expect(run.out).toMatchFileSnapshot(`golden/${file}`);
  };

  beforeAll(async () => {
    h = await startHarness();
    DIGEST = configDigest(effectiveConfig(parseSidecarConfig(testConfig()), (type) => shownSettingsJson(h.server.state.engine.policy(type)!)));
    const ch = h.channel();
    await ch.send(seed("USD", "10000"), seed("USD", "2500", OTHER_ACCOUNT));
    // An open reservation: 1 000 USD held, 10 AAPL incoming.
    expect(as(await ch.one({ case: "executePreTrade", value: { order: order() } }), "execute").accepted).toBe(true);
    await h.admin("registerGroup", { accountIds: [500n, 501n], groupId: 5 });
    h.clock.advance(90_500);
  });
  afterAll(async () => {
    await h.close();
  });
  const policySettingsOf = async (policy: string) =>
    JSON.parse((await h.admin<{ settingsJson: string }>("getPolicySettings", { policyName: policy })).settingsJson) as Record<string, unknown>;

  it("status", async () => {
    await golden("status.txt", "status");
    await golden("status.json", "status", "--json");
  });

  it("block and unblock, with the reason; the first cause wins unless --replace", async () => {
    await golden("block.txt", "block", String(OTHER_ACCOUNT), "--reason", "compliance hold");
    await golden("block-again.txt", "block", String(OTHER_ACCOUNT), "--reason", "another reason");
    await golden("block-group.json", "block", "--group", "5", "--reason", "desk closed", "--json");
    // The group's first cause is kept, and the answer says so (it printed the new reason).
    expect(await cli("block", "--group", "5", "--reason", "another reason")).toEqual({
      code: 0,
      out: "group 5: blocked: desk closed (it was blocked already: the first cause wins; --replace to re-word it)\n",
      err: "",
    });
    await golden("accounts.txt", "accounts");
    await golden("accounts-blocked.json", "accounts", "--blocked", "--json");
    await golden("accounts-page.txt", "accounts", "--limit", "2");
    await golden("groups.txt", "groups");
    await golden("unblock-group.txt", "unblock", "--group", "5");
  });

  it("state, channels", async () => {
    await golden("state.txt", "state", String(ACCOUNT));
    await golden("state.json", "state", String(ACCOUNT), "--json");
    await golden("channels.txt", "channels");
  });

  it("policies and configure with typed --set values", async () => {
    await golden("policies-order-size.txt", "policies", "OrderSizeLimitPolicy");
    await golden("configure.txt", "configure", "OrderSizeLimitPolicy", "--set", "broker.maxQuantity=500", "--set", "broker.maxNotional=250000");
    await golden("configure-dry-run.json", "configure", "RateLimitPolicy", "--set", "broker.windowMs=2000", "--dry-run", "--json");
    await golden("policies.txt", "policies");
  });

  it("events --limit, then audit", async () => {
    let followErr = "";
    let followOut = "";
    const following = runCli(["events", "--follow", "--limit", "2", "--target", h.address], { out: (t) => (followOut += t), err: (t) => (followErr += t) }, {});
    // The stream is a real socket: wait (with a deadline) until the server has the subscriber.
    await vi.waitFor(() => expect(h.server.state.events.subscriberCount).toBe(1), { timeout: 5_000 });
    await cli("unblock", String(OTHER_ACCOUNT));
    expect(await following).toBe(0);
    // The CLI's own cancel, once the server has seen it, wrote nothing on stderr (it printed CANCELLED).
    await vi.waitFor(() => expect(h.server.state.events.subscriberCount).toBe(0), { timeout: 5_000 });
    expect(followErr).toBe("");
    await expect(normalize(followOut)).toMatchFileSnapshot("golden/events.txt");
    await golden("audit.txt", "audit");
    await golden("audit-filtered.json", "audit", "--action", "blockAccount", "--json");
    // A later run picks up after the last event it printed: the same two lines, nothing else.
    const last = /^#(\d+) /.exec(followOut.split("\n")[0]!)![1]!;
    const resumed = await cli("events", "--after", String(BigInt(last) - 1n), "--limit", "2");
    expect([resumed.code, resumed.err, resumed.out]).toEqual([0, "", normalize(followOut)]);
    const ahead = await cli("events", "--after", "999999");
    expect([ahead.code, ahead.err.split(":")[0]]).toEqual([1, "openpit"]);
    expect(ahead.err).toContain("after_sequence 999999 is past the last event this sidecar has numbered");
  });

  it("audit pages with the hint it prints: forward oldest first, backward newest first", async () => {
    const seqs = (out: string) => out.split("\n").filter((l) => /^\d/.test(l)).map((l) => Number(l.split(/\s+/)[0]));
    const total = seqs((await cli("audit", "--limit", "1000")).out).length;
    expect(total).toBeGreaterThan(4);
    const walk = async (...flags: string[]) => {
      const seen: number[] = [];
      let page: string[] = [];
      for (;;) {
        const run = await cli("audit", "--limit", "2", ...flags, ...page);
        expect(run.code).toBe(0);
        seen.push(...seqs(run.out));
        const more = /^more: (--after|--before) (\d+)$/m.exec(run.out);
        if (!more) return seen;
        page = [more[1]!, more[2]!];
      }
    };
    const forward = await walk();
    expect(forward).toEqual(Array.from({ length: total }, (_, i) => i + 1));
    expect(await walk("--newest-first")).toEqual([...forward].reverse());
  });

  it("configure: a decimal the settings do not hold yet must be quoted, and the refusal says how", async () => {
    const policy = "PnlBoundsKillSwitchPolicy";
    // The harness's USD barrier has a lower bound and no upper one.
    const path = "brokerBarriers[0].upperBound";
    expect((await policySettingsOf(policy)).brokerBarriers).toEqual([{ settlementAsset: "USD", lowerBound: "-1000" }]);
    expect(await cli("configure", policy, "--set", `${path}=5000`)).toEqual({
      code: 1,
      out: "",
      err: `openpit configure: settings_json.${path}: must be a decimal string (got number); quote a decimal the settings do not hold yet: --set '${path}="5000"' (INVALID_ARGUMENT, Validation)\n`,
    });
    const quoted = await cli("configure", policy, "--set", `${path}="5000"`);
    expect([quoted.code, quoted.err, quoted.out.split("\n").at(-2)]).toEqual([0, "", "applied"]);
  });

  it("configure: another operator's change between the read and the write is not undone; the write is refused and nothing changes", async () => {
    const policy = "OrderSizeLimitPolicy";
    const state = h.server.state;
    const admin = state.admin.bind(state);
    // The other operator's change lands just before the CLI's ConfigurePolicy reaches the door.
    const other = { ...(await policySettingsOf(policy)), broker: { maxQuantity: "333", maxNotional: "1000000" } };
    const spy = vi.spyOn(state, "admin").mockImplementationOnce((command, actor) => {
      admin({ kind: "configurePolicy", policy, settings: other }, "another-operator");
      return admin(command, actor);
    });
    try {
      expect(await cli("configure", policy, "--set", "broker.maxNotional=2000")).toEqual({
        code: 1,
        out: "",
        err: `openpit configure: policy '${policy}': its settings changed since they were read (expected_settings_json no longer matches them); read them again and redo the change (ABORTED, ABORTED)\n`,
      });
    } finally {
      spy.mockRestore();
    }
    expect((await policySettingsOf(policy)).broker).toEqual({ maxQuantity: "333", maxNotional: "1000000" });
    // Run again, it edits the settings as they are now.
    const again = await cli("configure", policy, "--set", "broker.maxNotional=2000");
    expect([again.code, again.err]).toEqual([0, ""]);
    expect((await policySettingsOf(policy)).broker).toEqual({ maxQuantity: "333", maxNotional: "2000" });
  });

  it("errors say what to do", async () => {
    // The sidecar's refusal, with its code and reason (exit 1).
    expect(await cli("configure", "Nope", "--set", "a=1")).toEqual({ code: 1, out: "", err: "openpit configure: no policy named 'Nope' (NOT_FOUND, UNKNOWN_NAME)\n" });
    // Account 0 names no account on the wire: a usage error (exit 2), not the sidecar's "required".
    const none = await cli("block", "0", "--reason", "x");
    expect([none.code, none.err.split("\n")[0]]).toEqual([2, "openpit block: ACCOUNT must not be 0: on the wire 0 names no account"]);
    // Past what the wire field holds: a usage error (exit 2), not an encoding failure.
    const wide = await cli("block", "--group", "4294967296", "--reason", "x");
    expect([wide.code, wide.err.split("\n")[0]]).toEqual([2, "openpit block: --group must be at most 4294967295, not 4294967296"]);
    const account = await cli("state", "18446744073709551616");
    expect([account.code, account.err.split("\n")[0]]).toEqual([2, "openpit state: ACCOUNT must be at most 18446744073709551615, not 18446744073709551616"]);
    const usage = await cli("state", "forty-two");
    expect([usage.code, usage.err.split("\n")[0]]).toEqual([2, "openpit state: ACCOUNT must be a non-negative integer, not 'forty-two'"]);
    expect((await cli("configure", "OrderSizeLimitPolicy", "--set", "broker.maxQuantity")).err.split("\n")[0]).toBe(
      "openpit configure: --set takes PATH=VALUE, not 'broker.maxQuantity'",
    );
    expect((await cli("configure", "RateLimitPolicy", "--set", "broker.windowMs=soon")).err.split("\n")[0]).toBe(
      "openpit configure: broker.windowMs is a number; 'soon' is not",
    );
    expect((await cli("policies", "NoSuchPolicy")).err).toBe("openpit policies: no policy named 'NoSuchPolicy' (NOT_FOUND, UNKNOWN_NAME)\n");
    expect((await cli("frobnicate")).code).toBe(2);
  });

  // Found by review (session 28): the option took the next argument whatever it was, so this
  // blocked the account with the reason "--help" and exited 0.
  it("takes no option's value from an argument that starts with '--', except in the --name=value form", async () => {
    const swallowed = await cli("block", String(OTHER_ACCOUNT), "--reason", "--help");
    expect([swallowed.code, swallowed.err.split("\n")[0]]).toEqual([2, "openpit block: --reason needs a value, not the option '--help' (write --reason=--help to mean it)"]);
    expect((await h.admin<{ block?: unknown }>("getAccountState", { accountId: OTHER_ACCOUNT })).block).toBeUndefined();
    const meant = await cli("block", String(OTHER_ACCOUNT), "--reason=--help");
    expect([meant.code, meant.out]).toEqual([0, `account ${OTHER_ACCOUNT}: blocked (Engine): --help\n`]);
    expect((await cli("unblock", String(OTHER_ACCOUNT))).code).toBe(0);
  });

  it("runs as the package bin (npx openpit), and says how to start a sidecar that is not there", async () => {
    const bin = (...argv: string[]) =>
      new Promise<Run>((resolve) => {
        const child = spawn(process.execPath, ["bin/openpit.js", ...argv], { env: { ...process.env, OPENPIT_TARGET: "" } });
        let out = "";
        let err = "";
        child.stdout.on("data", (d: Buffer) => (out += d.toString()));
        child.stderr.on("data", (d: Buffer) => (err += d.toString()));
        child.on("close", (code) => resolve({ code: code ?? -1, out: normalize(out), err: normalize(err) }));
      });
    const status = await bin("status", "--target", h.address);
    expect([status.code, status.err]).toEqual([0, ""]);
    expect(status.out).toMatch(new RegExp(`^version: +0\\.1\\.0 \\(replay rules ${REPLAY_RULES}\\)\n`));
    expect(await bin("status", "--target", "127.0.0.1:1")).toEqual({
      code: 1,
      out: "",
      err: "openpit status: cannot connect to 127.0.0.1:PORT: is the sidecar running? start it with npm start (or pass --target HOST:PORT)\n",
    });
  }, 30_000);
});
