// A throwaway self-signed certificate for 127.0.0.1, made with openssl at test time (specs that
// use it skip where openssl is missing: see `missingPrograms`).

import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface KeyAndCert {
  readonly key: string;
  readonly cert: string;
}

export function selfSignedCert(): KeyAndCert {
  const dir = mkdtempSync(join(tmpdir(), "voxray-cert-"));
  try {
    const key = join(dir, "key.pem");
    const cert = join(dir, "cert.pem");
    // EC P-256: generated in milliseconds, unlike RSA; SAN so hostname checks pass for 127.0.0.1.
    execFileSync(
      "openssl",
      ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", key, "-out", cert,
        "-days", "1", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"],
      { stdio: "ignore" },
    );
    return { key: readFileSync(key, "utf8"), cert: readFileSync(cert, "utf8") };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
