// Shared helpers: the real translation files (so tests follow the product's own words),
// the languages, and waiting for hydration when JavaScript is on.
import AxeBuilder from "@axe-core/playwright";
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

/** The language a spec runs in for this project (each spec spreads the three languages
 * over the four projects its own way). */
export function projectLanguage(testInfo: TestInfo, byProject: Record<string, Language>): Language {
  return byProject[testInfo.project.name] ?? "en";
}

export function javaScriptOn(testInfo: TestInfo): boolean {
  return testInfo.project.use.javaScriptEnabled !== false;
}

/** Opens a page; with JavaScript on, waits until the app has hydrated (and says what the
 * browser reported if it did not). */
export async function open(page: Page, url: string, testInfo: TestInfo): Promise<void> {
  const problems: string[] = [];
  const onConsole = (m: { type(): string; text(): string }) => {
    if (m.type() === "error") problems.push(m.text());
  };
  const onError = (e: Error) => problems.push(e.message);
  page.on("console", onConsole);
  page.on("pageerror", onError);
  try {
    await page.goto(url);
    if (javaScriptOn(testInfo)) {
      await expect(page.locator("body[data-hydrated]"), `hydration of ${url}: ${problems.join(" | ")}`).toHaveCount(1);
    }
  } finally {
    page.off("console", onConsole);
    page.off("pageerror", onError);
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

export const PASSWORD = "Тоо-Ата жайлоосу 2026";

/** A valid PIN nobody else in this run uses: 2, a birth date, a random code. */
export function uniquePin(): string {
  const day = String(1 + Math.floor(Math.random() * 28)).padStart(2, "0");
  const month = String(1 + Math.floor(Math.random() * 12)).padStart(2, "0");
  const year = String(1960 + Math.floor(Math.random() * 40));
  const code = String(Math.floor(Math.random() * 100000)).padStart(5, "0");
  return `2${day}${month}${year}${code}`;
}

export function uniqueInn(): string {
  return `0${String(Math.floor(Math.random() * 1e13)).padStart(13, "0")}`;
}

/** Registers a new account through the form (first without the checkboxes, which must
 * fail); the portal answers every registration alike (it never says whether the details
 * were already registered), so the new user then signs in, ending in the cabinet. */
export async function register(page: Page, testInfo: TestInfo, kind: "individual" | "organization") {
  const pin = uniquePin();
  const email = `citizen-${pin}@example.kg`;
  await open(page, `/register?kind=${kind}&lang=en`, testInfo);
  await expect(page.getByLabel(/I accept the User Agreement \(version 1\)/)).not.toBeChecked();
  await expect(page.getByLabel(t("en", "register.consent_personal_data"))).not.toBeChecked();
  if (kind === "organization") {
    await page.getByLabel(t("en", "register.inn_label")).fill(uniqueInn());
    await page.getByLabel(t("en", "register.organization_name_label")).fill(`Ala-Too Service ${pin}`);
  }
  await page.getByLabel(t("en", "register.pin_label")).fill(pin);
  await page.getByLabel(t("en", "register.full_name_label")).fill("Asanova Aigul");
  await page.getByLabel(t("en", "register.email_label")).fill(email);
  await page.getByLabel(t("en", "register.password_label")).fill(PASSWORD);

  // Without the two checkboxes there is no account, and each says so.
  await page.getByRole("button", { name: t("en", "register.submit") }).click();
  await expect(page.locator("#accepts_agreement-error")).toContainText(t("en", "errors.agreement_not_accepted"));
  await expect(page.locator("#consents_to_personal_data-error")).toContainText(t("en", "errors.consent_missing"));
  await expect(page.getByLabel(t("en", "register.pin_label"))).toHaveValue(pin);
  if (!javaScriptOn(testInfo)) {
    // The re-rendered form gives back everything typed except the password.
    await expect(page.getByLabel(t("en", "register.password_label"))).toHaveValue("");
  }

  await page.getByLabel(t("en", "register.password_label")).fill(PASSWORD);
  await page.getByLabel(/I accept the User Agreement/).check();
  await page.getByLabel(t("en", "register.consent_personal_data")).check();
  await page.getByRole("button", { name: t("en", "register.submit") }).click();
  await expect(page).toHaveURL(/\/register\/done$/);
  await expect(page.getByTestId("registration-done")).toHaveText(t("en", "register.done_title"));
  await page.getByRole("link", { name: t("en", "login.submit"), exact: true }).click();
  await expect(page).toHaveURL(/\/login/);
  await signIn(page, kind === "organization" ? email : pin);
  await expect(page).toHaveURL(/\/cabinet$/);
  await expect(page.getByTestId("account-name")).toHaveText("Asanova Aigul");
  return { pin, email };
}


/** Signs in on the sign-in page that is open. */
export async function signIn(page: Page, identifier: string, password = PASSWORD) {
  await page.getByLabel(t("en", "login.identifier_label")).fill(identifier);
  await page.getByLabel(t("en", "login.password_label")).fill(password);
  await page.getByRole("button", { name: t("en", "login.submit") }).click();
}

/** An axe-core scan (WCAG 2.2 A and AA) of the page as it is now: zero violations. */
export async function expectNoViolations(page: Page) {
  // Scan the page as people see it: only once the stylesheet applies (its body has no
  // margin), since sizes and contrast depend on it.
  await page.waitForFunction(() => getComputedStyle(document.body).marginTop === "0px");
  const results = await new AxeBuilder({ page })
    .withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"])
    .analyze();
  const summary = results.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
  expect(summary).toEqual([]);
}
