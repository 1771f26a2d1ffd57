import { DEFAULT_FAULTS, mergeFaults, type FaultConfig } from './fault-config';
import { EmulatorHttpError } from './http-io';

/**
 * Decides, request by request, which fault to inject. Random draws come from a seeded generator
 * (mulberry32), so the same seed and the same requests give the same faults.
 */

/** A small, fast, seedable generator of numbers in [0, 1). */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let mixed = state;
    mixed = Math.imul(mixed ^ (mixed >>> 15), mixed | 1);
    mixed ^= mixed + Math.imul(mixed ^ (mixed >>> 7), mixed | 61);
    return ((mixed ^ (mixed >>> 14)) >>> 0) / 4294967296;
  };
}

export class FaultInjector {
  private config: FaultConfig;
  private readonly random: () => number;
  private bucket = { tokens: 0, updatedAt: 0 };

  constructor(initial: Partial<FaultConfig>, seed: number) {
    this.config = mergeFaults(DEFAULT_FAULTS, initial);
    this.random = seededRandom(seed);
    this.refillBucket();
  }

  /** A copy of the current configuration. */
  get(): FaultConfig {
    return mergeFaults(this.config, {});
  }

  /** Lays `changes` over the current configuration and returns the result. Safe to repeat. */
  set(changes: Partial<FaultConfig>): FaultConfig {
    this.config = mergeFaults(this.config, changes);
    if (changes.rateLimitPerSecond !== undefined) this.refillBucket();
    return this.get();
  }

  /** Back to no faults at all. Safe to repeat. */
  reset(): FaultConfig {
    this.config = mergeFaults(DEFAULT_FAULTS, {});
    this.refillBucket();
    return this.get();
  }

  /** Milliseconds to delay this request (0 for none). */
  latencyFor(): number {
    const { latencyMs, latencyRate } = this.config;
    return latencyMs > 0 && this.draw(latencyRate) ? latencyMs : 0;
  }

  /** The answer that replaces this request's own (rate limit, throttle or error), if any. */
  beforeHandling(method: string, path: string): EmulatorHttpError | undefined {
    const waitSeconds = this.takeToken();
    if (waitSeconds !== undefined) {
      return throttled(
        `Rate limit of ${this.config.rateLimitPerSecond} requests per second exceeded`,
        waitSeconds,
      );
    }
    const matches = this.matches(method, path);
    if (this.takeCount('throttleNext', matches) || this.draw(this.config.throttleRate)) {
      return throttled('Too many requests (injected by the emulator)', this.config.retryAfterSeconds);
    }
    if (this.takeCount('errorNext', matches) || this.draw(this.config.errorRate)) {
      return this.config.errorStatus === 503
        ? new EmulatorHttpError(503, 'ServiceUnavailable', 'Service unavailable (injected by the emulator)')
        : new EmulatorHttpError(500, 'InternalError', 'Internal error (injected by the emulator)');
    }
    return undefined;
  }

  /** Whether to lose the answer of a mutating request whose change was just committed. */
  dropAfterCommit(method: string, path: string): boolean {
    const matches = this.matches(method, path);
    return this.takeCount('dropAfterCommitNext', matches) || this.draw(this.config.dropAfterCommitRate);
  }

  /** Marks the cluster's next transition to end in FAILED. Safe to repeat. */
  addFailNext(uid: string): string[] {
    if (!this.config.failNextUpdate.includes(uid)) this.config.failNextUpdate.push(uid);
    return [...this.config.failNextUpdate];
  }

  /** Whether this transition must fail; consumes the mark. */
  takeFailNext(uid: string): boolean {
    const index = this.config.failNextUpdate.indexOf(uid);
    if (index < 0) return false;
    this.config.failNextUpdate.splice(index, 1);
    return true;
  }

  private matches(method: string, path: string): boolean {
    const match = this.config.match;
    if (!match) return true;
    if (match.method && match.method !== method.toUpperCase()) return false;
    return !match.pathPrefix || path.startsWith(match.pathPrefix);
  }

  private takeCount(key: 'throttleNext' | 'errorNext' | 'dropAfterCommitNext', matches: boolean): boolean {
    if (!matches || this.config[key] <= 0) return false;
    this.config[key] -= 1;
    return true;
  }

  /** Draws only when the rate is set, so turning a fault off does not shift the other draws. */
  private draw(rate: number): boolean {
    return rate > 0 && this.random() < rate;
  }

  private refillBucket(): void {
    this.bucket = { tokens: Math.max(1, this.config.rateLimitPerSecond), updatedAt: Date.now() };
  }

  /** Takes a token from the bucket; returns the seconds to wait when there is none. */
  private takeToken(): number | undefined {
    const perSecond = this.config.rateLimitPerSecond;
    if (!perSecond) return undefined;
    const now = Date.now();
    const capacity = Math.max(1, perSecond);
    this.bucket.tokens = Math.min(
      capacity,
      this.bucket.tokens + ((now - this.bucket.updatedAt) / 1000) * perSecond,
    );
    this.bucket.updatedAt = now;
    if (this.bucket.tokens >= 1) {
      this.bucket.tokens -= 1;
      return undefined;
    }
    return Math.max(1, Math.ceil((1 - this.bucket.tokens) / perSecond));
  }
}

function throttled(message: string, retryAfterSeconds: number): EmulatorHttpError {
  return new EmulatorHttpError(
    429,
    'TooManyRequests',
    `${message}; retry after ${retryAfterSeconds} s.`,
    [],
    {
      'retry-after': String(retryAfterSeconds),
    },
  );
}
