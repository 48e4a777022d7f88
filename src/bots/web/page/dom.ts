/**
 * A tiny element builder. Text always goes in as text (never as HTML); the only HTML the
 * page inserts is the sanitised Markdown rendering of render.ts.
 */
type Attributes = Record<string, string | number | boolean | undefined>;
type Child = Node | string | number | undefined | null | false;

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attributes: Attributes = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === false) continue;
    el.setAttribute(name, value === true ? '' : String(value));
  }
  append(el, ...children);
  return el;
}

export function append(parent: Element, ...children: Child[]): void {
  for (const child of children) {
    if (child === undefined || child === null || child === false) continue;
    parent.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const el = document.getElementById(id);
  if (!el) throw new Error(`missing #${id}`);
  return el as T;
}

/** A URL-safe random id (works on plain http too, where crypto.randomUUID is missing). */
export function randomId(bytes = 16): string {
  const raw = crypto.getRandomValues(new Uint8Array(bytes));
  return btoa(String.fromCharCode(...raw)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** "title › section" (section left out when empty or equal to the title). */
export function heading(title: string, section: string): string {
  return section && section !== title ? `${title} › ${section}` : title;
}
