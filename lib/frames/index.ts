export * from "./kinds.ts";
export * from "./fields.ts";
export * from "./frame.ts";
