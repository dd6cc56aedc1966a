import type { Mood } from "../domain/mood.js";
import type { Theme } from "./options.js";

/** Card colours per theme, close to GitHub's own light and dark palettes so the card sits well in a README. */
export interface Colors {
  bg: string;
  text: string;
  muted: string;
  border: string;
  track: string;
  accent: string;
  badgeLabel: string;
  mood: Record<Mood, { fg: string; bg: string }>;
  /** Laid over the seasonal scene in dark mode so it does not glare. */
  sceneDim: number;
}

export const COLORS: Record<Theme, Colors> = {
  light: {
    bg: "#ffffff",
    text: "#1f2328",
    muted: "#59636e",
    border: "#d1d9e0",
    track: "#e6ebf1",
    accent: "#1f6fd1",
    badgeLabel: "#555555",
    mood: {
      happy: { fg: "#1a7f37", bg: "#dafbe1" },
      peckish: { fg: "#7d5a00", bg: "#fff3b0" },
      hungry: { fg: "#b14200", bg: "#ffe8d4" },
      starving: { fg: "#c21d2b", bg: "#ffe3e1" },
    },
    sceneDim: 0,
  },
  dark: {
    bg: "#0d1117",
    text: "#e6edf3",
    muted: "#9198a1",
    border: "#3d444d",
    track: "#262c36",
    accent: "#4493f8",
    badgeLabel: "#30363d",
    mood: {
      happy: { fg: "#56d364", bg: "#12361f" },
      peckish: { fg: "#e3b341", bg: "#3a2e0c" },
      hungry: { fg: "#ffa657", bg: "#3d2411" },
      starving: { fg: "#ff7b72", bg: "#42191a" },
    },
    sceneDim: 0.22,
  },
};

/** Badge message colours, the shields.io names' hex values, plus grey for "not fed yet". */
export const BADGE_COLORS: Record<Mood | "not-fed", { hex: string; shields: string }> = {
  happy: { hex: "#44cc11", shields: "brightgreen" },
  peckish: { hex: "#97ca00", shields: "yellowgreen" },
  hungry: { hex: "#fe7d37", shields: "orange" },
  starving: { hex: "#e05d44", shields: "red" },
  "not-fed": { hex: "#9f9f9f", shields: "lightgrey" },
};
