/**
 * The signatures this web server has accepted, each kept until its timestamp leaves the tolerance
 * window (after that the timestamp check refuses the request anyway). Bounded: when it holds
 * `maxEntries` live signatures a new one is refused rather than an old one forgotten, because
 * forgetting one would let it be replayed. In memory: each replica keeps its own.
 */

/** Enough for one signed trigger every 30 ms for the whole default window; about 2 MB at most. */
export const DEFAULT_MAX_SEEN_SIGNATURES = 10_000;

export type Remembered =
  { outcome: 'new' } | { outcome: 'seen'; firstSeenAtMs: number } | { outcome: 'full'; retryAfterMs: number };

interface Entry {
  expiresAtMs: number;
  firstSeenAtMs: number;
}

export class SeenSignatures {
  private readonly entries = new Map<string, Entry>();
  /** No entry expires before this moment is past: until then a sweep would find nothing. */
  private earliestExpiryMs = Number.POSITIVE_INFINITY;

  constructor(
    private readonly maxEntries = DEFAULT_MAX_SEEN_SIGNATURES,
    private readonly now: () => number = Date.now,
  ) {
    if (!Number.isInteger(maxEntries) || maxEntries < 1) {
      throw new Error(`maxEntries must be a positive integer, not ${maxEntries}`);
    }
  }

  /** Live entries (after dropping those expired by now). */
  get size(): number {
    this.evictExpired();
    return this.entries.size;
  }

  /**
   * Records `signature` until `expiresAtMs` (inclusive: the last moment its timestamp is accepted),
   * or says it was seen already, or that the cache is full and when its first entry will have left.
   * Synchronous, so two requests cannot both see one signature as new.
   */
  remember(signature: string, expiresAtMs: number): Remembered {
    this.evictExpired();
    const seen = this.entries.get(signature);
    if (seen) return { outcome: 'seen', firstSeenAtMs: seen.firstSeenAtMs };
    if (this.entries.size >= this.maxEntries) {
      return { outcome: 'full', retryAfterMs: Math.max(1, this.earliestExpiryMs + 1 - this.now()) };
    }
    this.entries.set(signature, { expiresAtMs, firstSeenAtMs: this.now() });
    this.earliestExpiryMs = Math.min(this.earliestExpiryMs, expiresAtMs);
    return { outcome: 'new' };
  }

  private evictExpired(): void {
    const now = this.now();
    if (now <= this.earliestExpiryMs) return;
    let earliest = Number.POSITIVE_INFINITY;
    for (const [signature, entry] of this.entries) {
      if (entry.expiresAtMs < now) this.entries.delete(signature);
      else earliest = Math.min(earliest, entry.expiresAtMs);
    }
    this.earliestExpiryMs = earliest;
  }
}
