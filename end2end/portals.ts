// The portals the end-to-end tests run against, shared by the configuration and specs.
// The main one has the normal settings; the idle one ends sessions after 24 seconds
// without activity (warning 12 seconds before) so the idle-timeout tests take seconds,
// not a quarter of an hour. The agreement portals (one per project, since publishing a new
// version holds every user of a portal at the re-acceptance page) are where
// agreement.spec.ts publishes version 2 with `server agreement publish`.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

const port = Number(process.env.PORTAL_E2E_PORT ?? 3100);
const idlePort = Number(process.env.PORTAL_E2E_IDLE_PORT ?? port + 1);
const agreementPorts = (process.env.PORTAL_E2E_AGREEMENT_PORTS ?? "")
  .split(",")
  .filter((p) => p !== "")
  .map(Number);

// One data directory for the whole run: the configuration creates it when the test script
// did not, and the workers (started later, with this environment) find it here.
if (!process.env.PORTAL_E2E_DATA_DIR) {
  process.env.PORTAL_E2E_DATA_DIR = fs.mkdtempSync(path.join(os.tmpdir(), "portal-e2e-"));
}
export const DATA_DIR = process.env.PORTAL_E2E_DATA_DIR;
export const SERVER = path.resolve(__dirname, "../target/release/server");

export const MAIN_PORTAL = { port, url: `http://127.0.0.1:${port}` };
export const IDLE_PORTAL = {
  port: idlePort,
  url: `http://127.0.0.1:${idlePort}`,
  idleTimeoutSeconds: 24,
  idleWarningSeconds: 12,
};

/** The projects, in the order of their agreement portals. */
export const PROJECTS = ["desktop-js", "desktop-nojs", "phone-js", "phone-nojs"] as const;

export const AGREEMENT_PORTALS = PROJECTS.map((project, i) => {
  const p = agreementPorts[i] ?? port + 2 + i;
  return { project, port: p, url: `http://127.0.0.1:${p}`, dataDir: path.join(DATA_DIR, `agreement-${i}`) };
});
