import type { CardModel } from "./card-model.js";
import { dashBird } from "./dash-art.js";
import { BADGE_COLORS } from "./theme.js";
import { h, svgMarkup } from "./vnode.js";

/** The shields.io endpoint schema (https://shields.io/badges/endpoint-badge). */
export interface ShieldsEndpoint {
  schemaVersion: 1;
  label: string;
  message: string;
  color: string;
  logoSvg: string;
}

const LOGO = svgMarkup(
  h(
    "svg",
    { xmlns: "http://www.w3.org/2000/svg", viewBox: "0 0 200 200" },
    ...dashBird({ outfit: "normal", mood: "happy", icon: true }),
  ),
);

/** The shields endpoint answer for a card: Dash's name, then level and mood in the mood's colour. */
export function shieldsEndpoint(model: CardModel): ShieldsEndpoint {
  if (model.variant === "not-fed") {
    return {
      schemaVersion: 1,
      label: "Dash",
      message: model.badgeText,
      color: BADGE_COLORS["not-fed"].shields,
      logoSvg: LOGO,
    };
  }
  return {
    schemaVersion: 1,
    label: model.name,
    message: `${model.levelShort} · ${model.moodText}`,
    color: BADGE_COLORS[model.mood].shields,
    logoSvg: LOGO,
  };
}
