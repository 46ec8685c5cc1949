// The language switch works without JavaScript and is remembered; a first visit follows
// the browser's Accept-Language, and Kyrgyz is the default for anyone else.
import { expect, test } from "@playwright/test";
import { newContext, open, t } from "./support";

test("Kyrgyz is the default and the switch is remembered", async ({ browser }, testInfo) => {
  const context = await newContext(browser, testInfo, { locale: "de-DE" });
  const page = await context.newPage();
  await open(page, "/", testInfo);
  await expect(page.locator("html")).toHaveAttribute("lang", "ky");
  await expect(page.getByRole("heading", { level: 1 })).toHaveText(t("ky", "home.title"));

  await page.getByRole("link", { name: "Русский" }).click();
  await expect(page.locator("html")).toHaveAttribute("lang", "ru");
  await expect(page.getByRole("heading", { level: 1 })).toHaveText(t("ru", "home.title"));
  await expect(page.getByRole("link", { name: "Русский" })).toHaveAttribute("aria-current", "true");

  await open(page, "/feedback", testInfo);
  await expect(page.locator("html")).toHaveAttribute("lang", "ru");
  await expect(page.getByRole("heading", { level: 1 })).toHaveText(t("ru", "feedback.title"));
  await context.close();
});

test("a first visit follows Accept-Language", async ({ browser }, testInfo) => {
  const context = await newContext(browser, testInfo, { locale: "en-US" });
  const page = await context.newPage();
  await open(page, "/feedback", testInfo);
  await expect(page.locator("html")).toHaveAttribute("lang", "en");
  await expect(page.getByRole("heading", { level: 1 })).toHaveText(t("en", "feedback.title"));
  await context.close();
});
