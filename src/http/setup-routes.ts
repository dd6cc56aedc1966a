import { readFileSync } from "node:fs";
import yaml from "js-yaml";
import { type HttpHandler, sendJson, sendText, urlOf } from "./respond.js";

const escapeHtml = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c] ?? c);

/** The GitHub App manifest built from `app.yml`, pointing its webhook and redirect at this server. */
export function manifestFrom(appYml: string, publicUrl: string, webhookPath: string): Record<string, unknown> {
  const app = (yaml.load(appYml) ?? {}) as Record<string, unknown>;
  const base = publicUrl.replace(/\/+$/, "");
  return {
    name: app.name,
    description: app.description,
    url: app.url,
    public: app.public ?? false,
    hook_attributes: { url: `${base}${webhookPath}` },
    redirect_url: `${base}/setup/done`,
    default_events: app.default_events,
    default_permissions: app.default_permissions,
  };
}

/**
 * Served while the App has no credentials: a page that registers the App on GitHub from `app.yml` in
 * one click (GitHub's manifest flow) and says exactly which variables to set afterwards. Webhooks are
 * refused with 503 until then, so nothing is silently dropped.
 */
export function setupRoutes(opts: { appYmlPath: string; publicUrl: string; webhookPath: string }): HttpHandler {
  return async (req, res) => {
    const url = urlOf(req);
    if (!url) return false;
    if (url.pathname === opts.webhookPath) {
      return sendJson(res, 503, {
        error:
          "This ReposiTori server is not registered as a GitHub App yet: set APP_ID, PRIVATE_KEY and WEBHOOK_SECRET, then restart.",
      });
    }
    if (url.pathname === "/setup/done") {
      const code = url.searchParams.get("code") ?? "";
      return sendText(res, 200, donePage(code), "text/html; charset=utf-8");
    }
    if (url.pathname !== "/" || (req.method !== "GET" && req.method !== "HEAD")) return false;
    const manifest = manifestFrom(readFileSync(opts.appYmlPath, "utf8"), opts.publicUrl, opts.webhookPath);
    return sendText(res, 200, setupPage(JSON.stringify(manifest)), "text/html; charset=utf-8");
  };
}

function setupPage(manifestJson: string): string {
  return `<!doctype html><meta charset="utf-8"><title>ReposiTori setup</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:42rem;margin:3rem auto;padding:0 1rem}code,pre{background:#f3f4f6;padding:.1rem .3rem;border-radius:4px}button{font-size:1rem;padding:.6rem 1.2rem;background:#0175c2;color:#fff;border:0;border-radius:6px;cursor:pointer}</style>
<h1>🐦 Register ReposiTori on GitHub</h1>
<p>This server is running, serving <code>/healthz</code> and Dash cards, but it is not a GitHub App yet.</p>
<form action="https://github.com/settings/apps/new" method="post">
<input type="hidden" name="manifest" value="${escapeHtml(manifestJson)}">
<button type="submit">Register the GitHub App from app.yml</button>
</form>
<p>To register it under an organisation, open <code>https://github.com/organizations/ORG/settings/apps/new</code> instead.</p>
<h2>Or by hand</h2>
<ol>
<li>Create a GitHub App with the permissions and events listed in <code>app.yml</code>; webhook URL: <code>PUBLIC_URL/api/github/webhooks</code>.</li>
<li>Put its App ID, private key and webhook secret in <code>.env</code> as <code>APP_ID</code>, <code>PRIVATE_KEY</code> (or <code>PRIVATE_KEY_PATH</code>) and <code>WEBHOOK_SECRET</code> (see <code>.env.example</code>).</li>
<li>Restart with <code>npm start</code> and install the App on your Dart repositories.</li>
</ol>`;
}

function donePage(code: string): string {
  const conversion = `curl -X POST -H "Accept: application/vnd.github+json" https://api.github.com/app-manifests/${encodeURIComponent(code)}/conversions`;
  return `<!doctype html><meta charset="utf-8"><title>ReposiTori registered</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:42rem;margin:3rem auto;padding:0 1rem}pre{background:#f3f4f6;padding:.6rem;border-radius:4px;white-space:pre-wrap}</style>
<h1>Almost there</h1>
<p>GitHub created the App. Exchange the one-time code (valid for one hour) for its credentials:</p>
<pre>${escapeHtml(conversion)}</pre>
<p>From the answer, put <code>id</code> in <code>APP_ID</code>, <code>pem</code> in <code>PRIVATE_KEY</code> and <code>webhook_secret</code> in <code>WEBHOOK_SECRET</code> in <code>.env</code>, then restart with <code>npm start</code>.</p>`;
}
