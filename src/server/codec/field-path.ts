/**
 * `parent + suffix` (`commands[0].execute_pre_trade.order` + `.price`), built once and kept.
 * Decoders name the path of every field they read, for the error a malformed one gets;
 * building those strings afresh was a tenth of what an order allocated, and almost none is
 * ever shown. Parents on the hot paths are few (message index × command kind), so the
 * cache stays small; it is dropped whole if unusual traffic ever fills it.
 */
const MAX_PARENTS = 4096;
const cache = new Map<string, Map<string, string>>();

export function path(parent: string, suffix: string): string {
  let children = cache.get(parent);
  if (children === undefined) {
    if (cache.size >= MAX_PARENTS) cache.clear();
    cache.set(parent, (children = new Map()));
  }
  let full = children.get(suffix);
  if (full === undefined) children.set(suffix, (full = parent + suffix));
  return full;
}
