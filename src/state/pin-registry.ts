/** Which live channel owns each account (OpenPit's account_sync pinning). */
import type { AccountId } from "../param/index.js";

/** Anything that can own accounts: a live channel session. */
export interface PinOwner {
  readonly channelId: bigint;
}

/**
 * account → the one live channel allowed to touch it (OpenPit's account_sync contract:
 * never two concurrent processing chains for one account).
 */
export class PinRegistry<Owner extends PinOwner = PinOwner> {
  private readonly owners = new Map<AccountId, Owner>();

  ownerOf(accountId: AccountId): Owner | undefined {
    return this.owners.get(accountId);
  }

  pin(accountId: AccountId, owner: Owner): void {
    this.owners.set(accountId, owner);
  }

  /** Unpins only if `owner` still holds it (a takeover may have moved it already). */
  unpin(accountId: AccountId, owner: Owner): void {
    if (this.owners.get(accountId) === owner) this.owners.delete(accountId);
  }

  get size(): number {
    return this.owners.size;
  }
}
