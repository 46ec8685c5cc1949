// Playwright runs every spec in four projects: desktop and phone sizes, each with
// JavaScript on and off. The portal is the release server, started here on the port and
// data directory that scripts/test.sh chose (a fresh temporary database per run): with
// normal settings, with a short idle timeout for idle.spec.ts, and once per project for
// agreement.spec.ts (see portals.ts). Every test
// browser comes from 127.0.0.1, so the per-address limit is lifted; the service and HTTP
// tests prove the limit itself.
import { defineConfig } from "@playwright/test";
import * as path from "node:path";
import { AGREEMENT_PORTALS, DATA_DIR, IDLE_PORTAL, MAIN_PORTAL, PROJECTS, SERVER } from "./portals";

const root = path.resolve(__dirname, "..");
const dataDir = DATA_DIR;
const baseURL = MAIN_PORTAL.url;
const server = SERVER;
const common = `--site-root "${path.join(root, "target/site")}" --dev --attempts-per-address 100000`;

const chromium = {
  executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
  args: [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
  ],
};

const desktop = { viewport: { width: 1280, height: 800 } };
const phone = { viewport: { width: 360, height: 740 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 };

export default defineConfig({
  testDir: "./tests",
  fullyParallel: true,
  forbidOnly: !!process.env.CI,
  retries: 0,
  workers: 2,
  // Generous for a busy two-core CI machine (seen 2.5 times slower than a quiet one).
  timeout: 60_000,
  expect: { timeout: 10_000 },
  reporter: [["list"]],
  use: {
    baseURL,
    launchOptions: chromium,
    trace: "retain-on-failure",
  },
  projects: [
    { name: PROJECTS[0], use: { ...desktop, javaScriptEnabled: true } },
    { name: PROJECTS[1], use: { ...desktop, javaScriptEnabled: false } },
    { name: PROJECTS[2], use: { ...phone, javaScriptEnabled: true } },
    { name: PROJECTS[3], use: { ...phone, javaScriptEnabled: false } },
  ],
  webServer: [
    {
      command: `"${server}" serve --listen 127.0.0.1:${MAIN_PORTAL.port} --data-dir "${path.join(dataDir, "main")}" ${common}`,
      url: `${MAIN_PORTAL.url}/readyz`,
      timeout: 60_000,
      reuseExistingServer: false,
      stdout: "ignore",
      stderr: "pipe",
    },
    {
      command:
        `"${server}" serve --listen 127.0.0.1:${IDLE_PORTAL.port} --data-dir "${path.join(dataDir, "idle")}" ${common}` +
        ` --idle-timeout-seconds ${IDLE_PORTAL.idleTimeoutSeconds} --idle-warning-seconds ${IDLE_PORTAL.idleWarningSeconds}`,
      url: `${IDLE_PORTAL.url}/readyz`,
      timeout: 60_000,
      reuseExistingServer: false,
      stdout: "ignore",
      stderr: "pipe",
    },
    ...AGREEMENT_PORTALS.map((portal) => ({
      command: `"${server}" serve --listen 127.0.0.1:${portal.port} --data-dir "${portal.dataDir}" ${common}`,
      url: `${portal.url}/readyz`,
      timeout: 60_000,
      reuseExistingServer: false,
      stdout: "ignore" as const,
      stderr: "pipe" as const,
    })),
  ],
});
