/**
 * Where tesseract's language data comes from: the `@tesseract.js-data/<lang>` npm packages,
 * which ship the weights (so OCR works with no network). We use their `4.0.0_best_int`
 * variant: the LSTM "best" models converted to integers, the accuracy of `best` at about the
 * speed of `fast` (tesseract's own tessdata_best_int notes), ~3 MB for English.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { UserFacingError } from '../../errors.js';

export const TRAINEDDATA_VARIANT = '4.0.0_best_int';

const require = createRequire(import.meta.url);

/** Directory holding `<lang>.traineddata.gz` for one language; a clear error when the package is missing. */
export function traineddataDir(lang: string): string {
  let pkg: string;
  try {
    pkg = path.dirname(require.resolve(`@tesseract.js-data/${lang}/package.json`));
  } catch {
    throw new UserFacingError(
      'ocr_language_missing',
      `OCR_LANGS includes "${lang}" but its language data is not installed: run \`npm install @tesseract.js-data/${lang}\`, or remove it from OCR_LANGS (or set OCR_ENABLED=false).`,
    );
  }
  const dir = path.join(pkg, TRAINEDDATA_VARIANT);
  if (!existsSync(path.join(dir, `${lang}.traineddata.gz`))) {
    throw new UserFacingError('ocr_language_missing', `@tesseract.js-data/${lang} has no ${TRAINEDDATA_VARIANT}/${lang}.traineddata.gz.`);
  }
  return dir;
}

/**
 * What `createWorker` needs for `langs` ("eng" or "eng+deu"): one language is loaded from its
 * package directory (`langPath`); several live in several packages, so their bytes are passed in.
 */
export function languageSource(langs: string): { langs: string | Array<{ code: string; data: Uint8Array }>; langPath?: string } {
  const codes = langs.split('+').filter(Boolean);
  const dirs = codes.map(traineddataDir);
  if (codes.length === 1) return { langs: codes[0]!, langPath: dirs[0]! };
  return { langs: codes.map((code, i) => ({ code, data: readFileSync(path.join(dirs[i]!, `${code}.traineddata.gz`)) })) };
}
