// Plain-text tables: right-aligned numbers, left-aligned text, one space-padded grid.
// A row shorter than the header ends in a cell that spans the remaining columns (used
// for "unavailable: <reason>"); it does not widen the columns.

export type Cell = string | number | null | undefined;

/** Format a number for a table: NaN/null as '-', else `digits` decimals. */
export function num(v: number | null | undefined, digits = 1): string {
  if (v === null || v === undefined || Number.isNaN(v)) return '-';
  return v.toFixed(digits);
}

const show = (c: Cell): string => (c === null || c === undefined ? '-' : String(c));
const NUMERIC = /^-?[\d.]+$|^-$/;

export function formatTable(header: string[], rows: Cell[][]): string {
  const full = rows.filter((r) => r.length >= header.length).map((r) => r.map(show));
  const widths = header.map((h, i) => Math.max(h.length, ...full.map((r) => (r[i] ?? '').length)));
  const numeric = header.map((_, i) => i > 0 && full.length > 0 && full.every((r) => NUMERIC.test(r[i] ?? '')));
  const line = (cells: string[]): string => {
    const out: string[] = [];
    for (let i = 0; i < cells.length; i++) {
      const c = cells[i]!;
      const spans = cells.length < header.length && i === cells.length - 1;
      out.push(spans ? c : numeric[i] ? c.padStart(widths[i]!) : c.padEnd(widths[i]!));
    }
    return out.join('  ').trimEnd();
  };
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map((r) => line(r.map(show)))].join('\n') + '\n';
}
