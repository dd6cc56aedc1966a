import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import type { IncomingMessage } from "node:http";
import yaml from "js-yaml";
import { envLine } from "../config/save-env-file.js";
import { sameSecret } from "../same-secret.js";
import { type HttpHandler, sendJson, sendText, urlOf } from "./respond.js";

const escapeHtml = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c] ?? c);

/** The GitHub App manifest built from `app.yml`, pointing its webhook and redirect at this server. */
export function manifestFrom(appYml: string, publicUrl: string, webhookPath: string): Record<string, unknown> {
  const app = (yaml.load(appYml) ?? {}) as Record<string, unknown>;
  return {
    name: app.name,
    description: app.description,
    url: app.url,
    public: app.public ?? false,
    hook_attributes: { url: `${publicUrl}${webhookPath}` },
    redirect_url: `${publicUrl}/setup/done`,
    default_events: app.default_events,
    default_permissions: app.default_permissions,
  };
}

/**
 * The web address that goes with a REST API base: github.com for api.github.com, and the server
 * itself for GitHub Enterprise Server (`https://HOST/api/v3`).
 */
export function webUrlOf(apiUrl: string): string {
  const api = new URL(apiUrl);
  if (api.hostname === "api.github.com") return "https://github.com";
  return `${api.origin}${api.pathname.replace(/\/api\/v3\/?$/, "").replace(/\/$/, "")}`;
}

/** What GitHub returns when a manifest code is converted into an App. */
interface Conversion {
  id: number;
  slug?: string;
  html_url?: string;
  pem: string;
  webhook_secret: string;
}

export interface SetupOptions {
  appYmlPath: string;
  publicUrl: string;
  webhookPath: string;
  /** REST API base (GitHub Enterprise Server differs). */
  apiUrl: string;
  /** Saves the new credentials (main wires it to `.env`). */
  saveCredentials(values: Record<string, string>): Promise<void>;
  /**
   * The one-time key the operator's setup link carries (printed in the server's log): without it
   * the page offers no registration, since anyone who can reach the server can open it.
   */
  setupKey: string;
  fetch?: typeof fetch;
  /** Told that the App was registered but its credentials could not be saved (shown once to the operator instead). */
  onSaveFailed?: (appId: number, err: unknown) => void;
}

/**
 * Served while the App has no credentials: GitHub's manifest flow registers the App from `app.yml` in
 * one click, the one-time code comes back to `/setup/done`, and the credentials are written for the
 * next start. Webhooks are refused with 503 until then, so nothing is silently dropped.
 *
 * The page is public until the App is registered, and anyone could otherwise make the server save
 * the credentials of an App of theirs. So the form is shown only to a browser that opened the setup
 * link from the server's log (its key is then kept in a cookie), and `/setup/done` accepts a code
 * only from that browser, with the `state` this process put in its form (GitHub returns it
 * unchanged), and only once.
 */
export function setupRoutes(opts: SetupOptions): HttpHandler {
  const doFetch = opts.fetch ?? fetch;
  const state = randomBytes(24).toString("base64url");
  const newAppUrl = `${webUrlOf(opts.apiUrl)}/settings/apps/new?state=${state}`;
  let registration: "open" | "claimed" = "open";
  return async (req, res) => {
    const url = urlOf(req);
    if (!url) return false;
    if (url.pathname === opts.webhookPath) {
      return sendJson(res, 503, {
        error:
          "This ReposiTori server is not registered as a GitHub App yet: open the setup link in its log to register it, or set APP_ID, PRIVATE_KEY and WEBHOOK_SECRET, then restart.",
      });
    }
    if (url.pathname === "/setup/done" && req.method === "GET") {
      const code = url.searchParams.get("code") ?? "";
      if (!/^[\w-]{1,100}$/.test(code)) return sendText(res, 400, "Missing or malformed ?code from GitHub.");
      if (
        !sameSecret(cookieOf(req, SETUP_COOKIE) ?? "", opts.setupKey) ||
        !sameSecret(url.searchParams.get("state") ?? "", state)
      ) {
        return sendText(
          res,
          403,
          "This registration did not start from this server's setup page in this browser (or the server restarted since). Start again from the setup link in the server's log.",
        );
      }
      // Claimed before GitHub is asked, so two concurrent answers cannot both save credentials.
      if (registration !== "open") {
        return sendText(res, 409, "The App is registered already: restart the server (npm start) to use it.");
      }
      registration = "claimed";
      let app: Conversion;
      try {
        const answer = await doFetch(`${opts.apiUrl}/app-manifests/${code}/conversions`, {
          method: "POST",
          headers: { accept: "application/vnd.github+json", "user-agent": "repositori-setup" },
        });
        if (!answer.ok) {
          registration = "open";
          return sendText(
            res,
            502,
            `GitHub refused the registration code (HTTP ${answer.status}); codes are valid for one hour. Start again from the setup link in the server's log.`,
          );
        }
        app = (await answer.json()) as Conversion;
      } catch (err) {
        registration = "open";
        throw err;
      }
      // From here the App exists on GitHub and its code is spent: the credentials must not be lost.
      const credentials = { APP_ID: String(app.id), PRIVATE_KEY: app.pem, WEBHOOK_SECRET: app.webhook_secret };
      try {
        await opts.saveCredentials(credentials);
      } catch (err) {
        opts.onSaveFailed?.(app.id, err);
        res.setHeader("cache-control", "no-store");
        return sendText(res, 200, unsavedPage(app, credentials, err), "text/html; charset=utf-8");
      }
      return sendText(res, 200, donePage(app), "text/html; charset=utf-8");
    }
    if (url.pathname !== "/" || (req.method !== "GET" && req.method !== "HEAD")) return false;
    const hookUrl = `${opts.publicUrl}${opts.webhookPath}`;
    const key = url.searchParams.get("setup") ?? cookieOf(req, SETUP_COOKIE) ?? "";
    if (!sameSecret(key, opts.setupKey)) return sendText(res, 200, lockedPage(hookUrl), "text/html; charset=utf-8");
    const manifest = manifestFrom(readFileSync(opts.appYmlPath, "utf8"), opts.publicUrl, opts.webhookPath);
    const page = setupPage({ newAppUrl, manifestJson: JSON.stringify(manifest), hookUrl });
    // Kept for GitHub's way back to /setup/done (a top-level navigation, which SameSite=Lax allows).
    const secure = opts.publicUrl.startsWith("https:") ? "; Secure" : "";
    res.writeHead(200, {
      "content-type": "text/html; charset=utf-8",
      "content-length": Buffer.byteLength(page),
      "x-content-type-options": "nosniff",
      "cache-control": "no-store",
      "set-cookie": `${SETUP_COOKIE}=${opts.setupKey}; Path=/; HttpOnly; SameSite=Lax; Max-Age=3600${secure}`,
    });
    res.end(req.method === "HEAD" ? undefined : page);
    return true;
  };
}

const SETUP_COOKIE = "repositori_setup";

function cookieOf(req: IncomingMessage, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? "").split(";")) {
    const [k, ...v] = part.trim().split("=");
    if (k === name) return v.join("=");
  }
  return undefined;
}

/** What anyone else sees: the server is up and not registered, and where the operator finds the way on. */
function lockedPage(hookUrl: string): string {
  return `<!doctype html><meta charset="utf-8"><title>ReposiTori setup</title>${STYLE}
<h1>🐦 ReposiTori is not registered yet</h1>
<p>This server is running and serving <code>/healthz</code> and Dash cards, but it is not a GitHub App yet.</p>
<p>To register it, open the setup link the server printed in its log when it started (it carries a one-time key).</p>
<p>Or by hand: create a GitHub App with the permissions and events listed in <code>app.yml</code> (webhook URL:
<code>${escapeHtml(hookUrl)}</code>), set <code>APP_ID</code>, <code>PRIVATE_KEY</code> and <code>WEBHOOK_SECRET</code>
in <code>.env</code>, and restart.</p>`;
}

const STYLE =
  "<style>body{font:16px/1.5 system-ui,sans-serif;max-width:42rem;margin:3rem auto;padding:0 1rem}code{background:#f3f4f6;padding:.1rem .3rem;border-radius:4px}button{font-size:1rem;padding:.6rem 1.2rem;background:#0175c2;color:#fff;border:0;border-radius:6px;cursor:pointer}.warn{background:#fff8c5;border:1px solid #d4a72c;padding:.6rem .9rem;border-radius:6px}</style>";

/**
 * Whether GitHub would refuse `url` as a webhook address: it must be reachable over the public
 * internet, so a loopback, private or `.local` host is refused when the App is registered.
 */
export function unreachableByGitHub(url: string): boolean {
  const host = new URL(url).hostname.replace(/^\[|\]$/g, "").toLowerCase();
  return (
    host === "localhost" ||
    host.endsWith(".localhost") ||
    host.endsWith(".local") ||
    host === "::1" ||
    /^(127|10|0)\./.test(host) ||
    /^192\.168\./.test(host) ||
    /^172\.(1[6-9]|2\d|3[01])\./.test(host) ||
    /^169\.254\./.test(host) ||
    /^f[cd][0-9a-f]{2}:/.test(host)
  );
}

function setupPage(p: { newAppUrl: string; manifestJson: string; hookUrl: string }): string {
  const warning = unreachableByGitHub(p.hookUrl)
    ? `<p class="warn"><strong>GitHub will refuse this registration:</strong> the webhook address
<code>${escapeHtml(p.hookUrl)}</code> is not reachable from the internet. Start a tunnel to this server
(for example <code>cloudflared tunnel --url http://localhost:PORT</code>), restart with <code>PUBLIC_URL</code>
set to the tunnel's address, and open this page through it.</p>`
    : "";
  return `<!doctype html><meta charset="utf-8"><title>ReposiTori setup</title>${STYLE}
<h1>🐦 Register ReposiTori on GitHub</h1>
<p>This server is running and serving <code>/healthz</code> and Dash cards, but it is not a GitHub App yet.</p>
${warning}<form action="${escapeHtml(p.newAppUrl)}" method="post">
<input type="hidden" name="manifest" value="${escapeHtml(p.manifestJson)}">
<button type="submit">Register the GitHub App from app.yml</button>
</form>
<p>GitHub sends you back here; the App's credentials are then saved to <code>.env</code>. Restart with <code>npm start</code>.</p>
<h2>Or by hand</h2>
<ol>
<li>Create a GitHub App with the permissions and events listed in <code>app.yml</code>; webhook URL: <code>${escapeHtml(p.hookUrl)}</code>.</li>
<li>Set <code>APP_ID</code>, <code>PRIVATE_KEY</code> (or <code>PRIVATE_KEY_PATH</code>) and <code>WEBHOOK_SECRET</code> in <code>.env</code> (see <code>.env.example</code>).</li>
<li>Restart with <code>npm start</code> and install the App on your Dart repositories.</li>
</ol>`;
}

/**
 * The App is registered but `.env` could not be written (a read-only mount, say): its credentials are
 * shown this once, to the operator who started the registration, since GitHub gives them only once.
 */
function unsavedPage(app: Conversion, credentials: Record<string, string>, err: unknown): string {
  const reason = err instanceof Error ? err.message : String(err);
  const lines = Object.entries(credentials)
    .map(([k, v]) => envLine(k, v))
    .join("\n");
  return `<!doctype html><meta charset="utf-8"><title>ReposiTori registered: save its credentials</title>${STYLE}
<h1>Registered, but not saved</h1>
<p>The GitHub App${app.slug ? ` <code>${escapeHtml(app.slug)}</code>` : ""} exists on GitHub, but its credentials could not be written to <code>.env</code> (${escapeHtml(reason)}).
GitHub gives them only once: copy them now into the App's environment or its <code>.env</code>, keep them secret, and restart. This page is not stored.</p>
<pre>${escapeHtml(lines)}</pre>`;
}

function donePage(app: Conversion): string {
  const install = app.html_url ? `${app.html_url}/installations/new` : "the App's settings page on GitHub";
  return `<!doctype html><meta charset="utf-8"><title>ReposiTori registered</title>${STYLE}
<h1>Dash has a home 🎉</h1>
<p>The GitHub App${app.slug ? ` <code>${escapeHtml(app.slug)}</code>` : ""} is registered and its credentials are saved in <code>.env</code>.</p>
<ol><li>Restart the server: <code>npm start</code>.</li>
<li>Install the App on your Dart repositories: <a href="${escapeHtml(install)}">${escapeHtml(install)}</a>.</li></ol>`;
}
