/**
 * Collects one HTML `<table>` while the parser walks it, and turns it into a table block
 * (one line per row, cells joined by " | ", the header row kept apart so the chunker can
 * repeat it) — or, for a layout table (one column or one row), into plain paragraphs.
 * Nested tables are flattened into the cell that holds them.
 */
import type { ParsedTable } from './parsed.js';

export const CELL_SEPARATOR = ' | ';

const clean = (s: string) => s.replace(/\s+/g, ' ').trim();

export class HtmlTableBuilder {
  private rows: Array<{ cells: string[]; allHeader: boolean; inHead: boolean }> = [];
  private row?: { cells: string[]; allHeader: boolean; inHead: boolean };
  private cell?: { text: string; header: boolean };
  private inHead = false;
  caption = '';

  openSection(name: string): void {
    if (name === 'thead') this.inHead = true;
  }
  closeSection(name: string): void {
    if (name === 'thead') this.inHead = false;
  }
  openRow(): void {
    this.closeRow();
    this.row = { cells: [], allHeader: true, inHead: this.inHead };
  }
  closeRow(): void {
    this.closeCell();
    if (this.row && this.row.cells.some(Boolean)) this.rows.push(this.row);
    this.row = undefined;
  }
  openCell(header: boolean): void {
    this.closeCell();
    if (!this.row) this.openRow();
    this.cell = { text: '', header };
  }
  closeCell(): void {
    if (!this.cell || !this.row) return;
    this.row.cells.push(clean(this.cell.text));
    this.row.allHeader &&= this.cell.header;
    this.cell = undefined;
  }
  /** Text inside the table: goes to the open cell (text between cells is whitespace in valid HTML). */
  text(t: string): void {
    if (this.cell) this.cell.text += t;
  }
  get inCell(): boolean {
    return this.cell !== undefined;
  }

  /**
   * The finished table: `table` when it has at least two rows of at least two cells (a data
   * table), else `paragraphs` (a layout table or a one-cell box: its cells are ordinary text).
   */
  finish(): { table?: ParsedTable; paragraphs: string[] } {
    this.closeRow();
    const wide = this.rows.filter((r) => r.cells.length >= 2);
    if (this.rows.length < 2 || wide.length < 2) return { paragraphs: this.rows.flatMap((r) => r.cells).filter(Boolean) };
    const first = this.rows[0]!;
    const hasHeader = first.inHead || first.allHeader;
    const line = (r: { cells: string[] }) => r.cells.join(CELL_SEPARATOR);
    const body = hasHeader ? this.rows.slice(1) : this.rows;
    // Further header rows (a second <thead> row) join the header.
    const extraHead = body.filter((r) => r.inHead);
    const header = hasHeader ? [first, ...extraHead].map(line).join(' / ') : '';
    return { table: { header, rows: body.filter((r) => !r.inHead).map(line) }, paragraphs: [] };
  }
}
