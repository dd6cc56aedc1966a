import { type HttpHandler, sendText, urlOf } from "./respond.js";

/**
 * `GET /` of a registered App: a short page saying the server is up and where things are, instead of
 * a 404 for someone who opens the App's address in a browser.
 */
export function homeRoute(opts: { version: string }): HttpHandler {
  const page = `<!doctype html><meta charset="utf-8"><title>ReposiTori</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:42rem;margin:3rem auto;padding:0 1rem}code{background:#f3f4f6;padding:.1rem .3rem;border-radius:4px}</style>
<h1>🐦 ReposiTori is running</h1>
<p>This server feeds Dash, the Dart mascot, from the repositories the GitHub App is installed on.</p>
<ul>
<li>Badge: <code>/dash/OWNER/REPO.svg</code> (also <code>.png</code>, <code>.json</code>, <code>?theme=dark</code>, <code>?lang=ja</code>, <code>?style=badge</code>)</li>
<li>State: <code>/api/v1/repos/OWNER/REPO</code>, <code>/api/v1/users/LOGIN</code></li>
<li>Operations: <a href="/healthz">/healthz</a>, <a href="/metrics">/metrics</a>, <a href="/api/v1/budget">/api/v1/budget</a></li>
</ul>
<p><small>ReposiTori ${opts.version}</small></p>`;
  return async (req, res) => {
    if (urlOf(req)?.pathname !== "/" || (req.method !== "GET" && req.method !== "HEAD")) return false;
    return sendText(res, 200, page, "text/html; charset=utf-8");
  };
}
