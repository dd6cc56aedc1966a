// Stands in for @resvg/resvg-js inside the bundled Action: same `Resvg` API, WebAssembly instead of a
// native addon (the runner's Node version is not the one the addon was built for). main.ts loads the
// wasm with `initWasm` before the first render.
export { initWasm, Resvg } from "@resvg/resvg-wasm";
