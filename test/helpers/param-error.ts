import { ParamError } from "../../src/param/index.js";

/** The ParamError `fn` throws (anything else is rethrown; none is a failure). */
export function paramError(fn: () => unknown): ParamError {
  try {
    fn();
  } catch (e) {
    if (e instanceof ParamError) return e;
    throw e;
  }
  throw new Error("expected a ParamError");
}
