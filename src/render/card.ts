import { seasonScene, waitingScene } from "./backgrounds.js";
import type { CardModel, FedCardModel, NotFedCardModel } from "./card-model.js";
import { dashBird } from "./dash-art.js";
import { fitWidth } from "./text.js";
import { BADGE_COLORS, COLORS, type Colors } from "./theme.js";
import { h, type VNode } from "./vnode.js";

/** Card size in CSS pixels; the PNG is drawn at 2× for sharp high-density screens. */
export const CARD_WIDTH = 600;
export const CARD_HEIGHT = 200;
export const BADGE_HEIGHT = 20;

const FONT = "Inter, Noto Sans JP";
const ART = CARD_HEIGHT - 2;

// One-line texts are cut to width by `fitWidth` (see text.ts); nowrap keeps satori from wrapping them.
const oneLine = { whiteSpace: "nowrap" } as const;

// Widths available to the one-line texts, in px.
const NAME_WIDTH = 250;
const PANEL_WIDTH = 360;

/**
 * The satori element tree for `model`: the full card or the compact badge. Pure. The card leaves
 * room for its art, which `cardArt` draws.
 */
export function cardTree(model: CardModel): VNode {
  if (model.options.style === "badge") return badgeTree(model);
  return model.variant === "fed" ? fedCard(model) : notFedCard(model);
}

/**
 * The card's art (scene and Dash) as SVG elements placed on the card, to be drawn over satori's
 * output; null for the badge, whose icon satori draws. Satori would embed an inline <svg> as an
 * <image> of its own, with a clip and a mask, and for resvg that is a fifth of a PNG. Pure.
 */
export function cardArt(model: CardModel): VNode | null {
  if (model.options.style === "badge") return null;
  const c = COLORS[model.options.theme];
  return model.variant === "fed"
    ? artPanel(
        seasonScene(model.background),
        dashBird({ outfit: model.outfit, mood: model.mood }),
        c,
        model.mood === "starving",
      )
    : artPanel(waitingScene(), dashBird({ outfit: "normal", mood: "peckish", waiting: true }), c, false);
}

/**
 * The card: art on the left, text on the right. Nothing here clips: satori draws `overflow: hidden`
 * as a mask on every descendant and a rounded `border` as a stroke clipped to the box, and each
 * mask or clip is a layer of its own for resvg (a rounded border alone cost a sixth of a PNG). So
 * the border is the outer box's colour showing around the inner box, the art rounds its corners by
 * painting over them, and long texts are cut short before they get here.
 */
function frame(c: Colors, ...panel: VNode[]): VNode {
  return h(
    "div",
    {
      style: {
        display: "flex",
        width: CARD_WIDTH,
        height: CARD_HEIGHT,
        padding: 1,
        backgroundColor: c.border,
        borderRadius: OUTER_RADIUS,
      },
    },
    h(
      "div",
      {
        style: {
          display: "flex",
          width: CARD_WIDTH - 2,
          height: CARD_HEIGHT - 2,
          backgroundColor: c.bg,
          borderRadius: OUTER_RADIUS - 1,
          fontFamily: FONT,
          color: c.text,
        },
      },
      h("div", { style: { width: ART, height: ART, flexShrink: 0 } }),
      h(
        "div",
        {
          style: {
            display: "flex",
            flexDirection: "column",
            justifyContent: "space-between",
            flexGrow: 1,
            width: CARD_WIDTH - ART - 2,
            padding: "15px 20px 14px 18px",
          },
        },
        ...panel,
      ),
    ),
  );
}

const OUTER_RADIUS = 16;
// The inner box's left corners, in the art's 200 × 200 box (its 15 px radius, scaled): what lies
// outside them is painted in the card's background over the scene.
const R = ((OUTER_RADIUS - 1) * 200) / ART;
const ART_CORNERS = `M0 0 H${R} A${R} ${R} 0 0 0 0 ${R} Z M0 200 V${200 - R} A${R} ${R} 0 0 0 ${R} 200 Z`;

/** The art, drawn in a 200 × 200 box, placed at the inner box's top left corner. */
function artPanel(scene: VNode[], bird: VNode[], c: Colors, grey: boolean): VNode {
  return h(
    "g",
    { transform: `translate(1 1) scale(${ART / 200})` },
    ...scene,
    c.sceneDim > 0 ? h("rect", { width: 200, height: 200, fill: "#0d1117", fillOpacity: c.sceneDim }) : null,
    grey ? h("rect", { width: 200, height: 200, fill: "#6b7280", fillOpacity: 0.38 }) : null,
    ...bird,
    h("path", { d: ART_CORNERS, fill: c.bg }),
  );
}

function fedCard(m: FedCardModel): VNode {
  const c = COLORS[m.options.theme];
  const mood = c.mood[m.mood];
  return frame(
    c,
    h(
      "div",
      { style: { display: "flex", flexDirection: "column" } },
      h(
        "div",
        { style: { display: "flex", alignItems: "center" } },
        h(
          "div",
          { style: { ...oneLine, fontSize: 26, fontWeight: 700, lineHeight: 1.15 } },
          fitWidth(m.name, NAME_WIDTH, 26, true),
        ),
        h(
          "div",
          {
            style: {
              marginLeft: 10,
              padding: "3px 10px",
              borderRadius: 999,
              backgroundColor: c.accent,
              color: "#ffffff",
              fontSize: 14,
              fontWeight: 700,
            },
          },
          m.levelText,
        ),
      ),
      h(
        "div",
        { style: { ...oneLine, marginTop: 2, fontSize: 13, color: c.muted } },
        fitWidth(m.subtitle, PANEL_WIDTH, 13),
      ),
    ),
    h(
      "div",
      { style: { display: "flex", flexDirection: "column" } },
      h(
        "div",
        { style: { display: "flex", justifyContent: "space-between", alignItems: "flex-end", marginBottom: 5 } },
        h("div", { style: { fontSize: 13, fontWeight: 700 } }, m.xpText),
        h("div", { style: { fontSize: 12, color: c.muted } }, m.nextText),
      ),
      h(
        "div",
        { style: { display: "flex", width: "100%", height: 10, borderRadius: 5, backgroundColor: c.track } },
        m.progress > 0
          ? h("div", {
              style: {
                width: `${Math.max(4, m.progress * 100)}%`,
                height: 10,
                borderRadius: 5,
                backgroundImage: "linear-gradient(90deg, #5eb0ff, #1f6fd1)",
              },
            })
          : null,
      ),
    ),
    h(
      "div",
      { style: { display: "flex", alignItems: "center", fontSize: 13 } },
      h(
        "div",
        {
          style: {
            padding: "2px 10px",
            borderRadius: 999,
            backgroundColor: mood.bg,
            color: mood.fg,
            fontWeight: 700,
          },
        },
        m.moodText,
      ),
      h(
        "div",
        { style: { ...oneLine, marginLeft: 10, color: c.muted } },
        fitWidth(`${m.fedText} · ${m.todayText}`, PANEL_WIDTH - 130, 13),
      ),
    ),
    listRow(m, c),
  );
}

const MEDALS = ["#e8b10d", "#a5b1be", "#cd7f32"];

function listRow(m: FedCardModel, c: Colors): VNode {
  return h(
    "div",
    { style: { display: "flex", flexDirection: "column" } },
    h("div", { style: { fontSize: 11, color: c.muted, marginBottom: 3 } }, m.listTitle),
    h(
      "div",
      { style: { display: "flex", alignItems: "center", fontSize: 12, height: 16 } },
      ...m.list.map((item, i) =>
        h(
          "div",
          { style: { display: "flex", alignItems: "center", marginRight: 12, flexShrink: 0 } },
          h(
            "div",
            {
              style: {
                display: "flex",
                alignItems: "center",
                justifyContent: "center",
                width: 15,
                height: 15,
                borderRadius: 8,
                backgroundColor: MEDALS[i] ?? c.muted,
                color: "#ffffff",
                fontSize: 10,
                fontWeight: 700,
                marginRight: 4,
              },
            },
            String(i + 1),
          ),
          h("div", { style: { ...oneLine, fontWeight: 700 } }, fitWidth(item.label, 66, 12, true)),
          h("div", { style: { marginLeft: 4, color: c.muted } }, item.value),
        ),
      ),
    ),
  );
}

function notFedCard(m: NotFedCardModel): VNode {
  const c = COLORS[m.options.theme];
  return frame(
    c,
    h(
      "div",
      { style: { display: "flex", flexDirection: "column" } },
      h("div", { style: { fontSize: 26, fontWeight: 700, lineHeight: 1.15 } }, "Dash"),
      h(
        "div",
        { style: { ...oneLine, marginTop: 2, fontSize: 13, color: c.muted } },
        fitWidth(m.subject, PANEL_WIDTH, 13),
      ),
    ),
    h(
      "div",
      { style: { display: "flex", flexDirection: "column" } },
      h("div", { style: { display: "flex", fontSize: 20, fontWeight: 700, color: c.accent } }, m.title),
      h("div", { style: { display: "flex", marginTop: 6, fontSize: 13, color: c.muted, lineHeight: 1.4 } }, m.hint),
    ),
  );
}

/** A shields-like 20 px badge: bird and name on grey, level and mood on the mood's colour. */
function badgeTree(m: CardModel): VNode {
  const c = COLORS[m.options.theme];
  const fed = m.variant === "fed";
  const color = BADGE_COLORS[fed ? m.mood : "not-fed"].hex;
  const text = fed ? `${m.levelShort} · ${m.moodText}` : m.badgeText;
  const part = { display: "flex", alignItems: "center", height: BADGE_HEIGHT, color: "#ffffff" } as const;
  return h(
    "div",
    {
      style: {
        display: "flex",
        height: BADGE_HEIGHT,
        fontFamily: FONT,
        fontSize: 11,
      },
    },
    h(
      "div",
      { style: { ...part, backgroundColor: c.badgeLabel, padding: "0 6px 0 3px", borderRadius: "3px 0 0 3px" } },
      h(
        "svg",
        { width: 16, height: 16, viewBox: "0 0 200 200" },
        ...dashBird({ outfit: fed ? m.outfit : "normal", mood: fed ? m.mood : "peckish", waiting: !fed, icon: true }),
      ),
      h("div", { style: { ...oneLine, marginLeft: 3 } }, fed ? fitWidth(m.name, 150, 11) : "Dash"),
    ),
    h(
      "div",
      { style: { ...part, backgroundColor: color, padding: "0 7px", fontWeight: 700, borderRadius: "0 3px 3px 0" } },
      text,
    ),
  );
}
