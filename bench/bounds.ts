/**
 * The lower bounds a rate limit R and a transition time T put on a fleet stop, and the line fit
 * that tells whether cost grows linearly in N. Pure.
 */

/**
 * The least time `requests` requests can take under a limit of R per second, and never less than
 * one transition plus one request: max(T + request time, requests / R). Given `patches`, also
 * never less than those PATCHes at R followed by the last one's transition (patches / R + T): a
 * contender that sends little else cannot finish as soon as its request count alone would allow.
 */
export function rateBoundMs(
  requests: number,
  rateLimit: number,
  transitionMs: number,
  requestMs: number,
  patches = 0,
): number {
  return Math.max(
    transitionMs + requestMs,
    (requests / rateLimit) * 1000,
    (patches / rateLimit) * 1000 + transitionMs,
  );
}

/**
 * The floor for any script: one PATCH per cluster and a single list read that sees them all
 * STOPPED, so N + 1 requests at R, and at least one transition.
 */
export function floorMs(
  clusters: number,
  rateLimit: number,
  transitionMs: number,
  requestMs: number,
): number {
  return rateBoundMs(clusters + 1, rateLimit, transitionMs, requestMs);
}

export interface LineFit {
  intercept: number;
  slope: number;
  /** Coefficient of determination: 1 is a perfect line. */
  rSquared: number;
}

/** Least-squares line through the points; undefined with fewer than two distinct x. */
export function fitLine(points: Array<{ x: number; y: number }>): LineFit | undefined {
  const count = points.length;
  const meanX = points.reduce((sum, point) => sum + point.x, 0) / count;
  const meanY = points.reduce((sum, point) => sum + point.y, 0) / count;
  const sxx = points.reduce((sum, point) => sum + (point.x - meanX) ** 2, 0);
  if (count < 2 || sxx === 0) return undefined;
  const sxy = points.reduce((sum, point) => sum + (point.x - meanX) * (point.y - meanY), 0);
  const slope = sxy / sxx;
  const intercept = meanY - slope * meanX;
  const total = points.reduce((sum, point) => sum + (point.y - meanY) ** 2, 0);
  const residual = points.reduce((sum, point) => sum + (point.y - (intercept + slope * point.x)) ** 2, 0);
  return { intercept, slope, rSquared: total === 0 ? 1 : 1 - residual / total };
}

/**
 * How much a per-cluster cost grew from the smallest fleet to any larger one (values in order of
 * N): 1 means flat, below 1 cheaper per cluster at scale; above 1 is growth faster than linear.
 */
export function growth(values: number[]): number {
  const [first, ...rest] = values;
  if (!first || rest.length === 0) return 1;
  return Math.max(...rest) / first;
}
