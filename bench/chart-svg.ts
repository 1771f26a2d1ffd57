import type { FleetSizeResult } from './fleet-bench';

/**
 * The fleet-stop chart as hand-written SVG (no dependency): wall time against fleet size on a
 * logarithmic time axis, one line per contender, the bounds dotted, extrapolated points hollow.
 */

interface Point {
  x: number;
  y: number;
  hollow?: boolean;
}

interface Series {
  label: string;
  colour: string;
  dash?: string;
  points: Point[];
}

const WIDTH = 900;
const HEIGHT = 440;
const PLOT = { left: 70, top: 64, right: 600, bottom: 380 };

const escape = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const round = (value: number) => Math.round(value * 10) / 10;

function seriesOf(fleet: FleetSizeResult[]): Series[] {
  const seconds = (ms: number) => ms / 1000;
  const pick = (contender: string) =>
    fleet.flatMap((size) =>
      size.runs
        .filter((entry) => entry.contender === contender)
        .map((entry) => ({ x: size.n, y: seconds(entry.wallMs), hollow: Boolean(entry.extrapolatedFrom) })),
    );
  const ours = fleet.map((size) => size.runs.find((entry) => entry.contender === 'ours'));
  return [
    { label: 'sequential (hollow, dashed: extrapolated)', colour: '#d95f02', points: pick('sequential') },
    { label: 'hand-written concurrent', colour: '#1b9e77', points: pick('concurrent') },
    { label: 'ours (schedule trigger)', colour: '#3060c0', points: pick('ours') },
    {
      label: "rate bound, ours' requests",
      colour: '#555555',
      dash: '2 4',
      points: fleet.map((size, index) => ({ x: size.n, y: seconds(ours[index]?.boundMs ?? size.floorMs) })),
    },
    {
      label: 'floor, any script',
      colour: '#999999',
      dash: '8 5',
      points: fleet.map((size) => ({ x: size.n, y: seconds(size.floorMs) })),
    },
  ];
}

function logTicks(low: number, high: number): number[] {
  const ticks: number[] = [];
  for (let decade = 10 ** Math.floor(Math.log10(low)); decade <= high; decade *= 10) {
    for (const step of [1, 2, 5])
      if (step * decade >= low && step * decade <= high) ticks.push(step * decade);
  }
  return ticks;
}

function scales(series: Series[]) {
  const ys = series.flatMap((entry) => entry.points.map((point) => point.y)).filter((y) => y > 0);
  const xs = series.flatMap((entry) => entry.points.map((point) => point.x));
  const low = 10 ** Math.floor(Math.log10(Math.min(...ys)));
  const high = 10 ** Math.ceil(Math.log10(Math.max(...ys)));
  const maxX = Math.max(...xs) * 1.05;
  const x = (value: number) => round(PLOT.left + (value / maxX) * (PLOT.right - PLOT.left));
  const y = (value: number) =>
    round(
      PLOT.bottom -
        ((Math.log10(value) - Math.log10(low)) / Math.log10(high / low)) * (PLOT.bottom - PLOT.top),
    );
  return { x, y, yTicks: logTicks(low, high), xTicks: [0, ...new Set(xs)] };
}

function axes(scale: ReturnType<typeof scales>): string[] {
  const parts = scale.yTicks.map(
    (tick) =>
      `<line x1="${PLOT.left}" x2="${PLOT.right}" y1="${scale.y(tick)}" y2="${scale.y(tick)}" stroke="#e4e4e4"/>` +
      `<text x="${PLOT.left - 8}" y="${scale.y(tick) + 4}" text-anchor="end">${tick}</text>`,
  );
  for (const tick of scale.xTicks) {
    parts.push(
      `<line x1="${scale.x(tick)}" x2="${scale.x(tick)}" y1="${PLOT.bottom}" y2="${PLOT.bottom + 5}" stroke="#333"/>` +
        `<text x="${scale.x(tick)}" y="${PLOT.bottom + 20}" text-anchor="middle">${tick}</text>`,
    );
  }
  parts.push(
    `<path d="M${PLOT.left} ${PLOT.top}V${PLOT.bottom}H${PLOT.right}" fill="none" stroke="#333"/>`,
    `<text x="${(PLOT.left + PLOT.right) / 2}" y="${PLOT.bottom + 44}" text-anchor="middle">fleet size N (clusters)</text>`,
    `<text transform="translate(20 ${(PLOT.top + PLOT.bottom) / 2}) rotate(-90)" text-anchor="middle">wall time (s, log scale)</text>`,
  );
  return parts;
}

function markers(entry: Series, scale: ReturnType<typeof scales>): string {
  if (entry.dash) return '';
  return entry.points
    .map(
      (point) =>
        `<circle cx="${scale.x(point.x)}" cy="${scale.y(point.y)}" r="4" stroke="${entry.colour}" stroke-width="2" ` +
        `fill="${point.hollow ? 'white' : entry.colour}"/>`,
    )
    .join('');
}

function line(entry: Series, scale: ReturnType<typeof scales>, index: number): string {
  const coordinates = (points: Point[]) =>
    points.map((point) => `${scale.x(point.x)},${scale.y(point.y)}`).join(' ');
  const measured = entry.points.filter((point) => !point.hollow);
  const dash = entry.dash ? ` stroke-dasharray="${entry.dash}"` : '';
  // Extrapolated points hang off the last measured one on a dashed line: not a measurement.
  const extension = entry.points.filter((point) => point.hollow);
  const extended =
    measured.length && extension.length ? [measured[measured.length - 1] as Point, ...extension] : [];
  const legendY = PLOT.top + 10 + index * 24;
  return (
    `<polyline data-series="${escape(entry.label)}" points="${coordinates(measured)}" fill="none" stroke="${entry.colour}" stroke-width="2"${dash}/>` +
    (extended.length
      ? `<polyline points="${coordinates(extended)}" fill="none" stroke="${entry.colour}" stroke-width="2" stroke-dasharray="6 4"/>`
      : '') +
    markers(entry, scale) +
    `<line x1="${PLOT.right + 16}" x2="${PLOT.right + 40}" y1="${legendY}" y2="${legendY}" stroke="${entry.colour}" stroke-width="2"${dash}/>` +
    `<text x="${PLOT.right + 46}" y="${legendY + 4}">${escape(entry.label)}</text>`
  );
}

/** The chart of a fleet-stop run as an SVG document. Pure. */
export function fleetChartSvg(fleet: FleetSizeResult[], subtitle: string): string {
  const series = seriesOf(fleet).filter((entry) => entry.points.length > 0);
  const scale = scales(series);
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" ` +
      `font-family="Helvetica, Arial, sans-serif" font-size="12" fill="#222">`,
    `<rect width="${WIDTH}" height="${HEIGHT}" fill="white"/>`,
    `<text x="${PLOT.left}" y="26" font-size="16" font-weight="bold">Fleet stop: wall time against fleet size</text>`,
    `<text x="${PLOT.left}" y="46" fill="#555">${escape(subtitle)}</text>`,
    ...axes(scale),
    ...series.map((entry, index) => line(entry, scale, index)),
    '</svg>',
    '',
  ].join('\n');
}
