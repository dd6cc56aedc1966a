import type { Season } from "../domain/outfits.js";
import { h, type VNode } from "./vnode.js";

/**
 * The seasonal scenes behind Dash, as SVG elements in a 200 × 200 box. Scatter positions are fixed
 * lists (not random) so that the same state always renders the same bytes.
 */

function sky(id: string, top: string, bottom: string): VNode[] {
  return [
    h(
      "defs",
      null,
      h(
        "linearGradient",
        { id, x1: 0, y1: 0, x2: 0, y2: 1 },
        h("stop", { offset: 0, stopColor: top }),
        h("stop", { offset: 1, stopColor: bottom }),
      ),
    ),
    h("rect", { x: 0, y: 0, width: 200, height: 200, fill: `url(#${id})` }),
  ];
}

function spring(): VNode[] {
  const petals: [number, number, number][] = [
    [30, 60, 20],
    [150, 30, -30],
    [176, 78, 40],
    [58, 24, 70],
    [20, 110, -10],
    [182, 130, 15],
    [128, 14, 60],
  ];
  return [
    ...sky("sky-spring", "#ffe3ef", "#d9f0ff"),
    h("ellipse", { cx: 40, cy: 206, rx: 120, ry: 42, fill: "#b7e39a" }),
    h("ellipse", { cx: 170, cy: 210, rx: 110, ry: 40, fill: "#9bd77a" }),
    // A cherry branch reaching in from the top-left corner.
    h("path", {
      d: "M-4 18 Q30 22 52 14 M22 20 Q30 34 26 46",
      stroke: "#8d5a3b",
      strokeWidth: 4,
      fill: "none",
      strokeLinecap: "round",
    }),
    ...[
      [52, 14],
      [34, 14],
      [26, 46],
      [12, 22],
      [30, 32],
    ].flatMap(([x, y]) => [
      h("circle", { cx: x, cy: y, r: 7, fill: "#ffb7cf" }),
      h("circle", { cx: x, cy: y, r: 2.5, fill: "#e0577f" }),
    ]),
    ...petals.map(([x, y, deg]) =>
      h("ellipse", { cx: x, cy: y, rx: 4, ry: 2.5, fill: "#ff9fbf", transform: `rotate(${deg} ${x} ${y})` }),
    ),
  ];
}

function summer(): VNode[] {
  const rays = [0, 45, 90, 135, 180, 225, 270, 315].map((deg) =>
    h("path", {
      d: "M168 4 L168 -4",
      stroke: "#ffb300",
      strokeWidth: 3,
      strokeLinecap: "round",
      transform: `rotate(${deg} 168 32)`,
    }),
  );
  return [
    ...sky("sky-summer", "#6cc4ff", "#d4f1ff"),
    ...rays,
    h("circle", { cx: 168, cy: 32, r: 20, fill: "#ffd43b", stroke: "#ffb300", strokeWidth: 2 }),
    h("path", {
      d: "M14 40 q8 -10 18 -2 q10 -8 16 4 q8 2 4 8 h-36 q-8 -4 -2 -10 Z",
      fill: "#ffffff",
      fillOpacity: 0.9,
    }),
    h("rect", { x: 0, y: 150, width: 200, height: 30, fill: "#3aa7e0" }),
    h("path", {
      d: "M0 158 q10 -5 20 0 t20 0 t20 0 t20 0 t20 0 t20 0 t20 0 t20 0 t20 0 t20 0",
      stroke: "#ffffff",
      strokeOpacity: 0.7,
      strokeWidth: 2,
      fill: "none",
    }),
    h("path", { d: "M0 176 Q100 164 200 176 L200 200 L0 200 Z", fill: "#f6dfa4" }),
  ];
}

function autumn(): VNode[] {
  const leaves: [number, number, number, string][] = [
    [26, 30, 20, "#d9480f"],
    [160, 22, -40, "#f08c00"],
    [182, 70, 60, "#fab005"],
    [18, 92, -20, "#f08c00"],
    [140, 52, 100, "#c92a2a"],
    [52, 62, 140, "#fab005"],
    [186, 120, -70, "#d9480f"],
  ];
  return [
    ...sky("sky-autumn", "#ffd6a0", "#fff0dc"),
    h("path", { d: "M0 174 Q60 160 120 170 Q170 178 200 168 L200 200 L0 200 Z", fill: "#d9a066" }),
    ...leaves.map(([x, y, deg, color]) =>
      h(
        "g",
        { transform: `rotate(${deg} ${x} ${y})` },
        h("path", { d: `M${x} ${y - 9} Q${x + 8} ${y} ${x} ${y + 9} Q${x - 8} ${y} ${x} ${y - 9} Z`, fill: color }),
        h("path", { d: `M${x} ${y - 7} L${x} ${y + 12}`, stroke: "#7a3e12", strokeWidth: 1.2 }),
      ),
    ),
    ...[
      [24, 182, "#d9480f"],
      [176, 186, "#fab005"],
      [150, 192, "#c92a2a"],
    ].map(([x, y, color]) => h("ellipse", { cx: x, cy: y, rx: 7, ry: 3, fill: color })),
  ];
}

function winter(): VNode[] {
  const flakes: [number, number, number][] = [
    [20, 20, 3],
    [60, 40, 2],
    [150, 18, 2.5],
    [182, 50, 3],
    [30, 80, 2],
    [176, 100, 2],
    [110, 12, 2],
    [14, 140, 2.5],
    [190, 144, 2],
    [84, 24, 1.5],
  ];
  return [
    ...sky("sky-winter", "#28497f", "#a9cdf2"),
    h("circle", { cx: 164, cy: 30, r: 12, fill: "#fff8d6" }),
    h("circle", { cx: 170, cy: 26, r: 11, fill: "#2f5289" }),
    ...flakes.map(([x, y, r]) => h("circle", { cx: x, cy: y, r, fill: "#ffffff", fillOpacity: 0.9 })),
    h("path", { d: "M0 170 Q50 156 100 168 Q150 180 200 164 L200 200 L0 200 Z", fill: "#f4f8ff" }),
    h("path", { d: "M0 184 Q60 176 120 186 Q170 192 200 184 L200 200 L0 200 Z", fill: "#e1ecfa" }),
  ];
}

/** The scene for `season`: spring blossoms, summer sun and sea, autumn leaves, winter snow. */
export function seasonScene(season: Season): VNode[] {
  switch (season) {
    case "spring":
      return spring();
    case "summer":
      return summer();
    case "autumn":
      return autumn();
    case "winter":
      return winter();
  }
}

/** A plain, calm scene for a Dash that has not been fed yet. */
export function waitingScene(): VNode[] {
  return [
    ...sky("sky-waiting", "#e8f1fb", "#f7fafd"),
    h("path", { d: "M0 176 Q100 166 200 176 L200 200 L0 200 Z", fill: "#dce6f0" }),
  ];
}
