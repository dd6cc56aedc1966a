import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import type { Font } from "satori";

/**
 * The fonts cards are drawn with, read once from the @fontsource packages (the only file I/O of the
 * renderer). Inter draws Latin text; Noto Sans JP's Japanese subset (kana and the common kanji) draws
 * Japanese. Satori falls back through the list per glyph, so a mixed name renders in both.
 */
export const CARD_FONT_FILES: readonly { name: string; weight: 400 | 700; file: string }[] = [
  { name: "Inter", weight: 400, file: "@fontsource/inter/files/inter-latin-400-normal.woff2" },
  { name: "Inter", weight: 700, file: "@fontsource/inter/files/inter-latin-700-normal.woff2" },
  { name: "Inter", weight: 400, file: "@fontsource/inter/files/inter-latin-ext-400-normal.woff2" },
  { name: "Inter", weight: 700, file: "@fontsource/inter/files/inter-latin-ext-700-normal.woff2" },
  { name: "Noto Sans JP", weight: 400, file: "@fontsource/noto-sans-jp/files/noto-sans-jp-japanese-400-normal.woff2" },
  { name: "Noto Sans JP", weight: 700, file: "@fontsource/noto-sans-jp/files/noto-sans-jp-japanese-700-normal.woff2" },
];

let shared: Promise<Font[]> | null = null;

/**
 * Loads the card fonts. `locate` maps a package file name to a path (the bundled Action keeps the
 * files beside itself); by default they come from node_modules, and that result is shared by every
 * caller in the process: the files never change, and satori caches its parsed fonts per array.
 */
export function loadCardFonts(locate?: (file: string) => string): Promise<Font[]> {
  if (locate) return readFonts(locate);
  if (!shared) {
    const require = createRequire(import.meta.url);
    shared = readFonts((file) => require.resolve(file));
    // A failed read (a broken install) must not be remembered: the next start-up tries again.
    shared.catch(() => {
      shared = null;
    });
  }
  return shared;
}

function readFonts(locate: (file: string) => string): Promise<Font[]> {
  return Promise.all(
    CARD_FONT_FILES.map(async (f) => ({
      name: f.name,
      weight: f.weight,
      style: "normal" as const,
      data: await readFile(locate(f.file)),
    })),
  );
}
