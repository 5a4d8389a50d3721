/** What one instrument of an account can come to if every open order on one side fills. */
import { PositionSize, type Quantity } from "../../param/values.js";

/**
 * max(|position + open buys|, |position − open sells|): the worst case of an instrument
 * (gross exposure values it; the account book keeps it per instrument, derived from the
 * three figures and recomputed only after one of them changed).
 */
export function worstQuantity(position: PositionSize, buys: Quantity, sells: Quantity): PositionSize {
  const up = position.add(PositionSize.from(buys)).abs();
  const down = position.sub(PositionSize.from(sells)).abs();
  return up.gte(down) ? up : down;
}
