// The idle timeout (product.md §3, Security) against a second portal whose sessions end
// after 24 seconds without activity and warn 12 seconds before (see playwright.config.ts).
// With JavaScript the page warns, counts down and offers to stay; without it, the next
// request after the timeout explains why the session ended. Both return to the page after
// signing in again.
import { expect, test } from "@playwright/test";
import { expectNoViolations, javaScriptOn, open, register, signIn, t } from "./support";
import { IDLE_PORTAL } from "../portals";

test.use({ baseURL: IDLE_PORTAL.url });

test("an idle session warns, can be kept, and ends", async ({ page }, testInfo) => {
  test.setTimeout(120_000);
  const { pin } = await register(page, testInfo, "individual");
  await open(page, "/cabinet/security?lang=en", testInfo);

  if (javaScriptOn(testInfo)) {
    const warning = page.getByTestId("idle-warning");
    const dialog = page.getByRole("alertdialog", { name: t("en", "idle.title") });
    const stay = page.getByRole("button", { name: t("en", "idle.stay") });
    await expect(warning).toBeHidden();
    await expect(dialog).toBeVisible({ timeout: 20_000 });
    await expect(stay).toBeFocused();
    await expect(page.getByTestId("idle-clock")).toHaveText(/^0:(0\d|1[0-2])$/);
    await expectNoViolations(page);

    await stay.click();
    await expect(warning).toBeHidden();
    await expect(page).toHaveURL(/\/cabinet\/security\?lang=en$/);

    // Left alone again, the warning comes back and the session ends.
    await expect(dialog).toBeVisible({ timeout: 20_000 });
    await expect(page).toHaveURL(/\/login\?next=\/cabinet\/security$/, { timeout: 20_000 });
  } else {
    await page.waitForTimeout(26_000);
    await page.reload();
    await expect(page).toHaveURL(/\/login\?next=\/cabinet\/security$/);
  }
  await expect(page.getByTestId("login-notice")).toHaveText(t("en", "login.idle"));
  await signIn(page, pin);
  await expect(page).toHaveURL(/\/cabinet\/security$/);
});
