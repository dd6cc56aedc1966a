import type { Outfit, Season } from "./outfits.js";

/** A repo's display settings for Dash's look (`.github/dash.yml`'s `outfit` and `background`). */
export interface LookSettings {
  outfit: Outfit | "auto";
  background: Season | "auto";
}

/**
 * The outfit and background a repo asks for, as `dashState` takes them: an outfit picked with
 * `/dash wear` beats the file's, and `auto` (null) leaves the outfit to the level and the background
 * to the season. The App's views and the Action's card both go through here, so they show the same Dash.
 */
export function chosenLook(
  settings: LookSettings,
  worn: Outfit | null,
): { chosenOutfit: Outfit | null; chosenBackground: Season | null } {
  return {
    chosenOutfit: worn ?? (settings.outfit === "auto" ? null : settings.outfit),
    chosenBackground: settings.background === "auto" ? null : settings.background,
  };
}
