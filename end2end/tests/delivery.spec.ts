// How the release build's files reach the browser: content-hashed names in the page,
// brotli-11 copies made at build time, a year of immutable caching, and 304 for a file the
// browser already has. (Sizes per page, first and repeat visit, are scripts/perf.py's.)
import { expect, test } from "@playwright/test";

const HASHED = /^\/pkg\/[A-Za-z0-9_]+\.[A-Za-z0-9_-]{22}\.(js|wasm|css)$/;

test("pages link hashed assets that are sent precompressed and cached for a year", async ({ request }) => {
  const page = await request.get("/?lang=en");
  expect(page.status()).toBe(200);
  const html = await page.text();
  const stylesheet = html.match(/<link rel="stylesheet" id="leptos" href="([^"]+)"/)?.[1];
  const script = html.match(/<link rel="modulepreload" href="([^"]+)"/)?.[1];
  const wasm = html.match(/<link rel="preload" href="([^"]+\.wasm)"/)?.[1];
  for (const asset of [stylesheet, script, wasm]) {
    expect(asset, `asset links in ${html.slice(0, 600)}`).toMatch(HASHED);
    const response = await request.get(asset!, { headers: { "Accept-Encoding": "gzip, deflate, br" } });
    expect(response.status(), asset).toBe(200);
    expect(response.headers()["content-encoding"], asset).toBe("br");
    expect(response.headers()["cache-control"], asset).toBe("public, max-age=31536000, immutable");
    const again = await request.get(asset!, {
      headers: { "Accept-Encoding": "br", "If-Modified-Since": response.headers()["last-modified"] },
    });
    expect(again.status(), asset).toBe(304);
  }
});

test("the translated 404 page links the hashed stylesheet too", async ({ request }) => {
  const missing = await request.get("/pkg/portal.AAAAAAAAAAAAAAAAAAAAAA.wasm?lang=en");
  expect(missing.status()).toBe(404);
  expect(missing.headers()["cache-control"]).toBeUndefined();
  expect(await missing.text()).toMatch(/<link rel="stylesheet" id="leptos" href="\/pkg\/portal\.[A-Za-z0-9_-]{22}\.css"/);
});
