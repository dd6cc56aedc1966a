import { inflateSync } from "node:zlib";
import { XMLParser, XMLValidator } from "fast-xml-parser";
import { expect } from "vitest";

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** The SVG documents inside `svg`: itself and every SVG embedded as a data: image (satori nests the art). */
export function svgDocuments(svg: string): string[] {
  const nested = [...svg.matchAll(/href="data:image\/svg\+xml(;base64)?(?:;utf8)?,([^"]*)"/g)].map((m) =>
    m[1] ? Buffer.from(m[2] ?? "", "base64").toString("utf8") : decodeURIComponent(m[2] ?? ""),
  );
  return [svg, ...nested.flatMap(svgDocuments)];
}

const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: "", preserveOrder: true });

type XmlNode = Record<string, unknown> & { ":@"?: Record<string, string> };

/** Every element of a parsed document as [name, attributes]. */
function elements(nodes: XmlNode[]): [string, Record<string, string>][] {
  return nodes.flatMap((node) => {
    const name = Object.keys(node).find((k) => k !== ":@") ?? "";
    if (name === "#text") return [];
    const children = node[name];
    return [
      [name, node[":@"] ?? {}] as [string, Record<string, string>],
      ...(Array.isArray(children) ? elements(children) : []),
    ];
  });
}

/**
 * Fails unless `svg` and every SVG nested in it are well-formed XML with nothing that runs or loads:
 * no script or foreignObject element, no event-handler attribute, no reference outside the document.
 * (Text content may say anything: it is escaped, and well-formedness proves it.)
 */
export function expectSafeSvg(svg: string): void {
  expect(svg.startsWith("<svg")).toBe(true);
  for (const doc of svgDocuments(svg)) {
    expect(XMLValidator.validate(doc)).toBe(true);
    const found = elements(parser.parse(doc) as XmlNode[]);
    expect(found[0]?.[0]).toBe("svg");
    for (const [name, attrs] of found) {
      expect(name.toLowerCase()).not.toMatch(/^(script|foreignobject|iframe|object|embed|style|a)$/);
      for (const [attr, value] of Object.entries(attrs)) {
        expect(attr.toLowerCase()).not.toMatch(/^on/);
        // A data: image is a document of its own, decoded and checked by this same loop.
        if (/(^|:)href$/.test(attr)) {
          expect(value).toMatch(/^(#|data:image\/)/);
          continue;
        }
        expect(value).not.toMatch(/javascript:|https?:\/\/(?!www\.w3\.org\/)/i);
        for (const m of value.matchAll(/url\(([^)]*)\)/g)) expect(m[1]).toMatch(/^['"]?#/);
      }
    }
  }
}

export interface DecodedPng {
  width: number;
  height: number;
  /** Decompressed scanlines (one filter byte, then RGBA pixels, per row). */
  raw: Buffer;
}

/** Reads a PNG: checks the signature and chunk layout, returns IHDR's size and the inflated image data. */
export function decodePng(png: Buffer): DecodedPng {
  expect(png.subarray(0, 8).equals(PNG_SIGNATURE)).toBe(true);
  let offset = 8;
  let width = 0;
  let height = 0;
  const idat: Buffer[] = [];
  let ended = false;
  while (offset < png.length) {
    const length = png.readUInt32BE(offset);
    const type = png.toString("latin1", offset + 4, offset + 8);
    const data = png.subarray(offset + 8, offset + 8 + length);
    if (type === "IHDR") {
      width = data.readUInt32BE(0);
      height = data.readUInt32BE(4);
      expect(data[8]).toBe(8); // bit depth
      expect(data[9]).toBe(6); // RGBA
    } else if (type === "IDAT") idat.push(data);
    else if (type === "IEND") ended = true;
    offset += 12 + length;
  }
  expect(ended).toBe(true);
  const raw = inflateSync(Buffer.concat(idat));
  expect(raw.length).toBe(height * (1 + width * 4));
  return { width, height, raw };
}

/** The width and height an SVG declares on its root element. */
export function svgSize(svg: string): { width: number; height: number } {
  const root = /^<svg[^>]*>/.exec(svg)?.[0] ?? "";
  return {
    width: Number(/\swidth="([\d.]+)"/.exec(root)?.[1]),
    height: Number(/\sheight="([\d.]+)"/.exec(root)?.[1]),
  };
}

/** The RGBA colour at (x, y) of a decoded 8-bit RGBA PNG, undoing the per-row filters. */
export function pixelAt(png: DecodedPng, x: number, y: number): [number, number, number, number] {
  const stride = png.width * 4;
  let previous = Buffer.alloc(stride);
  let row = previous;
  for (let r = 0; r <= y; r++) {
    const start = r * (stride + 1);
    const filter = png.raw[start];
    const line = png.raw.subarray(start + 1, start + 1 + stride);
    row = Buffer.alloc(stride);
    for (let i = 0; i < stride; i++) {
      const left = i >= 4 ? (row[i - 4] ?? 0) : 0;
      const up = previous[i] ?? 0;
      const upLeft = i >= 4 ? (previous[i - 4] ?? 0) : 0;
      const value = line[i] ?? 0;
      let predicted = 0;
      if (filter === 1) predicted = left;
      else if (filter === 2) predicted = up;
      else if (filter === 3) predicted = (left + up) >> 1;
      else if (filter === 4) {
        const p = left + up - upLeft;
        const [pa, pb, pc] = [Math.abs(p - left), Math.abs(p - up), Math.abs(p - upLeft)];
        predicted = pa <= pb && pa <= pc ? left : pb <= pc ? up : upLeft;
      }
      row[i] = (value + predicted) & 0xff;
    }
    previous = row;
  }
  const o = x * 4;
  return [row[o] ?? 0, row[o + 1] ?? 0, row[o + 2] ?? 0, row[o + 3] ?? 0];
}
