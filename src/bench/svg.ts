// A grouped bar chart as a standalone SVG document. Pure: same spec in, same string out.
// Categories along the x axis (e.g. transports), one bar per series in each (e.g. avg, p99),
// a linear y axis from zero with round ticks, the value printed above every bar.

export interface BarSeries {
  name: string;
  /** One value per category; null draws no bar and prints "n/a". */
  values: (number | null)[];
  color?: string;
}

export interface BarChartSpec {
  title: string;
  /** Unit of the y axis and the value labels, e.g. "us" or "ops/s". */
  unit: string;
  categories: string[];
  series: BarSeries[];
  /** A small line under the title (machine, command). */
  subtitle?: string;
  width?: number;
  height?: number;
}

// Tableau-style categorical colours; 16 before any repeats (the bench compares 11 configurations).
const PALETTE = ['#4e79a7', '#f28e2b', '#59a14f', '#e15759', '#76b7b2', '#edc948', '#b07aa1', '#9c755f',
  '#ff9da7', '#79706e', '#86bcb6', '#d37295', '#8cd17d', '#b6992d', '#499894', '#fabfd2'];

export function escapeXml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]!);
}

/** Largest value rounded up to a 1/2/5 x 10^k step, with that step (at least one tick). */
export function niceScale(max: number, ticks = 5): { top: number; step: number } {
  if (!(max > 0) || !Number.isFinite(max)) return { top: 1, step: 0.2 };
  const raw = max / ticks;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  return { top: Math.ceil(max / step - 1e-9) * step, step };
}

/** 3 significant digits, plain for ordinary sizes, k/M suffixes for large ones. */
export function formatValue(v: number): string {
  const a = Math.abs(v);
  if (a >= 1e6) return `${+(v / 1e6).toPrecision(3)}M`;
  if (a >= 1e4) return `${+(v / 1e3).toPrecision(3)}k`;
  if (a >= 100) return String(Math.round(v));
  return String(+v.toPrecision(3));
}

const f = (n: number): string => String(Math.round(n * 10) / 10);

export function barChartSvg(spec: BarChartSpec): string {
  const width = spec.width ?? 640;
  const height = spec.height ?? 400;
  // Legend swatches flow left to right and wrap; the plot starts below them.
  const left = 70, right = 20, bottom = 48;
  const legend: Array<{ x: number; row: number; name: string; color: string }> = [];
  let lx = left;
  let row = 0;
  spec.series.forEach((s, i) => {
    const w = 16 + 7 * s.name.length + 18;
    if (lx + w > width - right && lx > left) { lx = left; row++; }
    legend.push({ x: lx, row, name: s.name, color: s.color ?? PALETTE[i % PALETTE.length]! });
    lx += w;
  });
  const legendTop = spec.subtitle ? 60 : 44;
  const top = legendTop + (row + 1) * 18 + 10;
  const plotW = width - left - right;
  const plotH = height - top - bottom;
  const finite = spec.series.flatMap((s) => s.values).filter((v): v is number => v !== null && Number.isFinite(v));
  const { top: yMax, step } = niceScale(Math.max(0, ...finite));
  const y = (v: number): number => top + plotH - (Math.max(0, v) / yMax) * plotH;

  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`);
  out.push(`<title>${escapeXml(spec.title)}</title>`);
  out.push(`<rect x="0" y="0" width="${width}" height="${height}" fill="#ffffff"/>`);
  out.push(`<text x="${f(width / 2)}" y="22" text-anchor="middle" font-size="15" font-weight="bold">${escapeXml(spec.title)}</text>`);
  if (spec.subtitle) out.push(`<text x="${f(width / 2)}" y="40" text-anchor="middle" fill="#555555">${escapeXml(spec.subtitle)}</text>`);
  for (const l of legend) {
    const ly = legendTop + l.row * 18 + 12;
    out.push(`<rect x="${f(l.x)}" y="${f(ly - 10)}" width="12" height="12" fill="${escapeXml(l.color)}"/>`);
    out.push(`<text x="${f(l.x + 16)}" y="${f(ly)}">${escapeXml(l.name)}</text>`);
  }

  // Y axis with grid lines.
  for (let v = 0; v <= yMax + step / 2; v += step) {
    const yy = y(v);
    out.push(`<line x1="${left}" y1="${f(yy)}" x2="${left + plotW}" y2="${f(yy)}" stroke="#e0e0e0"/>`);
    out.push(`<text x="${left - 6}" y="${f(yy + 4)}" text-anchor="end">${escapeXml(formatValue(v))}</text>`);
  }
  out.push(`<text x="16" y="${f(top + plotH / 2)}" text-anchor="middle" transform="rotate(-90 16 ${f(top + plotH / 2)})">${escapeXml(spec.unit)}</text>`);
  out.push(`<line x1="${left}" y1="${top}" x2="${left}" y2="${top + plotH}" stroke="#333333"/>`);
  out.push(`<line x1="${left}" y1="${top + plotH}" x2="${left + plotW}" y2="${top + plotH}" stroke="#333333"/>`);

  // Bars: each category gets an equal slot, 75% of it filled by its series' bars.
  const nCat = Math.max(1, spec.categories.length);
  const nSer = Math.max(1, spec.series.length);
  const slot = plotW / nCat;
  const barW = (slot * 0.75) / nSer;
  spec.categories.forEach((cat, ci) => {
    const x0 = left + ci * slot + slot * 0.125;
    spec.series.forEach((s, si) => {
      const v = s.values[ci] ?? null;
      const x = x0 + si * barW;
      const cx = x + barW / 2;
      if (v === null || !Number.isFinite(v)) {
        out.push(`<text x="${f(cx)}" y="${f(top + plotH - 4)}" text-anchor="middle" fill="#888888">n/a</text>`);
        return;
      }
      const color = s.color ?? PALETTE[si % PALETTE.length]!;
      const yy = y(v);
      out.push(`<rect x="${f(x + 1)}" y="${f(yy)}" width="${f(Math.max(1, barW - 2))}" height="${f(top + plotH - yy)}" fill="${escapeXml(color)}"><title>${escapeXml(`${cat} ${s.name}: ${formatValue(v)} ${spec.unit}`)}</title></rect>`);
      out.push(`<text x="${f(cx)}" y="${f(yy - 4)}" text-anchor="middle" font-size="11">${escapeXml(formatValue(v))}</text>`);
    });
    out.push(`<text x="${f(left + ci * slot + slot / 2)}" y="${top + plotH + 18}" text-anchor="middle">${escapeXml(cat)}</text>`);
  });
  out.push('</svg>');
  return out.join('\n') + '\n';
}
