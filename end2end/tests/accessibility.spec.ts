// An axe-core scan (WCAG 2.2 A and AA rules) of every page, in every language, in every
// project: zero violations. axe runs as a script in the page, so the no-JavaScript projects
// scan a page whose app scripts are blocked instead: the browser then shows exactly the
// server-rendered markup and posts forms natively, as it does with JavaScript off.
import { expect, test } from "@playwright/test";
import { expectNoViolations, LANGUAGES, javaScriptOn, newContext, open, register, t } from "./support";

for (const lang of LANGUAGES) {
  test(`every page passes axe (${lang})`, async ({ browser }, testInfo) => {
    // Thirteen scans of about two seconds each on a busy two-core machine.
    test.setTimeout(120_000);
    const context = await newContext(browser, testInfo, { javaScriptEnabled: true });
    if (!javaScriptOn(testInfo)) {
      await context.route(/\/pkg\/.*\.(js|wasm)$/, (route) => route.abort());
    }
    const page = await context.newPage();
    for (const url of ["/", "/feedback", "/dev/components", "/no-such-page", "/register", "/register?kind=organization", "/login", "/agreement", "/agreement/versions", "/agreement/versions/1", "/agreement/diff?from=1&to=1"]) {
      await open(page, `${url}${url.includes("?") ? "&" : "?"}lang=${lang}`, testInfo);
      await expectNoViolations(page);
    }

    // The form with errors, and the confirmation page.
    await open(page, `/feedback?lang=${lang}`, testInfo);
    await page.getByRole("button", { name: t(lang, "feedback.submit") }).click();
    await expect(page.locator(".error-summary")).toBeVisible();
    await expectNoViolations(page);

    await page.getByLabel(t(lang, "feedback.topic_suggestion")).check();
    await page.getByLabel(t(lang, "feedback.message_label")).fill("An accessible portal, please.");
    await page.getByRole("button", { name: t(lang, "feedback.submit") }).click();
    await expect(page.getByTestId("reference")).toBeVisible();
    await expectNoViolations(page);
    await context.close();
  });
}

test("signed-in pages pass axe in every language", async ({ browser }, testInfo) => {
  // Twelve scans and a registration.
  test.setTimeout(120_000);
  const context = await newContext(browser, testInfo, { javaScriptEnabled: true });
  if (!javaScriptOn(testInfo)) {
    await context.route(/\/pkg\/.*\.(js|wasm)$/, (route) => route.abort());
  }
  const page = await context.newPage();
  await register(page, testInfo, "individual");
  for (const lang of LANGUAGES) {
    for (const url of ["/cabinet", "/cabinet/security", "/cabinet/security/two-factor", "/cabinet/consents"]) {
      await open(page, `${url}?lang=${lang}`, testInfo);
      await expect(page.locator("html")).toHaveAttribute("lang", lang);
      await expectNoViolations(page);
    }
  }
  await context.close();
});

test("the cabinet's sections pass axe in every language", async ({ browser }, testInfo) => {
  // Twenty-one scans and a registration.
  test.setTimeout(180_000);
  const context = await newContext(browser, testInfo, { javaScriptEnabled: true });
  if (!javaScriptOn(testInfo)) {
    await context.route(/\/pkg\/.*\.(js|wasm)$/, (route) => route.abort());
  }
  const page = await context.newPage();
  await register(page, testInfo, "individual");
  const pages = [
    "/cabinet/documents",
    "/cabinet/inbox",
    "/cabinet/history",
    "/cabinet/profile",
    "/cabinet/services",
    "/cabinet/export",
    "/cabinet/security/report",
  ];
  for (const lang of LANGUAGES) {
    for (const url of pages) {
      await open(page, `${url}?lang=${lang}`, testInfo);
      await expect(page.locator("html")).toHaveAttribute("lang", lang);
      await expectNoViolations(page);
    }
  }
  await context.close();
});
