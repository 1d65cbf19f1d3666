/**
 * Tiny inline-SVG chart primitives for the evaluation report: line charts (PR / ROC curves),
 * paired histograms (benign vs attack score distributions) and a dot timeline. No scripts, no
 * external resources: the report is one self-contained HTML file.
 */

export function esc(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function n(x: number): string {
  return Number.isFinite(x) ? (Math.round(x * 10) / 10).toString() : '0';
}

export interface Series {
  readonly name: string;
  readonly color: string;
  readonly points: readonly (readonly [number, number])[];
  readonly dashed?: boolean;
}

export interface Frame {
  readonly width: number;
  readonly height: number;
  readonly left: number;
  readonly right: number;
  readonly top: number;
  readonly bottom: number;
}

/** Plot area on the left; the legend gets its own column on the right, outside the plot. */
const LEGEND_WIDTH = 150;
const FRAME: Frame = { width: 440 + LEGEND_WIDTH, height: 320, left: 48, right: 12 + LEGEND_WIDTH, top: 14, bottom: 40 };

function axes(
  f: Frame,
  xLabel: string,
  yLabel: string,
  xTicks: number[],
  yTicks: number[],
  x: (v: number) => number,
  y: (v: number) => number,
  fmtX = (v: number) => String(v),
  fmtY = (v: number) => String(v),
): string {
  const parts: string[] = [];
  parts.push(
    `<rect x="${f.left}" y="${f.top}" width="${f.width - f.left - f.right}" height="${f.height - f.top - f.bottom}" fill="#fff" stroke="#bbb"/>`,
  );
  for (const t of xTicks) {
    parts.push(`<line x1="${n(x(t))}" y1="${f.top}" x2="${n(x(t))}" y2="${f.height - f.bottom}" stroke="#eee"/>`);
    parts.push(
      `<text x="${n(x(t))}" y="${f.height - f.bottom + 14}" font-size="10" text-anchor="middle" fill="#555">${esc(fmtX(t))}</text>`,
    );
  }
  for (const t of yTicks) {
    parts.push(`<line x1="${f.left}" y1="${n(y(t))}" x2="${f.width - f.right}" y2="${n(y(t))}" stroke="#eee"/>`);
    parts.push(`<text x="${f.left - 4}" y="${n(y(t) + 3)}" font-size="10" text-anchor="end" fill="#555">${esc(fmtY(t))}</text>`);
  }
  parts.push(
    `<text x="${(f.left + f.width - f.right) / 2}" y="${f.height - 6}" font-size="11" text-anchor="middle" fill="#333">${esc(xLabel)}</text>`,
  );
  parts.push(
    `<text x="12" y="${(f.top + f.height - f.bottom) / 2}" font-size="11" text-anchor="middle" fill="#333" transform="rotate(-90 12 ${(f.top + f.height - f.bottom) / 2})">${esc(yLabel)}</text>`,
  );
  return parts.join('');
}

/** A line chart over [0,1]×[0,1] (PR and ROC curves). */
export function lineChart(
  series: readonly Series[],
  xLabel: string,
  yLabel: string,
  options: { diagonal?: boolean; title?: string } = {},
): string {
  const f = FRAME;
  const x = (v: number) => f.left + v * (f.width - f.left - f.right);
  const y = (v: number) => f.height - f.bottom - v * (f.height - f.top - f.bottom);
  const ticks = [0, 0.2, 0.4, 0.6, 0.8, 1];
  const parts = [axes(f, xLabel, yLabel, ticks, ticks, x, y)];
  if (options.diagonal) parts.push(`<line x1="${x(0)}" y1="${y(0)}" x2="${x(1)}" y2="${y(1)}" stroke="#ccc" stroke-dasharray="4 3"/>`);
  for (const s of series) {
    if (s.points.length === 0) continue;
    const d = s.points.map(([a, b], i) => `${i === 0 ? 'M' : 'L'}${n(x(a))},${n(y(b))}`).join('');
    parts.push(
      `<path d="${d}" fill="none" stroke="${s.color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="5 3"' : ''}><title>${esc(s.name)}</title></path>`,
    );
  }
  parts.push(legend(series, f.width - f.right + 12, f.top + 8));
  return svg(f, parts.join(''), options.title);
}

function legend(series: readonly { name: string; color: string }[], x0: number, y0: number): string {
  return series
    .map(
      (s, i) =>
        `<rect x="${x0}" y="${y0 + i * 15}" width="10" height="10" fill="${s.color}"/><text x="${x0 + 14}" y="${y0 + i * 15 + 9}" font-size="10" fill="#333">${esc(s.name)}</text>`,
    )
    .join('');
}

function svg(f: Frame, body: string, title?: string): string {
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${f.width}" height="${f.height}" viewBox="0 0 ${f.width} ${f.height}" role="img">${title ? `<title>${esc(title)}</title>` : ''}${body}</svg>`;
}

/** Benign and attack histograms on one axis; counts on a log scale (attacks are rare). */
export function pairedHistogram(
  edges: readonly number[],
  benign: readonly number[],
  attack: readonly number[],
  xLabel: string,
  title: string,
): string {
  const f: Frame = { width: 440 + LEGEND_WIDTH, height: 240, left: 48, right: 12 + LEGEND_WIDTH, top: 14, bottom: 40 };
  const lo = edges[0];
  const hi = edges[edges.length - 1];
  const maxCount = Math.max(1, ...benign, ...attack);
  const logMax = Math.log10(maxCount + 1);
  const x = (v: number) => f.left + ((v - lo) / (hi - lo || 1)) * (f.width - f.left - f.right);
  const y = (c: number) => f.height - f.bottom - (Math.log10(c + 1) / logMax) * (f.height - f.top - f.bottom);
  const xTicks = [0, 0.25, 0.5, 0.75, 1].map((q) => lo + q * (hi - lo));
  const yTicks = [1, 10, 100, 1000, 10000, 100000].filter((t) => t <= maxCount * 1.5);
  const parts = [
    axes(
      f,
      xLabel,
      'windows (log scale)',
      xTicks,
      yTicks,
      x,
      y,
      (v) => (Math.abs(v) >= 100 ? v.toFixed(0) : v.toFixed(1)),
      (v) => String(v),
    ),
  ];
  for (let i = 0; i < benign.length; i++) {
    const x0 = x(edges[i]);
    const w = Math.max(1, x(edges[i + 1]) - x0 - 1);
    if (benign[i] > 0)
      parts.push(
        `<rect x="${n(x0)}" y="${n(y(benign[i]))}" width="${n(w)}" height="${n(f.height - f.bottom - y(benign[i]))}" fill="#9ab" opacity="0.7"><title>benign ${benign[i]}</title></rect>`,
      );
    if (attack[i] > 0)
      parts.push(
        `<rect x="${n(x0 + w / 4)}" y="${n(y(attack[i]))}" width="${n(w / 2)}" height="${n(f.height - f.bottom - y(attack[i]))}" fill="#d33"><title>attack ${attack[i]}</title></rect>`,
      );
  }
  parts.push(
    legend(
      [
        { name: 'benign windows', color: '#9ab' },
        { name: 'attack windows', color: '#d33' },
      ],
      f.width - f.right + 12,
      f.top + 8,
    ),
  );
  return svg(f, parts.join(''), title);
}

export interface TimelineRow {
  readonly label: string;
  /** Attack interval, ms. */
  readonly start: number;
  readonly end: number;
  readonly points: readonly { t: number; score: number; alerted: boolean; title: string }[];
}

/**
 * One row per attack: hours relative to the attack's start on x, the ensemble score (0–100) of
 * each matching entity-window on y; filled red = alerted within the budget, hollow = not.
 */
export function timeline(rows: readonly TimelineRow[], title: string): string {
  const rowH = 46;
  const f: Frame = { width: 900, height: 30 + rows.length * rowH + 44, left: 260, right: 28, top: 20, bottom: 44 };
  let minH = -1;
  let maxH = 2;
  for (const r of rows) {
    maxH = Math.max(maxH, (r.end - r.start) / 3_600_000 + 1);
    for (const p of r.points) {
      minH = Math.min(minH, (p.t - r.start) / 3_600_000);
      maxH = Math.max(maxH, (p.t - r.start) / 3_600_000 + 1);
    }
  }
  minH = Math.floor(minH);
  maxH = Math.ceil(Math.min(maxH, 48));
  const x = (h: number) => f.left + ((Math.min(Math.max(h, minH), maxH) - minH) / (maxH - minH)) * (f.width - f.left - f.right);
  const parts: string[] = [];
  const step = Math.max(1, Math.ceil((maxH - minH) / 12));
  for (let h = minH; h <= maxH; h += step) {
    parts.push(`<line x1="${n(x(h))}" y1="${f.top}" x2="${n(x(h))}" y2="${f.height - f.bottom}" stroke="${h === 0 ? '#999' : '#eee'}"/>`);
    parts.push(
      `<text x="${n(x(h))}" y="${f.height - f.bottom + 14}" font-size="10" text-anchor="middle" fill="#555">${h >= 0 ? '+' : ''}${h} h</text>`,
    );
  }
  parts.push(
    `<text x="${(f.left + f.width - f.right) / 2}" y="${f.height - 8}" font-size="11" text-anchor="middle" fill="#333">hours from the attack's start</text>`,
  );
  rows.forEach((r, i) => {
    const top = f.top + i * rowH;
    const y = (score: number) => top + rowH - 6 - (score / 100) * (rowH - 12);
    // Each row has its own score scale (0–100): ticks at 0, 50 and 100 beside the plot.
    for (const t of [0, 50, 100]) {
      parts.push(`<line x1="${f.left - 3}" y1="${n(y(t))}" x2="${f.left}" y2="${n(y(t))}" stroke="#999"/>`);
      parts.push(`<text x="${f.left - 5}" y="${n(y(t) + 3)}" font-size="8" text-anchor="end" fill="#777">${t}</text>`);
    }
    parts.push(`<line x1="${f.left}" y1="${n(y(100))}" x2="${f.left}" y2="${n(y(0))}" stroke="#999"/>`);
    parts.push(`<text x="${f.left - 26}" y="${top + rowH / 2 + 3}" font-size="10" text-anchor="end" fill="#333">${esc(r.label)}</text>`);
    parts.push(
      `<rect x="${n(x(0))}" y="${top + 3}" width="${n(Math.max(2, x((r.end - r.start) / 3_600_000) - x(0)))}" height="${rowH - 6}" fill="#fde2e2"><title>attack interval</title></rect>`,
    );
    parts.push(`<line x1="${f.left}" y1="${top + rowH}" x2="${f.width - f.right}" y2="${top + rowH}" stroke="#eee"/>`);
    for (const p of r.points) {
      const cx = x((p.t - r.start) / 3_600_000 + 0.5);
      parts.push(
        `<circle cx="${n(cx)}" cy="${n(y(p.score))}" r="4" fill="${p.alerted ? '#d33' : '#fff'}" stroke="#d33"><title>${esc(p.title)}</title></circle>`,
      );
    }
  });
  parts.push(
    `<text x="12" y="${(f.top + f.height - f.bottom) / 2}" font-size="11" text-anchor="middle" fill="#333" transform="rotate(-90 12 ${(f.top + f.height - f.bottom) / 2})">score</text>`,
  );
  return svg(f, parts.join(''), title);
}
