// What a phone actually downloads (issue 13): for each page, the bytes on the wire of a
// first visit (fresh browser context, empty cache) and of a repeat visit (a new tab in the
// same context, so the HTTP cache is warm), measured with Chromium's own network events
// (CDP `Network.loadingFinished.encodedDataLength`: headers and compressed body as
// received; answers from the cache count 0). A visit ends when the app has hydrated
// (`body[data-hydrated]`) and the network has been quiet for a while, so wasm chunks
// loaded on demand are counted. Asset names are never assumed: whatever the page loads is
// counted and classified by its response (document, stylesheet, script, wasm, other).
//
// Run by scripts/perf.py against a release server it started; standalone:
//   node end2end/perf/sent.mjs --base http://127.0.0.1:3000 [--session portal_session=...]
//        [--public /,/login] [--signed-in /cabinet] [--lang en] [--json out.json]
// Prints a table; with --json also writes every request it saw.
import { chromium } from "@playwright/test";
import * as fs from "node:fs";

const args = Object.fromEntries(
  process.argv.slice(2).reduce((pairs, arg, i, all) => {
    if (arg.startsWith("--")) pairs.push([arg.slice(2), all[i + 1] ?? ""]);
    return pairs;
  }, []),
);
const base = args.base ?? "http://127.0.0.1:3000";
const lang = args.lang ?? "en";
const list = (value, fallback) => (value === undefined ? fallback : value.split(",").filter((p) => p !== ""));
const publicPages = list(args.public, ["/", "/login", "/register", "/agreement"]);
const signedInPages = list(args["signed-in"], ["/cabinet", "/cabinet/history"]);
const session = args.session ?? process.env.PERF_SESSION_COOKIE ?? "";
if (signedInPages.length && !session.includes("=")) {
  console.error("signed-in pages need --session name=value (the session cookie)");
  process.exit(2);
}
const QUIET_MS = Number(process.env.PERF_QUIET_MS ?? 700);
const VISIT_TIMEOUT_MS = Number(process.env.PERF_VISIT_TIMEOUT_MS ?? 45_000);

// The phone of the end-to-end tests (playwright.config.ts), and its Chromium flags.
const phone = { viewport: { width: 360, height: 740 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 };
const launch = {
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

function kindOf(entry) {
  const mime = (entry.mimeType ?? "").toLowerCase();
  const url = entry.url.split(/[?#]/)[0];
  if (mime === "application/wasm" || url.endsWith(".wasm")) return "wasm";
  if (entry.type === "Document") return "html";
  if (entry.type === "Stylesheet" || mime === "text/css") return "css";
  if (entry.type === "Script" || mime.includes("javascript") || url.endsWith(".js")) return "js";
  return "other";
}

/** One visit in `context` to `path`: every request with its bytes, and what went wrong. */
async function visit(context, path) {
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  const requests = new Map();
  const problems = []; // the measurement is not valid
  const warnings = []; // worth reading: console errors, failed requests
  let lastActivity = Date.now();
  const entry = (id) => {
    if (!requests.has(id)) requests.set(id, { id, url: "", type: "", bytes: 0, done: false });
    return requests.get(id);
  };
  cdp.on("Network.requestWillBeSent", (e) => {
    lastActivity = Date.now();
    const r = entry(e.requestId);
    if (e.redirectResponse) {
      // A redirect reuses the request id: its response is on the wire too.
      r.redirects = (r.redirects ?? 0) + 1;
      r.bytes += e.redirectResponse.encodedDataLength ?? 0;
    }
    r.url = e.request.url;
    r.type = e.type ?? r.type;
  });
  cdp.on("Network.responseReceived", (e) => {
    lastActivity = Date.now();
    const r = entry(e.requestId);
    r.url = e.response.url;
    r.type = e.type ?? r.type;
    r.status = e.response.status;
    r.mimeType = e.response.mimeType;
    r.fromDiskCache = !!e.response.fromDiskCache;
    r.protocol = e.response.protocol;
    const headers = Object.fromEntries(Object.entries(e.response.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v]));
    r.encoding = headers["content-encoding"] ?? "";
    // What had arrived when the response started: its status line and headers.
    r.headerBytes = r.fromDiskCache ? 0 : e.response.encodedDataLength ?? 0;
    r.cacheControl = headers["cache-control"] ?? "";
  });
  cdp.on("Network.requestServedFromCache", (e) => {
    entry(e.requestId).fromMemoryCache = true;
  });
  cdp.on("Network.loadingFinished", (e) => {
    lastActivity = Date.now();
    const r = entry(e.requestId);
    r.done = true;
    r.bytes += r.fromDiskCache || r.fromMemoryCache ? 0 : e.encodedDataLength;
  });
  cdp.on("Network.loadingFailed", (e) => {
    lastActivity = Date.now();
    const r = entry(e.requestId);
    r.done = true;
    r.failed = e.errorText + (e.canceled ? " (canceled)" : "");
    if (!e.canceled) warnings.push(`failed: ${r.url} ${e.errorText}`);
  });
  page.on("pageerror", (e) => warnings.push(`page error: ${e.message}`));
  page.on("console", (m) => {
    if (m.type() === "error") warnings.push(`console: ${m.text()}`);
  });
  await cdp.send("Network.enable");

  const started = Date.now();
  let status = null;
  let finalPath = null;
  try {
    const response = await page.goto(base + path, { waitUntil: "load", timeout: VISIT_TIMEOUT_MS });
    status = response ? response.status() : null;
    finalPath = new URL(page.url()).pathname;
    if (finalPath !== path.split("?")[0]) problems.push(`ended at ${page.url()} instead of ${path}`);
    if (status !== 200) problems.push(`HTTP ${status}`);
    await page.waitForSelector("body[data-hydrated]", { state: "attached", timeout: VISIT_TIMEOUT_MS });
    // Chunks loaded on demand after hydration: wait for a quiet network.
    while (Date.now() - started < VISIT_TIMEOUT_MS) {
      const pending = [...requests.values()].some((r) => !r.done);
      if (!pending && Date.now() - lastActivity >= QUIET_MS) break;
      await page.waitForTimeout(100);
    }
  } catch (error) {
    problems.push(`${error.message.split("\n")[0]}`);
  }
  const hydrated = (await page.locator("body[data-hydrated]").count().catch(() => 0)) > 0;
  if (!hydrated && !problems.some((p) => p.includes("data-hydrated"))) problems.push("did not hydrate");
  await cdp.detach().catch(() => {});
  await page.close();

  const seen = [...requests.values()].filter((r) => r.url && !r.url.startsWith("data:"));
  const sums = { total: 0, html: 0, css: 0, js: 0, wasm: 0, other: 0, headers: 0 };
  const wasmFiles = new Set();
  for (const r of seen) {
    r.kind = kindOf(r);
    sums[r.kind] += r.bytes;
    sums.total += r.bytes;
    if (r.bytes > 0) sums.headers += Math.min(r.headerBytes ?? 0, r.bytes);
    if (r.kind === "wasm") wasmFiles.add(r.url);
  }
  return {
    path,
    status,
    hydrated,
    ms: Date.now() - started,
    bytes: { ...sums, html_css: sums.html + sums.css },
    requests: seen.length,
    wasm_files: wasmFiles.size,
    encodings: [...new Set(seen.filter((r) => r.bytes > 0).map((r) => `${r.kind}:${r.encoding || "identity"}`))].sort(),
    problems,
    warnings: [...new Set(warnings)],
    resources: seen.map(({ url, type, kind, status, bytes, encoding, cacheControl, fromDiskCache, fromMemoryCache, failed }) => ({
      url: url.replace(base, ""),
      type,
      kind,
      status,
      bytes,
      encoding,
      cache_control: cacheControl,
      cached: !!(fromDiskCache || fromMemoryCache),
      ...(failed ? { failed } : {}),
    })),
  };
}

async function measure(browser, path, signedIn) {
  const context = await browser.newContext({ ...phone, locale: lang });
  if (signedIn) {
    const [name, ...rest] = session.split("=");
    await context.addCookies([{ name, value: rest.join("="), url: base }]);
  }
  try {
    const first = await visit(context, path);
    const repeat = await visit(context, path);
    return { path, signed_in: signedIn, first, repeat };
  } finally {
    await context.close();
  }
}

const kb = (n) => (n / 1024).toFixed(1);

const browser = await chromium.launch(launch);
const pages = [];
try {
  for (const path of publicPages) pages.push(await measure(browser, path, false));
  for (const path of signedInPages) pages.push(await measure(browser, path, true));
} finally {
  await browser.close();
}
const result = { base, lang, browser: launch.executablePath, profile: phone, pages };
if (args.json) {
  fs.writeFileSync(args.json, JSON.stringify(result, null, 1));
} else {
  console.log(`${"page".padEnd(18)} ${"first KB".padStart(9)} ${"html+css".padStart(9)} ${"js".padStart(7)} ${"wasm".padStart(7)} ${"chunks".padStart(6)} ${"repeat KB".padStart(9)}`);
  for (const p of pages) {
    const f = p.first.bytes;
    console.log(
      `${p.path.padEnd(18)} ${kb(f.total).padStart(9)} ${kb(f.html_css).padStart(9)} ${kb(f.js).padStart(7)} ${kb(f.wasm).padStart(7)} ${String(p.first.wasm_files).padStart(6)} ${kb(p.repeat.bytes.total).padStart(9)}`,
    );
    for (const problem of [...p.first.problems, ...p.repeat.problems]) console.log(`  ! ${problem}`);
    for (const warning of [...p.first.warnings, ...p.repeat.warnings]) console.log(`  ? ${warning}`);
  }
}
const broken = pages.some((p) => p.first.problems.length || p.repeat.problems.length || !p.first.hydrated);
process.exit(broken ? 1 : 0);
