/** An integer limit's max as the Quantity a `limitUsage` reports, made once per value. */
import { Quantity } from "../param/values.js";

/**
 * The same (immutable) Quantity object while the limit's number is the same: soft limits
 * read every watched usage at every commit, and recognise an unchanged max by identity
 * before comparing values, so neither the Quantity nor the comparison is made per reading.
 */
export class IntegerMax {
  #n = Number.NaN;
  #max: Quantity | undefined;

  of(n: number): Quantity {
    if (n !== this.#n || this.#max === undefined) {
      this.#max = Quantity.fromInt(n);
      this.#n = n;
    }
    return this.#max;
  }
}
