/**
 * The two order-carrying commands' bodies, `{ order = 1; bool flag = 2 }` (ExecutePreTrade)
 * and `{ order = 1 }` (StartPreTrade), for both hand decoders: the transport's (generated
 * `Order`s) and the server's direct one (domain orders). Only the order reader differs.
 */
import { LEN, UNEXPECTED, VARINT, type ProtoReader } from "./proto-reader.js";

/** The holder's order (undefined when absent), its flag in `r.flag`; anything unusual throws UNEXPECTED. */
export function readOrderHolder<T>(r: ProtoReader, hasFlag: boolean, readOrder: (r: ProtoReader) => T): T | undefined {
  let order: T | undefined;
  let flag = false;
  while (!r.done) {
    const tag = r.uint32();
    if (tag === LEN(1) && order === undefined) {
      order = r.nested(readOrder);
    } else if (hasFlag && tag === VARINT(2)) {
      flag = r.bool();
    } else {
      throw UNEXPECTED;
    }
  }
  r.flag = flag;
  return order;
}
