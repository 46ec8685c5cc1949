// Identity (product.md §1 and §3, Security): register an individual and an organization,
// leave with Exit, sign in again, see the sessions, and end one from another browser.
import { Browser, expect, Page, test, TestInfo } from "@playwright/test";
import { newContext, open, PASSWORD, register, t } from "./support";

async function signIn(page: Page, testInfo: TestInfo, identifier: string) {
  await page.getByLabel(t("en", "login.identifier_label")).fill(identifier);
  await page.getByLabel(t("en", "login.password_label")).fill(PASSWORD);
  await page.getByRole("button", { name: t("en", "login.submit") }).click();
}

/** Signs the same account in from a second browser (its own cookies). */
async function signInElsewhere(browser: Browser, testInfo: TestInfo, email: string) {
  const other = await newContext(browser, testInfo);
  const second = await other.newPage();
  await open(second, "/login?lang=en", testInfo);
  await signIn(second, testInfo, email);
  await expect(second).toHaveURL(/\/cabinet$/);
  return { other, second };
}

test("an individual registers, leaves with Exit and signs in again", async ({ page }, testInfo) => {
  const { pin } = await register(page, testInfo, "individual");
  await expect(page.getByTestId("account-kind")).toHaveText(t("en", "cabinet.kind_individual"));

  await page.getByRole("button", { name: t("en", "cabinet.exit") }).click();
  await expect(page).toHaveURL(/\/login\?exited=1$/);
  await expect(page.getByTestId("login-notice")).toHaveText(t("en", "login.exited"));

  // The cabinet is closed now, and signing in returns to the page asked for.
  await open(page, "/cabinet/security?lang=en", testInfo);
  await expect(page).toHaveURL(/\/login\?next=\/cabinet\/security$/);
  await signIn(page, testInfo, "wrong-identifier");
  await expect(page.locator(".error-summary")).toContainText(t("en", "errors.sign_in_invalid"));
  await signIn(page, testInfo, pin);
  await expect(page).toHaveURL(/\/cabinet\/security$/);
  // Exit ended the first session: only this one is left.
  await expect(page.getByTestId("session")).toHaveCount(1);
  await expect(page.getByTestId("session")).toContainText(t("en", "security.this_device"));
});

test("an organization registers through its representative", async ({ page }, testInfo) => {
  await register(page, testInfo, "organization");
  await expect(page.getByTestId("account-kind")).toContainText(t("en", "cabinet.kind_organization"));
});

test("a session is ended from another browser", async ({ page, browser }, testInfo) => {
  const { email } = await register(page, testInfo, "individual");

  const { other, second } = await signInElsewhere(browser as Browser, testInfo, email);

  await open(page, "/cabinet/security?lang=en", testInfo);
  const sessions = page.getByTestId("session");
  await expect(sessions).toHaveCount(2);
  await expect(sessions.filter({ hasText: t("en", "security.this_device") })).toHaveCount(1);
  await sessions
    .filter({ hasNotText: t("en", "security.this_device") })
    .getByRole("button", { name: t("en", "security.sign_out_session") })
    .click();
  await expect(page.getByTestId("session")).toHaveCount(1);

  // The other browser is signed out, and told why.
  await open(second, "/cabinet?lang=en", testInfo);
  await expect(second).toHaveURL(/\/login\?next=\/cabinet$/);
  await expect(second.getByTestId("login-notice")).toHaveText(t("en", "login.revoked"));
  await other.close();
});

test("the password is changed with the current one and other sessions end", async ({ page, browser }, testInfo) => {
  const { email } = await register(page, testInfo, "individual");
  const { other, second } = await signInElsewhere(browser as Browser, testInfo, email);

  await open(page, "/cabinet/security?lang=en", testInfo);
  const newPassword = "Нарын дарыясы 1987";
  await page.getByLabel(t("en", "security.current_password_label")).fill("not my password");
  await page.getByLabel(t("en", "security.new_password_label")).fill(newPassword);
  await page.getByRole("button", { name: t("en", "security.change_password_submit") }).click();
  await expect(page.locator("#current_password-error")).toContainText(t("en", "errors.current_password_wrong"));
  await expect(page).toHaveTitle(/^Error: /);

  await page.getByLabel(t("en", "security.current_password_label")).fill(PASSWORD);
  await page.getByLabel(t("en", "security.new_password_label")).fill(newPassword);
  await page.getByRole("button", { name: t("en", "security.change_password_submit") }).click();
  await expect(page.getByTestId("password-changed")).toHaveText(t("en", "security.password_changed"));
  await expect(page.getByTestId("session")).toHaveCount(1);

  await open(second, "/cabinet?lang=en", testInfo);
  await expect(second).toHaveURL(/\/login\?next=\/cabinet$/);
  await other.close();
});
