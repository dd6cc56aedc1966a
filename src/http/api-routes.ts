import type { Store } from "../store/store.js";
import { loadRepoDash, loadUserDash } from "../views/load-dash.js";
import { type HttpHandler, segment, sendJson, urlOf } from "./respond.js";

const REPO_PATH = /^\/api\/v1\/repos\/([^/]+)\/([^/]+)\/?$/;
const USER_PATH = /^\/api\/v1\/users\/([^/]+)\/?$/;

/** `GET /api/v1/repos/:owner/:repo` and `GET /api/v1/users/:login`: a Dash's state as JSON. */
export function apiRoutes(deps: { store: Store; now: () => Date }): HttpHandler {
  return async (req, res) => {
    const url = urlOf(req);
    if (!url?.pathname.startsWith("/api/v1/")) return false;
    if (req.method !== "GET" && req.method !== "HEAD") {
      return sendJson(res, 405, { error: "Only GET is supported" }, { allow: "GET, HEAD" });
    }
    const headers = { "cache-control": "no-cache" };
    const repoMatch = REPO_PATH.exec(url.pathname);
    if (repoMatch) {
      const owner = segment(repoMatch[1]);
      const name = segment(repoMatch[2]);
      const view =
        owner && name
          ? await loadRepoDash(deps.store, owner, name, { now: deps.now(), token: url.searchParams.get("token") })
          : null;
      if (!view) return sendJson(res, 404, { error: "No Dash for this repository (unknown, or never fed)" });
      return sendJson(res, 200, view.state, headers);
    }
    const userMatch = USER_PATH.exec(url.pathname);
    if (userMatch) {
      const login = segment(userMatch[1]);
      const state = login ? await loadUserDash(deps.store, login, { now: deps.now() }) : null;
      if (!state) return sendJson(res, 404, { error: "No Dash for this user (unknown, or never fed)" });
      return sendJson(res, 200, state, headers);
    }
    return sendJson(res, 404, { error: `Unknown API route: ${url.pathname}` });
  };
}
