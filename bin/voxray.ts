// The voxray command line. Each action is implemented in lib/config/cli.ts.
//
//   voxray serve [--config PATH] [--host H] [--port N] [--transport T]
//   voxray init [PATH] [--force]
//   voxray config check [PATH]
//   voxray config schema
//   voxray client [--url URL] [--wav FILE | --say TEXT] [--out FILE] [--format json|protobuf]

import { Command, InvalidArgumentError, Option } from "commander";
import {
  parsePortFlag,
  processIo as io,
  runConfigCheck,
  runConfigSchema,
  runInit,
  runServe,
  voxrayVersion,
} from "../lib/config/cli.ts";
import { TRANSPORTS } from "../lib/config/schema.ts";

// Loaded only by `serve`, so the other commands work without the server's dependencies.
const SERVER_MODULE = new URL("../lib/server/serve.ts", import.meta.url);

const cwd = process.cwd();
const env = process.env;

// `voxray config schema | head` closes the pipe early; that is not an error.
process.stdout.on("error", (error: NodeJS.ErrnoException) => {
  if (error.code === "EPIPE") process.exit(0);
  throw error;
});

const program = new Command("voxray")
  .description("Config-driven server for real-time AI voice agents")
  .version(voxrayVersion());

program
  .command("serve")
  .description("start the server")
  .option("-c, --config <path>", "config file (default: $VOXRAY_CONFIG, else ./config.json, else the built-in echo agent)")
  .option("--host <host>", "interface to listen on")
  .option("-p, --port <port>", "TCP port", parsePortFlag)
  .addOption(new Option("--transport <transport>", "real-time transports to offer").choices(TRANSPORTS))
  .action(async (flags: { config?: string; host?: string; port?: number; transport?: (typeof TRANSPORTS)[number] }) => {
    const overrides = { host: flags.host, port: flags.port, transport: flags.transport };
    process.exitCode = await runServe({ path: flags.config, cwd, env, overrides }, SERVER_MODULE, io);
  });

program
  .command("init")
  .description("write a commented starter config")
  .argument("[path]", "file to write", "config.json")
  .option("-f, --force", "overwrite the file if it exists", false)
  .action((path: string, flags: { force: boolean }) => {
    process.exitCode = runInit({ path, force: flags.force, cwd }, io);
  });

const config = program.command("config").description("check a config file or print its JSON Schema");

config
  .command("check")
  .description("validate a config file (with environment overrides) and list warnings")
  .argument("[path]", "config file (default: $VOXRAY_CONFIG, else ./config.json, else the built-in default)")
  .action((path: string | undefined) => {
    process.exitCode = runConfigCheck({ path, cwd, env }, io);
  });

config
  .command("schema")
  .description("print the JSON Schema of config files, for editors")
  .action(() => {
    process.exitCode = runConfigSchema(io);
  });

program
  .command("client")
  .description("talk to a running server from the terminal: stream a WAV or spoken text, print what comes back, save the reply")
  .option("--url <url>", "the server's WebSocket endpoint", "ws://localhost:8080/ws")
  .option("--wav <path>", "audio to send (any rate, mono or stereo 16-bit WAV)")
  .option("--say <text>", "text to speak with flite and send")
  .option("--out <path>", 'where to write the bot\'s audio ("" = nowhere)', "reply.wav")
  .addOption(new Option("--format <format>", "wire format").choices(["json", "protobuf"]).default("json"))
  .option("--quiet-secs <secs>", "exit after this long with nothing from the server once the input is sent", parseSecondsFlag, 4)
  .action(async (flags: { url: string; wav?: string; say?: string; out: string; format: "json" | "protobuf"; quietSecs: number }) => {
    // Loaded only here, so the other commands never load the WebSocket client.
    const { runClient } = await import("../lib/cli/client.ts");
    const { quietSecs, ...options } = flags;
    process.exitCode = await runClient({ ...options, quietMs: quietSecs * 1000 }, io);
  });

function parseSecondsFlag(value: string): number {
  const secs = Number(value);
  if (!(secs > 0)) throw new InvalidArgumentError("expected a number of seconds above 0.");
  return secs;
}

await program.parseAsync(process.argv);
