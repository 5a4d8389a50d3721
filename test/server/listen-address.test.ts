import { describe, expect, it } from "vitest";
import { parseListenAddress } from "../../src/server/config/listen-address.js";
import { parseSidecarConfig } from "../../src/server/config/sidecar-config.js";
import { ConfigError, loadConfig } from "../../src/server/config/load-config.js";
import { SettingsValidationError } from "../../src/engine/index.js";
import { testConfig } from "./harness.js";

const FORM = "expected HOST:PORT with a port in 0..65535 (IPv6 in brackets: [::1]:50051)";

describe("listen address", () => {
  it.each([
    ["127.0.0.1:50051", { host: "127.0.0.1", port: 50051 }],
    ["localhost:0", { host: "localhost", port: 0 }],
    ["0.0.0.0:65535", { host: "0.0.0.0", port: 65535 }],
    ["[::1]:50051", { host: "::1", port: 50051 }],
    ["[::]:7", { host: "::", port: 7 }],
  ])("%s is HOST:PORT", (text, address) => {
    expect(parseListenAddress(text)).toEqual(address);
  });

  it.each([
    ["localhost", "no port"],
    ["127.0.0.1", "no port"],
    [":50051", "the host must not be empty or contain spaces"],
    ["local host:1", "the host must not be empty or contain spaces"],
    ["localhost:", "'' is not a port"],
    ["localhost:65536", "'65536' is not a port"],
    ["localhost:-1", "'-1' is not a port"],
    ["localhost:http", "'http' is not a port"],
    ["::1:50051", "an IPv6 address must be in brackets"],
    ["[::1]", "an IPv6 address needs a port after the closing bracket"],
    ["[::1]50051", "an IPv6 address needs a port after the closing bracket"],
    ["[]:1", "the host must not be empty or contain spaces"],
  ])("%s is refused: %s", (text, why) => {
    expect(parseListenAddress(text)).toBe(`'${text}' is not a listen address (${why}); ${FORM}`);
  });

  it("is checked in the file, in OPENPIT_LISTEN and in --listen, each error naming its source", () => {
    expect(() => parseSidecarConfig(testConfig({ listen: "localhost" }))).toThrow(
      new SettingsValidationError(`config.listen: 'localhost' is not a listen address (no port); ${FORM}`),
    );
    expect(() => loadConfig({ argv: ["--listen", "localhost"], env: {} })).toThrow(
      new ConfigError(`--listen: 'localhost' is not a listen address (no port); ${FORM}`),
    );
    expect(() => loadConfig({ argv: [], env: { OPENPIT_LISTEN: "[::1]" } })).toThrow(
      new ConfigError(`OPENPIT_LISTEN: '[::1]' is not a listen address (an IPv6 address needs a port after the closing bracket); ${FORM}`),
    );
    // The flag wins over the environment, so a bad environment value under a good flag is not read.
    expect(loadConfig({ argv: ["--listen", "[::1]:0"], env: { OPENPIT_LISTEN: "nonsense" } }).listen).toBe("[::1]:0");
    // An empty environment variable is unset (as before).
    expect(loadConfig({ argv: [], env: { OPENPIT_LISTEN: "" } }).listen).toBe("127.0.0.1:50051");
  });
});
