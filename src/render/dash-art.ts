import type { Mood } from "../domain/mood.js";
import type { Outfit } from "../domain/outfits.js";
import { h, type VNode } from "./vnode.js";

/**
 * Dash, drawn for this project: a round blue bird with a light belly, a three-feather tuft, a short
 * beak and orange feet. Everything is SVG elements in a 200 × 200 box, as data, so the card, the badge
 * and the shields logo all draw the same bird. Outfits and moods are layers on top of the body.
 */

interface Palette {
  body: string;
  shade: string;
  outline: string;
  belly: string;
  beak: string;
  beakShade: string;
  feet: string;
  cheek: string | null;
  eye: string;
}

const BLUE: Palette = {
  body: "#3d8fe8",
  shade: "#2a6fc4",
  outline: "#1d4f91",
  belly: "#d3ecff",
  beak: "#ffb52e",
  beakShade: "#e58a00",
  feet: "#f59e0b",
  cheek: "#ff9cb8",
  eye: "#1b2330",
};

// Starving: the colour drains out of Dash (it never dies, it just looks very sorry for itself).
const GREY: Palette = {
  body: "#97a6b6",
  shade: "#76869a",
  outline: "#4f5d6e",
  belly: "#e1e6ec",
  beak: "#cdb78e",
  beakShade: "#a99469",
  feet: "#bba27a",
  cheek: null,
  eye: "#2b323c",
};

export interface BirdLook {
  outfit: Outfit;
  mood: Mood;
  /** Never fed: an empty bowl and a hopeful look instead of a mood. */
  waiting?: boolean;
  /** Icon size (badges, logos): the bird alone, without shadow, bowl or sparkles. */
  icon?: boolean;
}

/** Dash as SVG elements in a 200 × 200 box, wearing `outfit` and showing `mood`. */
export function dashBird(look: BirdLook): VNode[] {
  const p = look.mood === "starving" ? GREY : BLUE;
  const hatted = look.outfit === "summer" || look.outfit === "winter";
  return [
    look.icon ? null : h("ellipse", { cx: 100, cy: 183, rx: 52, ry: 7, fill: "#000", fillOpacity: 0.13 }),
    ...tail(p),
    ...feet(p),
    ...(hatted ? [] : tuft(p, look.mood === "starving")),
    h("ellipse", { cx: 100, cy: 122, rx: 58, ry: 55, fill: p.body, stroke: p.outline, strokeWidth: 3 }),
    h("ellipse", { cx: 100, cy: 142, rx: 39, ry: 32, fill: p.belly }),
    h("path", { d: "M48 112 Q36 132 50 156 Q62 146 62 126 Q58 114 48 112 Z", fill: p.shade }),
    h("path", { d: "M152 112 Q164 132 150 156 Q138 146 138 126 Q142 114 152 112 Z", fill: p.shade }),
    ...(look.waiting ? waitingFace(p, !look.icon) : face(p, look.mood)),
    ...outfit(look.outfit),
    ...(look.icon ? [] : extras(look)),
  ].filter((n): n is VNode => n !== null);
}

function extras(look: BirdLook): VNode[] {
  if (look.waiting || look.mood === "hungry" || look.mood === "starving") return emptyBowl();
  if (look.mood === "happy") return sparkles();
  return [];
}

function tail(p: Palette): VNode[] {
  return [
    h("path", { d: "M50 136 Q22 134 12 150 Q32 152 52 148 Z", fill: p.shade, stroke: p.outline, strokeWidth: 2 }),
    h("path", { d: "M52 146 Q28 156 22 172 Q42 166 58 156 Z", fill: p.shade, stroke: p.outline, strokeWidth: 2 }),
  ];
}

function feet(p: Palette): VNode[] {
  const foot = (x: number) =>
    h("path", {
      d: `M${x} 172 L${x} 182 M${x} 182 L${x - 7} 187 M${x} 182 L${x} 189 M${x} 182 L${x + 7} 187`,
      stroke: p.feet,
      strokeWidth: 4,
      strokeLinecap: "round",
      fill: "none",
    });
  return [foot(84), foot(116)];
}

function tuft(p: Palette, droopy: boolean): VNode[] {
  // A droopy tuft leans over instead of standing up.
  const feathers = droopy
    ? ["M100 70 Q112 52 132 56 Q120 66 106 72 Z", "M96 70 Q104 48 124 44 Q114 60 102 70 Z"]
    : [
        "M99 70 Q90 46 100 30 Q110 48 104 70 Z",
        "M95 71 Q76 56 74 42 Q92 50 101 68 Z",
        "M105 71 Q118 52 130 48 Q124 64 108 71 Z",
      ];
  return feathers.map((d) =>
    h("path", { d, fill: p.body, stroke: p.outline, strokeWidth: 2.5, strokeLinejoin: "round" }),
  );
}

function beakClosed(p: Palette): VNode[] {
  return [h("path", { d: "M90 120 Q100 114 110 120 L100 132 Z", fill: p.beak, stroke: p.beakShade, strokeWidth: 2 })];
}

function beakOpen(p: Palette, wide: boolean): VNode[] {
  const drop = wide ? 140 : 136;
  return [
    h("path", { d: `M92 128 Q100 ${drop} 108 128 Z`, fill: "#b83a4b", stroke: p.beakShade, strokeWidth: 2 }),
    h("path", { d: "M89 119 Q100 113 111 119 L106 128 L94 128 Z", fill: p.beak, stroke: p.beakShade, strokeWidth: 2 }),
  ];
}

function cheeks(p: Palette): VNode[] {
  if (!p.cheek) return [];
  return [
    h("ellipse", { cx: 70, cy: 122, rx: 9, ry: 5.5, fill: p.cheek, fillOpacity: 0.75 }),
    h("ellipse", { cx: 130, cy: 122, rx: 9, ry: 5.5, fill: p.cheek, fillOpacity: 0.75 }),
  ];
}

function roundEyes(p: Palette, r: number): VNode[] {
  return [80, 120].flatMap((x) => [
    h("circle", { cx: x, cy: 106, r, fill: p.eye }),
    h("circle", { cx: x - r * 0.3, cy: 106 - r * 0.38, r: r * 0.36, fill: "#fff" }),
  ]);
}

function face(p: Palette, mood: Mood): VNode[] {
  const line = { stroke: p.eye, strokeWidth: 4, strokeLinecap: "round", fill: "none" } as const;
  switch (mood) {
    case "happy":
      // Closed, smiling eyes (^ ^), rosy cheeks and an open, laughing beak.
      return [
        h("path", { d: "M71 109 Q80 97 89 109", ...line }),
        h("path", { d: "M111 109 Q120 97 129 109", ...line }),
        ...cheeks(p),
        ...beakOpen(p, true),
      ];
    case "peckish":
      // Bright, round eyes looking about for a snack.
      return [...roundEyes(p, 8), ...cheeks(p), ...beakClosed(p)];
    case "hungry":
      // Worried brows, droopy lids, a bead of sweat and a rumbling tummy.
      return [
        ...roundEyes(p, 7.5),
        h("path", { d: "M70 96 L90 96 L90 101 L70 107 Z", fill: p.body }),
        h("path", { d: "M110 96 L130 96 L130 107 L110 101 Z", fill: p.body }),
        h("path", { d: "M70 94 L88 86", ...line, strokeWidth: 3 }),
        h("path", { d: "M112 86 L130 94", ...line, strokeWidth: 3 }),
        ...beakOpen(p, false),
        h("path", { d: "M146 60 Q154 72 150 78 Q144 82 140 76 Q138 70 146 60 Z", fill: "#8fd0ff", stroke: "#4a9fd8" }),
        h("path", {
          d: "M148 150 q4 -4 8 0 q4 4 8 0 M150 160 q4 -4 8 0 q4 4 8 0",
          stroke: "#e5792b",
          strokeWidth: 2.5,
          fill: "none",
          strokeLinecap: "round",
        }),
      ];
    case "starving":
      // Sad closed eyes, brows up in the middle, tears, a trembling beak.
      return [
        h("path", { d: "M71 104 Q80 113 89 104", ...line }),
        h("path", { d: "M111 104 Q120 113 129 104", ...line }),
        h("path", { d: "M70 94 L87 89", ...line, strokeWidth: 3 }),
        h("path", { d: "M113 89 L130 94", ...line, strokeWidth: 3 }),
        h("path", { d: "M76 113 Q72 122 76 126 Q80 122 76 113 Z", fill: "#8fd0ff" }),
        h("path", { d: "M124 113 Q120 122 124 126 Q128 122 124 113 Z", fill: "#8fd0ff" }),
        h("path", { d: "M90 121 Q100 117 110 121 L100 131 Z", fill: p.beak, stroke: p.beakShade, strokeWidth: 2 }),
        h("path", { d: "M92 136 q4 -3 8 0 q4 3 8 0", stroke: p.outline, strokeWidth: 2, fill: "none" }),
      ];
  }
}

function waitingFace(p: Palette, question: boolean): VNode[] {
  // Hopeful: big round eyes, a small closed beak and a question mark.
  const face = [...roundEyes(p, 9), ...cheeks(p), ...beakClosed(p)];
  if (!question) return face;
  return [
    ...face,
    h("path", {
      d: "M150 52 Q150 42 158 42 Q166 42 166 50 Q166 56 159 58 L159 64",
      stroke: "#5b6b7f",
      strokeWidth: 4,
      fill: "none",
      strokeLinecap: "round",
    }),
    h("circle", { cx: 159, cy: 72, r: 2.5, fill: "#5b6b7f" }),
  ];
}

function emptyBowl(): VNode[] {
  return [
    h("ellipse", { cx: 168, cy: 172, rx: 22, ry: 5, fill: "#c9d3de" }),
    h("path", {
      d: "M146 172 Q148 190 168 191 Q188 190 190 172 Z",
      fill: "#f1f4f8",
      stroke: "#8593a3",
      strokeWidth: 2,
    }),
    h("path", { d: "M152 180 Q168 184 184 180", stroke: "#e5484d", strokeWidth: 3, fill: "none" }),
  ];
}

function sparkles(): VNode[] {
  const star = (x: number, y: number, s: number) =>
    h("path", {
      d: `M${x} ${y - s} Q${x} ${y} ${x + s} ${y} Q${x} ${y} ${x} ${y + s} Q${x} ${y} ${x - s} ${y} Q${x} ${y} ${x} ${y - s} Z`,
      fill: "#ffd43b",
    });
  return [star(160, 58, 9), star(36, 78, 6), star(172, 96, 5)];
}

function outfit(o: Outfit): VNode[] {
  switch (o) {
    case "normal":
      return [];
    case "spring":
      return flowerCrown();
    case "summer":
      return strawHat();
    case "autumn":
      return scarf();
    case "winter":
      return knitHat();
  }
}

function flower(x: number, y: number, petal: string, size: number): VNode[] {
  const petals = [0, 72, 144, 216, 288].map((deg) => {
    const rad = (deg * Math.PI) / 180;
    return h("circle", {
      cx: round(x + Math.sin(rad) * size),
      cy: round(y - Math.cos(rad) * size),
      r: size * 0.78,
      fill: petal,
      stroke: "#e07a9a",
      strokeWidth: 0.8,
    });
  });
  return [...petals, h("circle", { cx: x, cy: y, r: size * 0.62, fill: "#ffd43b" })];
}

function flowerCrown(): VNode[] {
  return [
    h("path", { d: "M52 92 Q100 60 148 92", stroke: "#4caf50", strokeWidth: 4, fill: "none", strokeLinecap: "round" }),
    h("path", { d: "M66 80 q-8 -8 -2 -14 q6 6 2 14 Z M134 80 q8 -8 2 -14 q-6 6 -2 14 Z", fill: "#66bb6a" }),
    ...flower(56, 88, "#ffb3c9", 6),
    ...flower(76, 75, "#ffffff", 6.5),
    ...flower(100, 70, "#ff8fb1", 7.5),
    ...flower(124, 75, "#d6b8ff", 6.5),
    ...flower(144, 88, "#ffffff", 6),
  ];
}

function strawHat(): VNode[] {
  return [
    h("ellipse", { cx: 100, cy: 76, rx: 70, ry: 14, fill: "#f2d27a", stroke: "#b8913e", strokeWidth: 2.5 }),
    h("path", { d: "M66 76 Q66 34 100 32 Q134 34 134 76 Z", fill: "#f6dc8f", stroke: "#b8913e", strokeWidth: 2.5 }),
    h("path", { d: "M66.5 64 Q100 72 133.5 64 L134 75 Q100 83 66 75 Z", fill: "#e5484d" }),
    h("path", { d: "M76 52 Q100 46 124 52 M72 42 Q100 36 128 42", stroke: "#d9b45e", strokeWidth: 1.5, fill: "none" }),
    // Sunglasses pushed up onto the hat, ready for the beach.
    h("rect", { x: 76, y: 42, width: 20, height: 12, rx: 5, fill: "#1f2937" }),
    h("rect", { x: 104, y: 42, width: 20, height: 12, rx: 5, fill: "#1f2937" }),
    h("path", { d: "M96 47 L104 47", stroke: "#1f2937", strokeWidth: 3 }),
    h("path", { d: "M80 45 L86 45", stroke: "#94a3b8", strokeWidth: 2, strokeLinecap: "round" }),
    h("path", { d: "M108 45 L114 45", stroke: "#94a3b8", strokeWidth: 2, strokeLinecap: "round" }),
  ];
}

function scarf(): VNode[] {
  return [
    h("path", {
      d: "M47 134 Q100 156 153 134 L154 150 Q100 174 46 150 Z",
      fill: "#d9480f",
      stroke: "#9c3208",
      strokeWidth: 2,
    }),
    h("path", {
      d: "M62 142 L66 158 M82 148 L84 165 M102 150 L102 167 M122 148 L120 165 M140 142 L136 158",
      stroke: "#ffb347",
      strokeWidth: 4,
    }),
    h("path", { d: "M122 152 L140 190 L124 194 L112 158 Z", fill: "#d9480f", stroke: "#9c3208", strokeWidth: 2 }),
    h("path", { d: "M126 166 L133 164 M130 176 L137 174", stroke: "#ffb347", strokeWidth: 4 }),
    h("path", { d: "M124 194 L122 199 M130 193 L130 198 M136 191 L138 196", stroke: "#9c3208", strokeWidth: 2 }),
  ];
}

function knitHat(): VNode[] {
  return [
    h("path", { d: "M58 88 Q58 40 100 36 Q142 40 142 88 Z", fill: "#e03c5a", stroke: "#9e1f3a", strokeWidth: 2.5 }),
    h("path", { d: "M74 52 Q100 44 126 52 M64 68 Q100 58 136 68", stroke: "#ffffff", strokeWidth: 5, fill: "none" }),
    h("path", {
      d: "M54 82 Q100 72 146 82 L146 96 Q100 86 54 96 Z",
      fill: "#f4f4f5",
      stroke: "#a1a1aa",
      strokeWidth: 2,
    }),
    h("path", {
      d: "M64 80 L64 93 M76 78 L76 91 M88 77 L88 89 M100 76 L100 88 M112 77 L112 89 M124 78 L124 91 M136 80 L136 93",
      stroke: "#d4d4d8",
      strokeWidth: 2,
    }),
    h("circle", { cx: 100, cy: 32, r: 12, fill: "#ffffff", stroke: "#a1a1aa", strokeWidth: 2 }),
  ];
}

const round = (n: number) => Math.round(n * 10) / 10;
