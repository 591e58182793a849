// Config problems users can cause. Each problem names the key it is about in the form a
// reader can find in their file (`webrtc_ice_servers[1].urls`), so one run lists every
// fix needed instead of failing on the first.

/** One problem with a configuration value. `path` is "" for problems with the file itself. */
export interface ConfigIssue {
  readonly path: string;
  readonly message: string;
}

export class ConfigError extends Error {
  override readonly name = "ConfigError";

  constructor(
    readonly issues: readonly ConfigIssue[],
    /** The file the configuration came from, when there was one. */
    readonly file?: string,
  ) {
    super(`${file === undefined ? "invalid configuration" : `invalid configuration in ${file}`}:\n${formatIssues(issues)}`);
  }
}

/** One issue per line, indented, `path: message`. */
export function formatIssues(issues: readonly ConfigIssue[]): string {
  return issues.map((issue) => `  ${issue.path === "" ? issue.message : `${issue.path}: ${issue.message}`}`).join("\n");
}

/** `["webrtc_ice_servers", 1, "urls"]` → `webrtc_ice_servers[1].urls`. */
export function formatKeyPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const key of path) {
    if (typeof key === "number") out += `[${key}]`;
    else if (typeof key === "string" && /^[A-Za-z_$][\w$]*$/.test(key)) out += out === "" ? key : `.${key}`;
    else out += `[${JSON.stringify(String(key))}]`;
  }
  return out;
}
