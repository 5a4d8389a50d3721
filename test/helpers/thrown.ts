/** The error of class `type` that `fn` throws: anything else is rethrown, and nothing thrown is a failure. */
export function thrownAs<T extends Error>(type: abstract new (...args: never[]) => T, fn: () => unknown): T {
  try {
    fn();
  } catch (e) {
    if (e instanceof type) return e;
    throw e;
  }
  throw new Error(`expected a ${type.name}`);
}
