/**
 * How long a name (an asset, a policy's name, a client order id) may be where the sidecar
 * takes one from outside: the wire, the configuration file, a policy's settings. OpenPit's
 * `Asset` takes any length; each name is copied into state and into audit records (a request,
 * a before and an after), so a 2 MB currency made a record no monitor could receive (found by
 * review). Symbols, ISINs, currency codes and FIX ClOrdIDs are far shorter.
 */
export const MAX_NAME_LENGTH = 128;

/**
 * More than `max` characters (code points)? A string's length counts UTF-16 units, two for a
 * character beyond the basic plane, so 100 emoji measured 200 and were refused (found by
 * review); counted only when the units exceed the bound, which ASCII names never do.
 */
export function longerThan(text: string, max: number): boolean {
  if (text.length <= max) return false;
  let characters = 0;
  for (const _ of text) if (++characters > max) return true;
  return false;
}
