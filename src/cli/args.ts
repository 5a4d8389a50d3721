/**
 * The CLI's argument grammar: positionals, `--flag`, `--option VALUE` / `--option=VALUE`. An
 * option is given once unless the command names it repeatable (configure's --set).
 */

export class UsageError extends Error {
  override name = "UsageError";
}

export interface ParsedArgs {
  readonly positionals: readonly string[];
  readonly flags: ReadonlySet<string>;
  /** Every value given for each option, in order. */
  readonly options: ReadonlyMap<string, readonly string[]>;
}

/**
 * Options whose values are secrets: no message quotes them (found by review, session 37: a
 * repeated --token printed both tokens to stderr, into the terminal's scrollback and CI logs).
 * --token-file, --key and --cert name files, which are no secret.
 */
export const SECRET_OPTIONS: ReadonlySet<string> = new Set(["token"]);

/**
 * `valueOptions` and `flags` are names without dashes; anything else starting with `--` is a
 * usage error. A value option given twice is one too, unless it is in `repeatable` (found by
 * review: `block --group 5 --group 6` blocked group 6 alone and exited 0).
 */
export function parseArgs(
  argv: readonly string[],
  valueOptions: ReadonlySet<string>,
  flags: ReadonlySet<string>,
  repeatable: ReadonlySet<string> = new Set(),
): ParsedArgs {
  const positionals: string[] = [];
  const seen = new Set<string>();
  const options = new Map<string, string[]>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === "--") {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (!a.startsWith("--") || a === "-") {
      positionals.push(a);
      continue;
    }
    const eq = a.indexOf("=");
    const name = a.slice(2, eq < 0 ? undefined : eq);
    if (valueOptions.has(name)) {
      const value = eq < 0 ? argv[++i] : a.slice(eq + 1);
      if (value === undefined) throw new UsageError(`--${name} needs a value`);
      // `block 7 --reason --help` must show the usage, not block with the reason "--help":
      // a value that starts with "--" is only taken in the `--name=value` form.
      const secret = SECRET_OPTIONS.has(name);
      if (eq < 0 && value.startsWith("--")) {
        throw new UsageError(
          secret
            ? `--${name} needs a value, not an option (write --${name}=VALUE for a value that starts with --)`
            : `--${name} needs a value, not the option '${value}' (write --${name}=${value} to mean it)`,
        );
      }
      const earlier = options.get(name);
      if (earlier !== undefined && !repeatable.has(name)) {
        throw new UsageError(
          secret
            ? `--${name} is given more than once (the values are secret, not shown): it takes one value`
            : `--${name} is given more than once ('${earlier[0]}', then '${value}'): it takes one value; run the command once for each`,
        );
      }
      options.set(name, [...(earlier ?? []), value]);
    } else if (flags.has(name) && eq < 0) {
      seen.add(name);
    } else {
      throw new UsageError(`unknown option --${name}`);
    }
  }
  return { positionals, flags: seen, options };
}

/** The value of an option given once (parseArgs refuses a second one), if given. */
export function option(args: ParsedArgs, name: string): string | undefined {
  return args.options.get(name)?.at(-1);
}

/** The widest value a wire field holds: ids and sequences are uint64, groups and limits uint32. */
export const UINT64_MAX = 2n ** 64n - 1n;
export const UINT32_MAX = 2n ** 32n - 1n;

/** A non-negative integer up to `max` (a usage error past it, not an encoding failure on the wire). */
export function unsigned(text: string | undefined, what: string, max: bigint = UINT64_MAX): bigint | undefined {
  if (text === undefined) return undefined;
  if (!/^\d+$/.test(text)) throw new UsageError(`${what} must be a non-negative integer, not '${text}'`);
  const value = BigInt(text);
  if (value > max) throw new UsageError(`${what} must be at most ${max}, not ${text}`);
  return value;
}

/**
 * An account or group an operation addresses: 0 means "none" on the wire, so the sidecar
 * answers `state 0` with a missing field; naming it is a usage error here (exit 2), as every
 * other malformed argument is, not a refusal (exit 1).
 */
export function addressedId(text: string | undefined, what: string, max: bigint = UINT64_MAX): bigint | undefined {
  const value = unsigned(text, what, max);
  if (value === 0n) throw new UsageError(`${what} must not be 0: on the wire 0 names no ${what === "ACCOUNT" ? "account" : "group"}`);
  return value;
}

export function required<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new UsageError(`missing ${what}`);
  return value;
}
