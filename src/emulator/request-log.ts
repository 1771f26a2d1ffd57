/** The emulator's bounded log of API requests, for tests and for `GET /_emulator/requests`. */

export interface RequestLogEntry {
  /** ISO time the request arrived. */
  at: string;
  method: string;
  /** Path without the query string. */
  path: string;
  query: Record<string, string>;
  status: number;
  /** POST, PUT, PATCH or DELETE. */
  mutating: boolean;
  clusterId?: string;
  /** The request succeeded and changed (or would have changed) the store: 2xx, not a dry run. */
  committed: boolean;
  /** The emulator closed the socket without answering (commit-then-drop fault). */
  dropped: boolean;
  durationMs: number;
  /** The CALLER_HEADER a client sent (the fault suite's workers name their runbook and attempt). */
  caller?: string;
}

/** A request header the log keeps, so a test can tell which logical call sent each request. */
export const CALLER_HEADER = 'x-imply-runbooks-caller';

export const DEFAULT_LOG_CAPACITY = 100_000;

/** A ring buffer: the oldest entries go once `capacity` is reached, so memory stays bounded. */
export class RequestLog {
  private entries: RequestLogEntry[] = [];
  private start = 0;

  constructor(private readonly capacity: number = DEFAULT_LOG_CAPACITY) {}

  add(entry: RequestLogEntry): void {
    if (this.entries.length < this.capacity) {
      this.entries.push(entry);
      return;
    }
    this.entries[this.start] = entry;
    this.start = (this.start + 1) % this.capacity;
  }

  /** The entries, oldest first (copies, so callers cannot change the log). */
  list(filter: { mutating?: boolean } = {}): RequestLogEntry[] {
    const ordered = [...this.entries.slice(this.start), ...this.entries.slice(0, this.start)];
    const selected =
      filter.mutating === undefined ? ordered : ordered.filter((entry) => entry.mutating === filter.mutating);
    return selected.map((entry) => ({ ...entry, query: { ...entry.query } }));
  }

  clear(): void {
    this.entries = [];
    this.start = 0;
  }
}
