// The feedback form (product.md §6), the walking skeleton through every layer: in each
// language, a submission with errors keeps what was typed and explains every problem, and
// a corrected one ends on a confirmation page with a reference number.
import { expect, test } from "@playwright/test";
import { LANGUAGES, escapeRegExp, javaScriptOn, open, t } from "./support";

for (const lang of LANGUAGES) {
  test(`feedback with errors, then sent (${lang})`, async ({ page }, testInfo) => {
    await open(page, `/feedback?lang=${lang}`, testInfo);
    await expect(page.locator("html")).toHaveAttribute("lang", lang);
    await expect(page.getByRole("heading", { level: 1 })).toHaveText(t(lang, "feedback.title"));

    // A first try with three problems.
    await page.getByLabel(t(lang, "feedback.message_label")).fill("short");
    await page.getByLabel(t(lang, "feedback.reply_email_label")).fill("someone@");
    await page.getByRole("button", { name: t(lang, "feedback.submit") }).click();

    const summary = page.locator(".error-summary");
    await expect(summary).toBeVisible();
    await expect(summary).toBeFocused();
    await expect(summary.getByRole("heading")).toHaveText(t(lang, "common.there_is_a_problem"));
    await expect(page).toHaveTitle(new RegExp(`^${escapeRegExp(t(lang, "common.error_prefix"))}: `));
    const links = summary.getByRole("link");
    await expect(links).toHaveText([
      t(lang, "errors.feedback_topic_missing"),
      t(lang, "errors.feedback_message_too_short"),
      t(lang, "errors.feedback_reply_email_invalid"),
    ]);
    await expect(links.nth(1)).toHaveAttribute("href", "#message");
    await expect(page.locator("#message-error")).toContainText(t(lang, "errors.feedback_message_too_short"));
    await expect(page.locator("#reply_email-error")).toContainText(t(lang, "errors.feedback_reply_email_invalid"));
    await expect(page.locator("#topic-error")).toContainText(t(lang, "errors.feedback_topic_missing"));
    // What was typed is still there, with and without JavaScript.
    await expect(page.getByLabel(t(lang, "feedback.message_label"))).toHaveValue("short");
    await expect(page.getByLabel(t(lang, "feedback.reply_email_label"))).toHaveValue("someone@");
    await expect(page.getByLabel(t(lang, "feedback.message_label"))).toHaveAttribute("aria-invalid", "true");

    // Corrected, it is sent.
    if (javaScriptOn(testInfo)) {
      await page.evaluate(() => ((window as unknown as { stillTheSamePage: boolean }).stillTheSamePage = true));
    }
    await page.getByLabel(t(lang, "feedback.topic_question")).check();
    await page.getByLabel(t(lang, "feedback.message_label")).fill(`Салам! ${lang}: how do I renew my certificate?`);
    await page.getByLabel(t(lang, "feedback.reply_email_label")).fill("citizen@example.kg");
    await page.getByRole("button", { name: t(lang, "feedback.submit") }).click();

    await expect(page).toHaveURL(/\/feedback\/sent\/FB-\d{4}-\d{6}$/);
    await expect(page.getByRole("heading", { level: 1 })).toHaveText(t(lang, "feedback_sent.title"));
    await expect(page.getByTestId("reference")).toHaveText(/^FB-\d{4}-\d{6}$/);
    await expect(page.getByText(t(lang, "feedback_sent.next_body"))).toBeVisible();
    await expect(page).toHaveTitle(new RegExp(`^${escapeRegExp(t(lang, "feedback_sent.title"))}`));
    if (javaScriptOn(testInfo)) {
      // No full reload: the window that submitted is the one showing the receipt.
      expect(await page.evaluate(() => (window as unknown as { stillTheSamePage?: boolean }).stillTheSamePage)).toBe(true);
    }
  });
}

test("a message over 5,000 characters is refused and kept", async ({ page }, testInfo) => {
  await open(page, "/feedback?lang=en", testInfo);
  const long = "ө".repeat(5001);
  await page.getByLabel(t("en", "feedback.topic_other")).check();
  await page.getByLabel(t("en", "feedback.message_label")).fill(long);
  await page.getByRole("button", { name: t("en", "feedback.submit") }).click();
  await expect(page.locator("#message-error")).toContainText(t("en", "errors.feedback_message_too_long"));
  await expect(page.getByLabel(t("en", "feedback.message_label"))).toHaveValue(long);
  await expect(page.getByLabel(t("en", "feedback.topic_other"))).toBeChecked();
});
