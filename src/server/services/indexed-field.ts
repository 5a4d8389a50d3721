/**
 * `commands[3]`, `reports[0]`: the path of an item in a message, named in its errors.
 * Built once per index and kept (at most `maxCommandsPerMessage` per prefix), because
 * every order and every report needs one and most are never shown to anybody.
 */
const cache = new Map<string, string[]>();

export function indexedField(prefix: string, i: number): string {
  let names = cache.get(prefix);
  if (!names) cache.set(prefix, (names = []));
  return (names[i] ??= `${prefix}[${i}]`);
}
