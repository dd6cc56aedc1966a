import { escapeXml } from "./text.js";

/** An element as satori reads it (the shape React elements have), without needing React. */
export interface VNode {
  type: string;
  props: VProps;
}

export type VChild = VNode | string | number | null | false | undefined;

export interface VProps {
  style?: Record<string, string | number>;
  children?: VChild | VChild[];
  [attribute: string]: unknown;
}

/** Builds an element; `null`/`false` children are dropped so conditional parts read naturally. */
export function h(type: string, props: Omit<VProps, "children"> | null, ...children: (VChild | VChild[])[]): VNode {
  const flat = children
    .flat()
    .filter((c): c is VNode | string | number => c !== null && c !== false && c !== undefined);
  const out: VProps = { ...(props ?? {}) };
  if (flat.length === 1) out.children = flat[0];
  else if (flat.length > 1) out.children = flat;
  return { type, props: out };
}

// The React-style attribute names the art uses, as SVG spells them (satori maps them the same way).
const SVG_NAMES: Record<string, string> = {
  strokeWidth: "stroke-width",
  strokeLinecap: "stroke-linecap",
  strokeLinejoin: "stroke-linejoin",
  strokeOpacity: "stroke-opacity",
  strokeDasharray: "stroke-dasharray",
  fillOpacity: "fill-opacity",
  fillRule: "fill-rule",
  clipPath: "clip-path",
  stopColor: "stop-color",
  stopOpacity: "stop-opacity",
};

/**
 * Serialises SVG elements built with `h` (art only: constant attributes, no outside text) to markup,
 * for places that need the art without satori (the shields endpoint's logo).
 */
export function svgMarkup(node: VChild | VChild[]): string {
  if (Array.isArray(node)) return node.map(svgMarkup).join("");
  if (node === null || node === false || node === undefined) return "";
  if (typeof node !== "object") return escapeXml(String(node));
  const attrs = Object.entries(node.props)
    .filter(([k, v]) => k !== "children" && k !== "style" && v !== undefined && v !== null)
    .map(([k, v]) => ` ${SVG_NAMES[k] ?? k}="${escapeXml(String(v))}"`)
    .join("");
  const inner = svgMarkup(node.props.children);
  return inner ? `<${node.type}${attrs}>${inner}</${node.type}>` : `<${node.type}${attrs}/>`;
}
