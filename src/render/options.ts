/** How a card is drawn: colour theme, language and size. */
export type Theme = "light" | "dark";
export type Lang = "en" | "ja";
export type CardStyle = "card" | "badge";

export type PngScale = 1 | 2;

export interface CardOptions {
  theme: Theme;
  lang: Lang;
  style: CardStyle;
  /** PNG only: 2 draws at twice the size for high-density screens (default 1). */
  scale?: PngScale;
}

export const DEFAULT_OPTIONS: CardOptions = { theme: "light", lang: "en", style: "card" };

const pick = <T extends string>(value: string | null | undefined, allowed: readonly T[]): T | null => {
  const v = value?.trim().toLowerCase();
  return allowed.find((a) => a === v) ?? null;
};

/** Options as asked for in a URL; `lang` is null when not given (the repo's own locale then applies). */
export interface CardQuery extends Omit<CardOptions, "lang"> {
  lang: Lang | null;
}

/**
 * Card options from query parameters. An unknown or missing value falls back to the default (a badge
 * in a README must never break over a typo, `?theme=purple` or `?lang=xx`).
 */
export function parseCardQuery(query: URLSearchParams): CardQuery {
  return {
    theme: pick(query.get("theme"), ["light", "dark"] as const) ?? DEFAULT_OPTIONS.theme,
    lang: pick(query.get("lang"), ["en", "ja"] as const),
    style: pick(query.get("style"), ["card", "badge"] as const) ?? DEFAULT_OPTIONS.style,
    ...(query.get("scale")?.trim() === "2" ? { scale: 2 as const } : {}),
  };
}

/** The options to draw with: the asked-for language, else `fallbackLang`. */
export function resolveOptions(query: CardQuery, fallbackLang: Lang = DEFAULT_OPTIONS.lang): CardOptions {
  return {
    theme: query.theme,
    lang: query.lang ?? fallbackLang,
    style: query.style,
    ...(query.scale === 2 ? { scale: 2 as const } : {}),
  };
}
