// Identity (product.md §1 and §3, Security): register an individual and an organization,
// leave with Exit, sign in again, see the sessions, and end one from another browser.
import { Browser, expect, Page, test, TestInfo } from "@playwright/test";
import { javaScriptOn, newContext, open, t } from "./support";

const PASSWORD = "Тоо-Ата жайлоосу 2026";

/** A valid PIN nobody else in this run uses: 2, a birth date, a random code. */
function uniquePin(): string {
  const day = String(1 + Math.floor(Math.random() * 28)).padStart(2, "0");
  const month = String(1 + Math.floor(Math.random() * 12)).padStart(2, "0");
  const year = String(1960 + Math.floor(Math.random() * 40));
  const code = String(Math.floor(Math.random() * 100000)).padStart(5, "0");
  return `2${day}${month}${year}${code}`;
}

function uniqueInn(): string {
  return `0${String(Math.floor(Math.random() * 1e13)).padStart(13, "0")}`;
}

async function register(page: Page, testInfo: TestInfo, kind: "individual" | "organization") {
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
  await expect(page).toHaveURL(/\/cabinet$/);
  await expect(page.getByTestId("account-name")).toHaveText("Asanova Aigul");
  return { pin, email };
}

async function signIn(page: Page, testInfo: TestInfo, identifier: string) {
  await page.getByLabel(t("en", "login.identifier_label")).fill(identifier);
  await page.getByLabel(t("en", "login.password_label")).fill(PASSWORD);
  await page.getByRole("button", { name: t("en", "login.submit") }).click();
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

  const other = await newContext(browser as Browser, testInfo);
  const second = await other.newPage();
  await open(second, "/login?lang=en", testInfo);
  await signIn(second, testInfo, email);
  await expect(second).toHaveURL(/\/cabinet$/);

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
