// Two-step verification (product.md §1): ask for a key, turn it on with the QR code's key
// and the password, keep the recovery codes, sign in with a code and with a recovery code,
// turn it off with the password and a code.
import { expect, Page, test } from "@playwright/test";
import { open, PASSWORD, register, signIn, t } from "./support";
import { totp } from "./totp";

async function exit(page: Page) {
  await page.getByRole("button", { name: t("en", "cabinet.exit") }).click();
  await expect(page).toHaveURL(/\/login\?exited=1$/);
}

test("two-step verification is turned on, asked at sign-in, and turned off", async ({ page }, testInfo) => {
  const { pin } = await register(page, testInfo, "individual");
  await open(page, "/cabinet/security?lang=en", testInfo);
  await expect(page.getByTestId("two-factor-status")).toHaveText(t("en", "two_factor.status_off"));
  await page.getByRole("link", { name: t("en", "two_factor.set_up") }).click();
  // Looking at the page draws no key; asking for one does.
  await expect(page.getByRole("img", { name: t("en", "two_factor.qr_alt") })).toHaveCount(0);
  await page.getByRole("button", { name: t("en", "two_factor.set_up") }).click();

  await expect(page.getByRole("img", { name: t("en", "two_factor.qr_alt") })).toBeVisible();
  await expect(page.getByTestId("key-expires")).toBeVisible();
  const secret = (await page.getByTestId("totp-secret").getAttribute("data-secret")) ?? "";
  expect(secret).toMatch(/^[A-Z2-7]{32}$/);
  await expect(page.getByTestId("totp-secret")).toHaveText(secret.match(/.{4}/g)!.join(" "));

  // The right code alone (a session that was shown the key) is not enough: the password too.
  await page.getByLabel(t("en", "two_factor.code_label")).fill(totp(secret));
  await page.getByRole("button", { name: t("en", "two_factor.confirm") }).click();
  await expect(page.locator(".error-summary")).toContainText(t("en", "errors.password_missing"));
  await page.getByLabel(t("en", "two_factor.password_label")).fill(PASSWORD);
  await page.getByLabel(t("en", "two_factor.code_label")).fill("12345");
  await page.getByRole("button", { name: t("en", "two_factor.confirm") }).click();
  await expect(page.locator(".error-summary")).toContainText(t("en", "errors.code_wrong"));
  await page.getByLabel(t("en", "two_factor.password_label")).fill(PASSWORD);
  await page.getByLabel(t("en", "two_factor.code_label")).fill(totp(secret));
  await page.getByRole("button", { name: t("en", "two_factor.confirm") }).click();
  const codes = page.getByTestId("recovery-codes").locator("li");
  await expect(codes).toHaveCount(10);
  const recovery = ((await codes.first().textContent()) ?? "").trim();
  const spare = ((await codes.nth(1).textContent()) ?? "").trim();
  expect(recovery).toMatch(/^[A-Z2-9]{5}-[A-Z2-9]{5}$/);

  // Shown once: the page does not show them again.
  await open(page, "/cabinet/security/two-factor?lang=en", testInfo);
  await expect(page.getByTestId("recovery-codes")).toHaveCount(0);
  await expect(page.getByTestId("codes-left")).toHaveText("10");

  // The password alone is no longer enough.
  await exit(page);
  await open(page, "/cabinet/security?lang=en", testInfo);
  await signIn(page, pin);
  await expect(page).toHaveURL(/\/login\/code\?next=\/cabinet\/security$/);
  await expect(page.getByRole("heading", { name: t("en", "login.code_title") })).toBeVisible();
  const code = page.getByLabel(t("en", "login.code_label"));
  await code.fill("000000x");
  await page.getByRole("button", { name: t("en", "login.code_submit") }).click();
  await expect(page.locator(".error-summary")).toContainText(t("en", "errors.code_wrong"));
  // The enrolment spent the current code; the app's next one is accepted.
  await code.fill(totp(secret, Date.now() + 30_000));
  await page.getByRole("button", { name: t("en", "login.code_submit") }).click();
  await expect(page).toHaveURL(/\/cabinet\/security$/);
  await expect(page.getByTestId("two-factor-status")).toHaveText(t("en", "two_factor.status_on"));

  // A recovery code works instead, once.
  await exit(page);
  await signIn(page, pin);
  await expect(page).toHaveURL(/\/login\/code/);
  await page.getByLabel(t("en", "login.code_label")).fill(recovery.toLowerCase());
  await page.getByRole("button", { name: t("en", "login.code_submit") }).click();
  await expect(page).toHaveURL(/\/cabinet$/);
  await open(page, "/cabinet/security/two-factor?lang=en", testInfo);
  await expect(page.getByTestId("codes-left")).toHaveText("9");

  // Turning it off needs the password and a code.
  const password = page.getByLabel(t("en", "two_factor.password_label"));
  await password.fill("not my password");
  await page.getByLabel(t("en", "two_factor.turn_off_code_label")).fill(totp(secret, Date.now() + 60_000));
  await page.getByRole("button", { name: t("en", "two_factor.turn_off") }).click();
  await expect(page.locator(".error-summary")).toContainText(t("en", "errors.current_password_wrong"));
  await page.getByLabel(t("en", "two_factor.password_label")).fill(PASSWORD);
  // (With JavaScript the form keeps what was typed: the code is emptied by hand.)
  await page.getByLabel(t("en", "two_factor.turn_off_code_label")).fill("");
  await page.getByRole("button", { name: t("en", "two_factor.turn_off") }).click();
  await expect(page.locator(".error-summary")).toContainText(t("en", "errors.code_missing"));
  await page.getByLabel(t("en", "two_factor.password_label")).fill(PASSWORD);
  // A recovery code does as well as the app's code.
  await page.getByLabel(t("en", "two_factor.turn_off_code_label")).fill(spare);
  await page.getByRole("button", { name: t("en", "two_factor.turn_off") }).click();
  await expect(page).toHaveURL(/\/cabinet\/security\?two_factor_off=1$/);
  await expect(page.getByTestId("two-factor-off")).toHaveText(t("en", "two_factor.turned_off"));
  await exit(page);
  await signIn(page, pin);
  await expect(page).toHaveURL(/\/cabinet$/);
});
