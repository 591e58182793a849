// Vitest setup: nothing global beyond keeping stray logs quiet unless asked for.
process.env.VOXRAY_LOG_LEVEL ??= "silent";
