import { describe, expect, it } from "vitest";
import { paramError } from "../helpers/param-error.js";
import { AccountGroupId, AccountId, fnv1a32, fnv1a64, InstrumentId, ParamError, PolicyGroupId } from "../../src/param/index.js";

/**
 * Reference FNV-1a written out independently with bigints (no Math.imul, no masks
 * shared with the implementation), from the published parameters.
 */
function referenceFnv1a(bits: 32n | 64n, text: string): bigint {
  const offset = bits === 64n ? 14695981039346656037n : 2166136261n;
  const prime = bits === 64n ? 1099511628211n : 16777619n;
  const modulus = 2n ** bits;
  let hash = offset;
  for (const byte of Buffer.from(text, "utf8")) hash = ((hash ^ BigInt(byte)) * prime) % modulus;
  return hash;
}

/** A string whose FNV-1a 32 hash is exactly 0 (found offline by meet-in-the-middle). */
const HASHES_TO_ZERO = "7oE486";


describe("FNV-1a", () => {
  it("64-bit known vectors", () => {
    expect(fnv1a64("")).toBe(14695981039346656037n);
    expect(fnv1a64("a")).toBe(12638187200555641996n);
    expect(fnv1a64("foobar")).toBe(0x85944171f73967e8n);
  });

  it("32-bit known vectors", () => {
    expect(fnv1a32("")).toBe(2166136261);
    expect(fnv1a32("a")).toBe(3826002220);
    expect(fnv1a32("foobar")).toBe(0xbf9cf968);
  });

  it("agrees with an independent reference over ASCII and multi-byte UTF-8 text", () => {
    for (const text of ["", "a", "99224416", "account-α", "東京", "🙂 desk", "x".repeat(300)]) {
      expect(fnv1a64(text)).toBe(referenceFnv1a(64n, text));
      expect(BigInt(fnv1a32(text))).toBe(referenceFnv1a(32n, text));
    }
  });
});

describe("AccountId", () => {
  it("numbers and bigints are used verbatim within u64", () => {
    expect(AccountId.fromU64(99224416)).toBe(99224416n);
    expect(AccountId.fromU64(0)).toBe(0n);
    expect(AccountId.fromU64(2n ** 64n - 1n)).toBe(18446744073709551615n);
  });

  it("refuses values outside u64 and unsafe numbers", () => {
    for (const bad of [-1, -1n, 2n ** 64n, 2 ** 53, 1.5]) {
      expect(() => AccountId.fromU64(bad)).toThrow(ParamError);
    }
  });

  it("strings are hashed with FNV-1a 64, never parsed", () => {
    expect(AccountId.fromString("a")).toBe(12638187200555641996n);
    expect(AccountId.fromString("12345")).toBe(referenceFnv1a(64n, "12345"));
    expect(AccountId.fromString("12345")).not.toBe(12345n);
  });

  it("blank text is AccountIdEmpty", () => {
    for (const blank of ["", "   "]) {
      const e = paramError(() => AccountId.fromString(blank));
      expect([e.code, e.numericCode]).toEqual(["AccountIdEmpty", 10]);
    }
  });
});

describe("AccountGroupId", () => {
  it("numbers within u32 except the reserved 0", () => {
    expect(AccountGroupId.fromU32(1)).toBe(1);
    expect(AccountGroupId.fromU32(0xffffffff)).toBe(4294967295);
    for (const bad of [0, -1, 2 ** 32, 1.5]) {
      expect(() => AccountGroupId.fromU32(bad)).toThrow(ParamError);
    }
    expect(AccountGroupId.DEFAULT).toBe(0);
  });

  it("strings are hashed with FNV-1a 32", () => {
    expect(AccountGroupId.fromString("a")).toBe(3826002220);
    expect(AccountGroupId.fromString("desk-7")).toBe(Number(referenceFnv1a(32n, "desk-7")));
  });

  it("a text whose hash is 0 maps to group 1, because 0 is reserved", () => {
    expect(referenceFnv1a(32n, HASHES_TO_ZERO)).toBe(0n);
    expect(fnv1a32(HASHES_TO_ZERO)).toBe(0);
    expect(AccountGroupId.fromString(HASHES_TO_ZERO)).toBe(1);
  });

  it("blank text is refused", () => {
    expect(() => AccountGroupId.fromString(" ")).toThrow(ParamError);
  });
});

describe("PolicyGroupId and InstrumentId", () => {
  it("policy groups are u16 with default 0", () => {
    expect(PolicyGroupId.DEFAULT).toBe(0);
    expect(PolicyGroupId.fromU16(65535)).toBe(65535);
    for (const bad of [-1, 65536, 0.5]) expect(() => PolicyGroupId.fromU16(bad)).toThrow(TypeError);
  });

  it("instrument ids are u64", () => {
    expect(InstrumentId.fromU64(0)).toBe(0n);
    expect(InstrumentId.fromU64(2n ** 64n - 1n)).toBe(2n ** 64n - 1n);
    for (const bad of [-1, 2n ** 64n]) expect(() => InstrumentId.fromU64(bad)).toThrow(ParamError);
  });
});
