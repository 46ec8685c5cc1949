// Account deletion (product.md §4) in every project (JavaScript on and off, desktop and
// phone), each in one of the three languages: the explanation, a wrong password kept as a
// field error, the confirmation sent from the keyboard, the receipt shown signed out and
// downloaded, signing in again refused as any wrong sign-in, and the same PIN registering
// again as a new, empty account.
import { expect, Page, test, TestInfo } from "@playwright/test";
import * as fs from "node:fs";
import { expectNoViolations, javaScriptOn, Language, projectLanguage, newContext, open, PASSWORD, register, signIn, t } from "./support";

const LANGUAGE_OF: Record<string, Language> = {
  "desktop-js": "ru",
  "desktop-nojs": "ky",
  "phone-js": "en",
  "phone-nojs": "ru",
};

function langOf(testInfo: TestInfo): Language {
  return projectLanguage(testInfo, LANGUAGE_OF);
}

const PDF = Buffer.from("%PDF-1.7\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n");

/** Registers `pin` again through the form, with both boxes ticked. */
async function registerAgain(page: Page, testInfo: TestInfo, pin: string) {
  await open(page, "/register?kind=individual&lang=en", testInfo);
  await page.getByLabel(t("en", "register.pin_label")).fill(pin);
  await page.getByLabel(t("en", "register.full_name_label")).fill("Asanova Aigul");
  await page.getByLabel(t("en", "register.email_label")).fill(`again-${pin}@example.kg`);
  await page.getByLabel(t("en", "register.password_label")).fill(PASSWORD);
  await page.getByLabel(/I accept the User Agreement/).check();
  await page.getByLabel(t("en", "register.consent_personal_data")).check();
  await page.getByRole("button", { name: t("en", "register.submit") }).click();
  await expect(page).toHaveURL(/\/register\/done$/);
  await open(page, "/login?lang=en", testInfo);
  await signIn(page, pin);
  await expect(page).toHaveURL(/\/cabinet$/);
}

test("an account is deleted with a receipt, and its PIN registers again", async ({ browser }, testInfo) => {
  const lang = langOf(testInfo);
  // axe runs as a script in the page: without JavaScript the app's own scripts are blocked
  // instead, so the browser shows the server's markup and posts forms natively.
  const context = await newContext(browser, testInfo, { javaScriptEnabled: true });
  if (!javaScriptOn(testInfo)) {
    await context.route(/\/pkg\/.*\.(js|wasm)$/, (route) => route.abort());
  }
  const page = await context.newPage();
  const { pin } = await register(page, testInfo, "individual");
  await open(page, `/cabinet/documents?lang=${lang}`, testInfo);
  await page.getByLabel(t(lang, "documents.choose")).setInputFiles({ name: "passport.pdf", mimeType: "application/pdf", buffer: PDF });
  await page.getByRole("button", { name: t(lang, "documents.upload") }).click();
  await expect(page.getByTestId("upload-done")).toBeVisible();

  // The explanation: what goes, what stays, and the ways out.
  await open(page, `/cabinet?lang=${lang}`, testInfo);
  await page.getByTestId("dashboard-delete").click();
  await expect(page).toHaveURL(/\/cabinet\/delete$/);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText(t(lang, "deletion.title"));
  await expect(page.getByTestId("deletion-erased")).toContainText(t(lang, "deletion.erased_documents").replace("{n}", "1"));
  await expect(page.getByTestId("deletion-retention")).toContainText(t(lang, "deletion.kept_until").replace("{years}", "5"));
  await expect(page.getByTestId("deletion-export")).toHaveAttribute("href", "/cabinet/export");
  await expect(page.getByTestId("deletion-services")).toHaveAttribute("href", "/cabinet/services");
  await expect(page.locator(".button--warning")).toHaveCount(0);
  await expectNoViolations(page);
  await page.getByTestId("deletion-continue").click();
  await expect(page).toHaveURL(/\/cabinet\/delete\/confirm$/);

  // A wrong password is a field error on the same form; nothing is deleted.
  const password = page.getByLabel(t(lang, "deletion.password_label"));
  const confirm = page.getByLabel(t(lang, "deletion.confirm_label"));
  await password.fill("not my password");
  await confirm.check();
  await password.press("Enter");
  await expect(page.locator("#password-error")).toContainText(t(lang, "errors.current_password_wrong"));
  await expect(page).toHaveURL(/\/cabinet\/delete\/confirm/);
  await expect(page.locator(".button--warning")).toHaveCount(1);
  await expectNoViolations(page);

  // The right password, the box ticked with the space bar, the red button pressed with Enter.
  await password.fill(PASSWORD);
  if (!(await confirm.isChecked())) {
    await confirm.focus();
    await page.keyboard.press("Space");
  }
  await expect(confirm).toBeChecked();
  await page.getByRole("button", { name: t(lang, "deletion.submit") }).focus();
  await page.keyboard.press("Enter");

  // The receipt, signed out.
  await expect(page).toHaveURL(/\/account\/deleted$/);
  const reference = page.getByTestId("receipt-reference");
  await expect(reference).toHaveText(/^DEL-\d{4}-[0-9A-F]{10}$/);
  await expect(page.getByTestId("receipt-erased")).toContainText(
    t(lang, "deletion.r_documents").replace("{n}", "1").replace("{kib}", "1"),
  );
  await expect(page.getByTestId("receipt-kept")).toContainText(t(lang, "deletion.k_acceptances").replace("{n}", "2"));
  await expectNoViolations(page);
  const downloading = page.waitForEvent("download");
  await page.getByTestId("receipt-download").click();
  const download = await downloading;
  const text = fs.readFileSync(await download.path(), "utf8");
  expect(text).toContain(await reference.innerText());
  expect(download.suggestedFilename()).toBe(`${await reference.innerText()}.txt`);

  // The cabinet is gone: the old session does not open it, the old password does not sign in.
  await open(page, "/cabinet", testInfo);
  await expect(page).toHaveURL(/\/login\?next=\/cabinet$/);
  await open(page, "/login?lang=en", testInfo);
  await signIn(page, pin);
  await expect(page.locator(".error-summary")).toContainText(t("en", "errors.sign_in_invalid"));

  // The PIN is free again: a new account with nothing of the old one.
  await registerAgain(page, testInfo, pin);
  await open(page, `/cabinet/documents?lang=${lang}`, testInfo);
  await expect(page.getByTestId("document")).toHaveCount(0);
  await context.close();
});

test("without the final tick nothing is deleted", async ({ page }, testInfo) => {
  const lang = langOf(testInfo);
  await register(page, testInfo, "individual");
  await open(page, `/cabinet/delete/confirm?lang=${lang}`, testInfo);
  await page.getByLabel(t(lang, "deletion.password_label")).fill(PASSWORD);
  await page.getByRole("button", { name: t(lang, "deletion.submit") }).click();
  await expect(page.locator("#confirm-error")).toContainText(t(lang, "errors.deletion_not_confirmed"));
  await page.getByTestId("deletion-cancel").click();
  await expect(page).toHaveURL(/\/cabinet$/);
  await expect(page.getByTestId("account-name")).toHaveText("Asanova Aigul");
});
