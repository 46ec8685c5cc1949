// Shared helpers: the real translation files (so tests follow the product's own words),
// the languages, and waiting for hydration when JavaScript is on.
import { Browser, BrowserContext, BrowserContextOptions, expect, Page, TestInfo } from "@playwright/test";
import * as fs from "node:fs";
import * as path from "node:path";

export const LANGUAGES = ["ky", "ru", "en"] as const;
export type Language = (typeof LANGUAGES)[number];

type Tree = { [key: string]: string | Tree };

function load(lang: Language): Tree {
  const file = path.resolve(__dirname, "../../app/locales", `${lang}.json`);
  return JSON.parse(fs.readFileSync(file, "utf8"));
}

const trees: Record<Language, Tree> = { ky: load("ky"), ru: load("ru"), en: load("en") };

/** The translation of a dotted key, e.g. `t("ru", "feedback.title")`. */
export function t(lang: Language, key: string): string {
  let node: string | Tree = trees[lang];
  for (const part of key.split(".")) {
    if (typeof node === "string" || !(part in node)) throw new Error(`no key ${key} in ${lang}`);
    node = node[part];
  }
  if (typeof node !== "string") throw new Error(`${key} is not a string`);
  return node;
}

export function javaScriptOn(testInfo: TestInfo): boolean {
  return testInfo.project.use.javaScriptEnabled !== false;
}

/** Opens a page; with JavaScript on, waits until the app has hydrated. */
export async function open(page: Page, url: string, testInfo: TestInfo): Promise<void> {
  await page.goto(url);
  if (javaScriptOn(testInfo)) {
    await expect(page.locator("body[data-hydrated]")).toHaveCount(1);
  }
}

export function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** A fresh browser context with the project's device settings and some overrides. */
export async function newContext(
  browser: Browser,
  testInfo: TestInfo,
  overrides: BrowserContextOptions = {},
): Promise<BrowserContext> {
  const use = testInfo.project.use;
  return browser.newContext({
    baseURL: use.baseURL,
    viewport: use.viewport,
    isMobile: use.isMobile,
    hasTouch: use.hasTouch,
    deviceScaleFactor: use.deviceScaleFactor,
    javaScriptEnabled: use.javaScriptEnabled,
    ...overrides,
  });
}
