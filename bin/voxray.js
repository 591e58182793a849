#!/usr/bin/env node
// Runs the TypeScript CLI directly (no build step): tsx compiles it on load. `serve` restarts
// itself with the node flags its CPUs call for when they are missing (lib/server/nodeFlags.ts).
import { register } from "tsx/esm/api";

register();
const { relaunchWithServerFlags } = await import("../lib/server/nodeFlags.ts");
if (process.argv[2] !== "serve" || !relaunchWithServerFlags()) await import("./voxray.ts");
