/**
 * Front matter: the metadata block static-site generators (Jekyll, Hugo, Docusaurus, MkDocs…)
 * put at the top of a Markdown file — YAML between `---` lines, or TOML between `+++` lines.
 * It is metadata, not text a reader sees: its `title` becomes the document title and the
 * block is removed before Markdown parsing (otherwise `---` after text makes it a heading).
 * Parsed with `yaml` and `smol-toml`.
 */
import { parse as parseToml } from 'smol-toml';
import { parse as parseYaml } from 'yaml';

export interface FrontMatter {
  /** The Markdown after the front matter ('' lines kept so line numbers do not matter). */
  body: string;
  title?: string;
  /** A front matter block that did not parse (it is then kept as text). */
  warning?: string;
}

const YAML_BLOCK = /^---[ \t]*\r?\n([\s\S]*?)\r?\n(?:---|\.\.\.)[ \t]*(?:\r?\n|$)/;
const TOML_BLOCK = /^\+\+\+[ \t]*\r?\n([\s\S]*?)\r?\n\+\+\+[ \t]*(?:\r?\n|$)/;

export function splitFrontMatter(markdown: string): FrontMatter {
  const text = markdown.replace(/^\uFEFF/, '');
  const formats: Array<[RegExp, (src: string) => unknown, string]> = [
    [YAML_BLOCK, (src) => parseYaml(src), 'YAML'],
    [TOML_BLOCK, (src) => parseToml(src), 'TOML'],
  ];
  for (const [pattern, parse, name] of formats) {
    const m = pattern.exec(text);
    if (!m) continue;
    const body = text.slice(m[0].length);
    let data: unknown;
    try {
      data = parse(m[1]!);
    } catch (err) {
      // Keep the text: losing prose that merely looked like front matter would be worse.
      return { body: text, warning: `front matter is not valid ${name} (${(err as Error).message.split('\n')[0]}): kept as text` };
    }
    // Not a mapping (e.g. a horizontal rule followed by prose): not front matter, keep the text.
    if (!data || typeof data !== 'object' || Array.isArray(data)) return { body: text };
    const title = (data as { title?: unknown }).title;
    return { body, title: typeof title === 'string' && title.trim() ? title.trim() : undefined };
  }
  return { body: text };
}
