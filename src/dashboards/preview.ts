/**
 * An SVG picture of a dashboard's layout, drawn from the Kibana bundle itself (panel grid,
 * titles, chart kinds and controls), so the README shows what an import produces. Deterministic:
 * the same bundle always gives the same bytes.
 */
import { isRecord } from '../guards.js';
import type { SavedObject } from './saved-object.js';

const COL = 20; // px per grid column (48 columns → 960 px)
const ROW = 20; // px per grid row (Kibana's row height)
const PAD = 16;
const HEADER = 44;
const CONTROLS = 40;

interface PanelBox {
  readonly x: number;
  readonly y: number;
  readonly w: number;
  readonly h: number;
  readonly title: string;
  /** lnsXY:bar_stacked, lnsXY:line, lnsXY:bar_horizontal, lnsMetric, lnsDatatable, markdown */
  readonly kind: string;
  /** Column labels in layer order (table headers, legend entries). */
  readonly labels: readonly string[];
  /** Series drawn: one per metric, or 3 stand-ins for a split by terms. */
  readonly series: number;
}

const PALETTE = ['#54b399', '#6092c0', '#d36086', '#9170b8', '#ca8eae', '#d6bf57'];

function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** Truncates text to about what fits in `width` px at `size` px font (average glyph ≈ 0.6 em). */
function fit(text: string, width: number, size = 11): string {
  const max = Math.max(3, Math.floor(width / (size * 0.6)));
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

function panelsOf(dashboard: SavedObject): PanelBox[] {
  const panels: unknown = JSON.parse(String(dashboard.attributes.panelsJSON));
  if (!Array.isArray(panels)) return [];
  return panels.filter(isRecord).map((p) => {
    const g = isRecord(p.gridData) ? p.gridData : {};
    const config = isRecord(p.embeddableConfig) ? p.embeddableConfig : {};
    const attrs = isRecord(config.attributes) ? config.attributes : {};
    const state = isRecord(attrs.state) ? attrs.state : {};
    const vis = isRecord(state.visualization) ? state.visualization : {};
    let kind = 'markdown';
    const labels: string[] = [];
    let series = 1;
    if (p.type === 'lens') {
      kind = String(attrs.visualizationType);
      if (kind === 'lnsXY') kind += `:${String(vis.preferredSeriesType)}`;
      const ds = isRecord(state.datasourceStates) && isRecord(state.datasourceStates.formBased) ? state.datasourceStates.formBased : {};
      for (const layer of Object.values(isRecord(ds.layers) ? ds.layers : {})) {
        if (!isRecord(layer) || !isRecord(layer.columns) || !Array.isArray(layer.columnOrder)) continue;
        const columns = layer.columns;
        for (const id of layer.columnOrder) {
          const col = columns[String(id)];
          if (isRecord(col)) labels.push(String(col.label));
        }
      }
      const layers = Array.isArray(vis.layers) ? vis.layers.filter(isRecord) : [];
      const first = layers[0];
      if (first) series = first.splitAccessor ? 3 : Array.isArray(first.accessors) ? first.accessors.length : 1;
    }
    return { x: Number(g.x), y: Number(g.y), w: Number(g.w), h: Number(g.h), title: String(p.title ?? attrs.title ?? ''), kind, labels, series };
  });
}

function controlsOf(dashboard: SavedObject): string[] {
  const input = dashboard.attributes.controlGroupInput;
  if (!isRecord(input) || typeof input.panelsJSON !== 'string') return [];
  const parsed: unknown = JSON.parse(input.panelsJSON);
  if (!isRecord(parsed)) return [];
  return Object.values(parsed)
    .filter(isRecord)
    .sort((a, b) => Number(a.order) - Number(b.order))
    .map((c) => (isRecord(c.explicitInput) ? String(c.explicitInput.title ?? c.explicitInput.fieldName) : ''));
}

/** A small glyph that says what the panel draws (bars, lines, a number, a table, text). */
function glyph(p: PanelBox, x: number, y: number, w: number, h: number): string {
  const kind = p.kind;
  const parts: string[] = [];
  const ink = PALETTE[1];
  if (kind === 'lnsMetric') {
    parts.push(`<text x="${x + w / 2}" y="${y + h / 2 + 6}" font-size="${Math.min(32, h / 2)}" text-anchor="middle" fill="${ink}" font-weight="bold">123</text>`);
    parts.push(`<text x="${x + w / 2}" y="${y + h - 4}" font-size="11" text-anchor="middle" fill="#69707d">${escapeXml(fit(p.labels[0] ?? '', w))}</text>`);
  } else if (kind === 'lnsDatatable') {
    const rows = Math.max(2, Math.min(8, Math.floor(h / 18)));
    const rowH = (h - 12) / rows;
    for (let i = 0; i < rows; i++) {
      const ry = y + 6 + i * rowH;
      parts.push(`<rect x="${x + 6}" y="${ry.toFixed(1)}" width="${w - 12}" height="${Math.max(4, rowH - 4).toFixed(1)}" fill="${i === 0 ? '#d3dae6' : '#f1f4fa'}"/>`);
    }
    // Header: the column labels, widths shared out evenly.
    const colW = (w - 12) / Math.max(1, p.labels.length);
    p.labels.forEach((label, i) => {
      parts.push(`<text x="${(x + 10 + i * colW).toFixed(1)}" y="${(y + 6 + Math.min(rowH - 4, 16) - 4).toFixed(1)}" font-size="10" fill="#343741">${escapeXml(fit(label, colW - 4, 10))}</text>`);
    });
  } else if (kind === 'markdown') {
    for (let i = 0; i < 4; i++) parts.push(`<rect x="${x + 8}" y="${y + 8 + i * 14}" width="${(w - 16) * (i === 3 ? 0.6 : 1)}" height="6" fill="#d3dae6"/>`);
  } else if (kind.endsWith(':bar_horizontal')) {
    const bars = 5;
    const slot = (h - 12) / bars;
    for (let i = 0; i < bars; i++) {
      let bx = x + 6;
      const total = ((w - 12) * (bars - i)) / bars;
      for (let s = 0; s < p.series; s++) {
        const part = total / p.series;
        parts.push(`<rect x="${bx.toFixed(1)}" y="${(y + 6 + i * slot).toFixed(1)}" width="${part.toFixed(1)}" height="${Math.max(3, slot - 4).toFixed(1)}" fill="${PALETTE[s % PALETTE.length]}"/>`);
        bx += part;
      }
    }
  } else if (kind.endsWith(':line') || kind.endsWith(':area')) {
    const n = 12;
    for (let s = 0; s < p.series; s++) {
      const pts: string[] = [];
      for (let i = 0; i <= n; i++) {
        const v = 0.45 + 0.3 * Math.sin(i * 1.3 + s * 1.7) * Math.cos(i * 0.4 + s) - s * 0.08;
        pts.push(`${(x + 6 + (i * (w - 12)) / n).toFixed(1)},${(y + h - 6 - Math.max(0.05, v) * (h - 12)).toFixed(1)}`);
      }
      parts.push(`<polyline points="${pts.join(' ')}" fill="none" stroke="${PALETTE[s % PALETTE.length]}" stroke-width="2"/>`);
    }
  } else {
    const bars = Math.max(4, Math.min(16, Math.floor(w / 14)));
    const bw = (w - 12) / bars;
    for (let i = 0; i < bars; i++) {
      const v = 0.3 + 0.6 * Math.abs(Math.sin(i * 0.9 + 0.5));
      let top = y + h - 6;
      for (let s = 0; s < p.series; s++) {
        const seg = (v * (h - 12)) / p.series;
        top -= seg;
        parts.push(`<rect x="${(x + 6 + i * bw).toFixed(1)}" y="${top.toFixed(1)}" width="${(bw - 2).toFixed(1)}" height="${seg.toFixed(1)}" fill="${PALETTE[s % PALETTE.length]}"/>`);
      }
    }
  }
  return parts.join('');
}

export function dashboardSvg(dashboard: SavedObject): string {
  const panels = panelsOf(dashboard);
  const controls = controlsOf(dashboard);
  const top = HEADER + (controls.length > 0 ? CONTROLS : 0);
  const rows = Math.max(...panels.map((p) => p.y + p.h), 1);
  const width = 48 * COL + 2 * PAD;
  const height = top + rows * ROW + 2 * PAD;
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="Inter, Helvetica, Arial, sans-serif">`,
    `<rect width="${width}" height="${height}" fill="#f7f8fc"/>`,
    `<text x="${PAD}" y="${PAD + 18}" font-size="18" font-weight="bold" fill="#1a1c21">${escapeXml(String(dashboard.attributes.title))}</text>`,
  ];
  controls.forEach((label, i) => {
    const cx = PAD + i * 240;
    out.push(`<rect x="${cx}" y="${HEADER + 4}" width="228" height="28" rx="4" fill="#ffffff" stroke="#d3dae6"/>`);
    out.push(`<text x="${cx + 10}" y="${HEADER + 23}" font-size="12" fill="#343741">${escapeXml(label)} ▾</text>`);
  });
  for (const p of panels) {
    const x = PAD + p.x * COL + 2;
    const y = PAD + top + p.y * ROW + 2;
    const w = p.w * COL - 4;
    const h = p.h * ROW - 4;
    out.push(`<g><rect x="${x}" y="${y}" width="${w}" height="${h}" rx="4" fill="#ffffff" stroke="#d3dae6"/>`);
    out.push(`<text x="${x + 8}" y="${y + 18}" font-size="12" font-weight="bold" fill="#343741">${escapeXml(fit(p.title, w - 16, 12))}</text>`);
    out.push(glyph(p, x + 4, y + 26, w - 8, h - 30));
    out.push('</g>');
  }
  out.push('</svg>');
  return out.join('\n') + '\n';
}
