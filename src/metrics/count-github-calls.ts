import type { ProbotOctokit } from "probot";
import { githubApiCalls } from "./registry.js";

type OctokitClass = typeof ProbotOctokit;

/** A route label with a bounded set of values: the endpoint template, never a filled-in URL. */
function routeOf(options: { method?: string; url?: string }): string {
  const url = options.url ?? "";
  const template = url.startsWith("/") && url.length <= 120 && !url.includes("?") ? url : "other";
  return `${options.method ?? "GET"} ${template}`;
}

/** The Octokit class Probot should use, with every request to GitHub counted in `githubApiCalls`. */
export function countGitHubCalls(Octokit: OctokitClass): OctokitClass {
  return Octokit.plugin((octokit) => {
    octokit.hook.after("request", (response, options) => {
      githubApiCalls.inc({ route: routeOf(options), status: String(response.status) });
    });
    octokit.hook.error("request", (error, options) => {
      const status = (error as { status?: number }).status;
      githubApiCalls.inc({ route: routeOf(options), status: status ? String(status) : "network_error" });
      throw error;
    });
  });
}
