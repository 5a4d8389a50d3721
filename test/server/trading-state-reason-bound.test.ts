/**
 * Found by review (session 34): a trading state's reason takes at most 4 KiB of UTF-8 "for
 * every scope and every state" (docs/controls.md), but only SetTradingState bounded it: the
 * same state written through ConfigurePolicy's settings_json, or in the configuration file,
 * took a reason of any length. Both refuse it now, naming the entry (INVALID_VALUE at runtime,
 * a configuration error in the file); the settings parser does not, as a replay runs it and a
 * record journaled before the bound must still apply as it ran live.
 */
import { status } from "@grpc/grpc-js";
import { afterEach, describe, expect, it } from "vitest";
import type { GetTradingStatesResponse } from "../../gen/openpit/sidecar/v1/trading_state_pb.js";
import { buildState } from "../../src/app/build-sidecar.js";
import { ConfigError } from "../../src/server/config/load-config.js";
import { parseSidecarConfig } from "../../src/server/config/sidecar-config.js";
import { encodeCommand } from "../../src/state/command-codec.js";
import type { Command } from "../../src/state/commands.js";
import { controlsConfig } from "./controls-helpers.js";
import { ACCOUNT, startHarness, type Harness } from "./harness.js";
import { adminFailure } from "./results.js";

const CONFIG = controlsConfig([{ type: "TradingStatePolicy", settings: {} }]);
const withStates = (states: unknown[]) => controlsConfig([{ type: "TradingStatePolicy", settings: { states } }]);
const LONG = "x".repeat(5000);
const longest = (r: GetTradingStatesResponse) => Math.max(0, ...r.entries.map((e) => e.reason.length));

describe("a trading state's reason in ConfigurePolicy's settings", () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it("past 4 KiB is INVALID_VALUE naming the entry, ACTIVE included; nothing is journaled or changed", async () => {
    h = await startHarness(CONFIG);
    const before = h.server.state.journal.lastSequence;
    const halted = JSON.stringify({ states: [{ groupId: 3, state: "REDUCING", reason: "ok" }, { accountId: ACCOUNT.toString(), state: "HALTED", reason: LONG }] });
    expect(await adminFailure(h, "configurePolicy", { policyName: "TradingStatePolicy", settingsJson: halted })).toEqual([
      status.INVALID_ARGUMENT,
      "settings_json.states[1].reason: takes 5000 bytes, more than 4096",
      "INVALID_VALUE",
    ]);
    // An ACTIVE entry is dropped from the settings, but its reason is journaled and audited as
    // SetTradingState's is: bounded the same (as SetTradingState bounds clearing a state).
    const cleared = JSON.stringify({ states: [{ global: true, state: "ACTIVE", reason: "é".repeat(2049) }] });
    expect(await adminFailure(h, "configurePolicy", { policyName: "TradingStatePolicy", settingsJson: cleared })).toEqual([
      status.INVALID_ARGUMENT,
      "settings_json.states[0].reason: takes 4098 bytes, more than 4096",
      "INVALID_VALUE",
    ]);
    expect(h.server.state.journal.lastSequence).toBe(before);
    expect((await h.admin<GetTradingStatesResponse>("getTradingStates", {})).entries).toEqual([]);
    // 4 KiB exactly is taken.
    await h.admin("configurePolicy", { policyName: "TradingStatePolicy", settingsJson: JSON.stringify({ states: [{ global: true, state: "HALTED", reason: "é".repeat(2048) }] }) });
    expect(longest(await h.admin<GetTradingStatesResponse>("getTradingStates", {}))).toBe(2048);
  });

  it("a record journaled before the bound still replays as it ran live: the parser does not bound it", async () => {
    h = await startHarness(CONFIG);
    const settings = { states: [{ accountId: ACCOUNT.toString(), state: "HALTED", reason: LONG }] };
    const outcome = h.server.state.replay(encodeCommand({ kind: "admin", ts: 5_000, actor: "local", command: { kind: "configurePolicy", policy: "TradingStatePolicy", settings } } as Command));
    expect(outcome).not.toBeInstanceOf(Error);
    expect(longest(await h.admin<GetTradingStatesResponse>("getTradingStates", {}))).toBe(5000);
  });
});

describe("a trading state's reason in the configuration file", () => {
  it("past 4 KiB is a configuration error naming the policy's entry", () => {
    const config = parseSidecarConfig(withStates([{ groupId: 3, state: "REDUCING" }, { global: true, state: "HALTED", reason: LONG }]));
    expect(() => buildState(config)).toThrow(new ConfigError("config.policies[1].settings.states[1].reason: takes 5000 bytes, more than 4096"));
    expect(() => buildState(parseSidecarConfig(withStates([{ accountId: 7, state: "ACTIVE", reason: LONG }])))).toThrow(
      new ConfigError("config.policies[1].settings.states[0].reason: takes 5000 bytes, more than 4096"),
    );
  });

  it("of 4 KiB exactly is taken", () => {
    const state = buildState(parseSidecarConfig(withStates([{ global: true, state: "HALTED", reason: "é".repeat(2048) }])));
    expect(state.engine.policy("TradingStatePolicy")).toBeDefined();
  });
});
