import type { Feature, FeatureContext } from "../feature.js";
import { cardRoutes } from "../http/card-routes.js";
import { CardViews } from "../http/card-views.js";
import { cardCacheLookups, renderSeconds } from "../metrics/registry.js";
import { notFedCardModel } from "./card-model.js";
import { loadCardFonts } from "./fonts.js";
import { CardRenderer } from "./renderer.js";

/**
 * Dash cards: SVG and PNG cards and badges plus shields.io endpoint JSON, served from the store with
 * zero GitHub API calls. Fonts are loaded and parsed here, once, so the first README view is as fast
 * as the rest.
 */
export async function cardsFeature(ctx: FeatureContext): Promise<Feature> {
  const renderer = new CardRenderer(await loadCardFonts(), {
    onRendered: (format, seconds) => renderSeconds.observe({ format }, seconds),
  });
  // Satori parses the fonts on its first render (the Japanese one takes a few hundred ms): do it now.
  await renderer.render(notFedCardModel("dash", { theme: "light", lang: "ja", style: "card" }), "png");
  const views = new CardViews({ store: ctx.store, now: ctx.now });
  return {
    name: "cards",
    routes: [
      cardRoutes({
        views,
        renderer,
        now: ctx.now,
        log: ctx.log.child({ name: "cards" }),
        onLookup: (result) => cardCacheLookups.inc({ result }),
        onAccessChange: (listener) => ctx.settings.onAccessChange(listener),
      }),
    ],
    onFed: [
      async (event) => {
        views.forget(
          event.repo,
          event.outcome.users.map((u) => u.login),
        );
      },
    ],
  };
}
