/**
 * The knowledge base page: what is indexed (documents, figure gallery with captions, OCR
 * text and descriptions) and a search box that shows the same scores as the "why" panel.
 */
import type { KbSearchHit } from '../protocol.js';
import { ApiError, getJson } from './api.js';
import { byId, h, heading } from './dom.js';
import { levelLabel, scoreTable, timingsList } from './scores.js';

interface KbFigure {
  id: string;
  caption: string;
  ocrText?: string;
  description?: string;
  title: string;
  section: string;
  source: string;
  width?: number;
  height?: number;
  url: string;
}

interface KbDocument {
  docId: string;
  source: string;
  kind: string;
  title: string;
  chunks: number;
  figures: number;
  ingestedAt: string;
  warnings?: string[];
}

type KbInfo =
  | { available: false; searchable: boolean; reason: string }
  | { available: true; searchable: boolean; searchReason?: string; model: string; updatedAt: string; totalDocuments: number; totalFigures: number; documents: KbDocument[]; figures: KbFigure[] };

const summary = byId('kb-summary');
const gallery = byId('gallery');
const more = byId<HTMLButtonElement>('more-figures');
const searchForm = byId<HTMLFormElement>('kb-search');
const searchStatus = byId('kb-search-status');
const results = byId('kb-results');
let shownFigures = 0;

const sourceHref = (source: string) => (/^https?:\/\//i.test(source) ? source : `/sources/file?source=${encodeURIComponent(source)}`);
const date = (iso: string) => (Number.isNaN(Date.parse(iso)) ? iso : new Date(iso).toLocaleString());

function figureCard(f: KbFigure): HTMLElement {
  const caption = f.caption || heading(f.title, f.section);
  const card = h(
    'figure',
    { 'data-figure-id': f.id },
    h('a', { href: f.url, target: '_blank', rel: 'noopener', 'aria-label': `Open "${caption}" at full size` }, h('img', { src: f.url, alt: caption, loading: 'lazy', width: f.width, height: f.height })),
    h('figcaption', {}, caption),
    h('p', { class: 'meta' }, heading(f.title, f.section), ' · ', f.width && f.height ? `${f.width}×${f.height}` : ''),
  );
  if (f.ocrText) card.append(h('details', { class: 'ocr' }, h('summary', {}, 'Text in the image (OCR)'), h('p', {}, f.ocrText)));
  if (f.description) card.append(h('details', { class: 'description' }, h('summary', {}, 'Description'), h('p', {}, f.description)));
  return card;
}

function showFigures(figures: KbFigure[], total: number) {
  gallery.append(...figures.map(figureCard));
  shownFigures += figures.length;
  more.hidden = shownFigures >= total;
}

function showDocuments(documents: KbDocument[]) {
  const body = byId('documents').querySelector('tbody')!;
  body.replaceChildren(
    ...documents.map((d) =>
      h(
        'tr',
        {},
        h('td', {}, d.title),
        h('td', {}, h('a', { href: sourceHref(d.source), target: '_blank', rel: 'noopener noreferrer' }, d.source)),
        h('td', {}, d.kind),
        h('td', { class: 'num' }, d.chunks),
        h('td', { class: 'num' }, d.figures),
        h('td', {}, date(d.ingestedAt)),
        h('td', {}, d.warnings?.length ? d.warnings.join('; ') : '—'),
      ),
    ),
  );
}

async function load() {
  try {
    const info = await getJson<KbInfo>('/api/kb');
    if (!info.available) {
      summary.textContent = info.reason;
    } else {
      summary.textContent = `${info.totalDocuments} documents, ${info.totalFigures} figures · embedding model ${info.model} · updated ${date(info.updatedAt)}`;
      showDocuments(info.documents);
      showFigures(info.figures, info.totalFigures);
    }
    if (!info.searchable) {
      for (const el of searchForm.querySelectorAll<HTMLInputElement | HTMLButtonElement>('input, button')) el.disabled = true;
      searchStatus.textContent = info.available ? (info.searchReason ?? '') : 'Search is not available.';
    }
  } catch (err) {
    summary.textContent = err instanceof Error ? err.message : 'Could not load the knowledge base.';
  }
}

more.addEventListener('click', async () => {
  const page = await getJson<{ totalFigures: number; figures: KbFigure[] }>(`/api/kb/figures?offset=${shownFigures}`);
  showFigures(page.figures, page.totalFigures);
});

searchForm.addEventListener('submit', async (event) => {
  event.preventDefault();
  const q = byId<HTMLInputElement>('kb-query').value.trim();
  if (!q) return;
  searchStatus.textContent = 'Searching…';
  results.replaceChildren();
  try {
    const found = await getJson<{ level?: number; timings: Record<string, number>; hits: KbSearchHit[] }>(`/api/kb/search?q=${encodeURIComponent(q)}`);
    const rows = (kind: KbSearchHit['kind']) =>
      found.hits.filter((hit) => hit.kind === kind).map((hit) => ({ label: kind === 'figure' ? hit.text || heading(hit.title, hit.section) : heading(hit.title, hit.section), detail: kind === 'figure' ? heading(hit.title, hit.section) : hit.text, score: hit.score, signals: hit.signals, thumbUrl: hit.imageUrl }));
    const level = levelLabel(found.level);
    searchStatus.textContent = `${found.hits.length} results${level ? ` · ${level}` : ''}.`;
    results.append(
      h('h3', {}, 'Text chunks'),
      scoreTable('Text chunks found, with their scores', rows('text')),
      h('h3', {}, 'Figures'),
      scoreTable('Figures found, with their scores', rows('figure')),
      h('h3', {}, 'Timings'),
      timingsList(found.timings),
    );
  } catch (err) {
    searchStatus.textContent = err instanceof ApiError ? err.message : 'The search failed.';
  }
});

void load();
