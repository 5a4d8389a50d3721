import { ParamError } from "../../src/param/index.js";
import { thrownAs } from "./thrown.js";

/** The ParamError `fn` throws (anything else is rethrown; none is a failure). */
export const paramError = (fn: () => unknown): ParamError => thrownAs(ParamError, fn);
