export * from "./context.ts";
export * from "./processor.ts";
export * from "./pipeline.ts";
export * from "./parallel.ts";
export * from "./serviceSwitcher.ts";
export * from "./registry.ts";
export * from "./runner.ts";
export * from "./errors.ts";
