// The cabinet (product.md §3) in every project (JavaScript on and off, desktop and phone),
// each project in one of the three languages: upload and download a document, read a
// message, see a sign-in in the history, report unauthorized access from a second browser
// and watch the first lose its session, and export everything as a ZIP and open it.
import { Browser, expect, Page, test, TestInfo } from "@playwright/test";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import { javaScriptOn, Language, projectLanguage, newContext, open, PASSWORD, register, signIn, t } from "./support";

const LANGUAGE_OF: Record<string, Language> = {
  "desktop-js": "ky",
  "desktop-nojs": "ru",
  "phone-js": "en",
  "phone-nojs": "en",
};

function langOf(testInfo: TestInfo): Language {
  return projectLanguage(testInfo, LANGUAGE_OF);
}

const PDF = Buffer.from("%PDF-1.7\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n");
const PHONE_AGENT =
  "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/140.0 Mobile Safari/537.36";

/** The entries of a ZIP file, read by Python's zipfile (a reader that is not ours), which
 * also tests every entry's checksum. */
function unzip(file: string): Map<string, Buffer> {
  const script =
    "import base64, json, sys, zipfile\n" +
    "with zipfile.ZipFile(sys.argv[1]) as z:\n" +
    "    assert z.testzip() is None\n" +
    "    print(json.dumps({n: base64.b64encode(z.read(n)).decode() for n in z.namelist()}))";
  const listed: Record<string, string> = JSON.parse(execFileSync("python3", ["-c", script, file]).toString("utf8"));
  return new Map(Object.entries(listed).map(([name, content]) => [name, Buffer.from(content, "base64")]));
}

async function upload(page: Page, testInfo: TestInfo, lang: Language, name: string) {
  await open(page, `/cabinet/documents?lang=${lang}`, testInfo);
  await page.getByLabel(t(lang, "documents.choose")).setInputFiles({ name, mimeType: "application/pdf", buffer: PDF });
  await page.getByRole("button", { name: t(lang, "documents.upload") }).click();
  await expect(page).toHaveURL(/\/cabinet\/documents\?uploaded=\d+$/);
  await expect(page.getByTestId("upload-done")).toHaveText(t(lang, "documents.uploaded"));
}

test("a document is uploaded, downloaded intact and deleted", async ({ page }, testInfo) => {
  const lang = langOf(testInfo);
  await register(page, testInfo, "individual");
  if (javaScriptOn(testInfo)) {
    // With JavaScript the form is sent in the background with a progress bar: hold the
    // upload at the network until the bar has been seen.
    let release = () => {};
    const held = new Promise<void>((resolve) => (release = resolve));
    await page.route("**/cabinet/documents/upload", async (route) => {
      await held;
      await route.continue();
    });
    await open(page, `/cabinet/documents?lang=${lang}`, testInfo);
    await page.getByLabel(t(lang, "documents.choose")).setInputFiles({ name: "Паспорт 2026.pdf", mimeType: "application/pdf", buffer: PDF });
    await page.getByRole("button", { name: t(lang, "documents.upload") }).click();
    await expect(page.getByTestId("upload-progress")).toBeVisible();
    await expect(page.getByRole("button", { name: t(lang, "documents.upload") })).toBeDisabled();
    release();
    await expect(page).toHaveURL(/\/cabinet\/documents\?uploaded=\d+$/);
    await expect(page.getByTestId("upload-done")).toHaveText(t(lang, "documents.uploaded"));
    await page.unroute("**/cabinet/documents/upload");
  } else {
    await upload(page, testInfo, lang, "Паспорт 2026.pdf");
  }
  const card = page.getByTestId("document");
  await expect(card).toHaveCount(1);
  await expect(card.getByTestId("document-name")).toHaveText("Паспорт 2026.pdf");

  const downloading = page.waitForEvent("download");
  await card.getByTestId("download").click();
  const download = await downloading;
  expect(download.suggestedFilename()).toBe("Паспорт 2026.pdf");
  expect(fs.readFileSync(await download.path())).toEqual(PDF);

  // A file that is not a document is refused, by its content.
  await open(page, `/cabinet/documents?lang=${lang}`, testInfo);
  await page
    .getByLabel(t(lang, "documents.choose"))
    .setInputFiles({ name: "invoice.pdf", mimeType: "application/pdf", buffer: Buffer.from("<html>not a pdf</html>") });
  await page.getByRole("button", { name: t(lang, "documents.upload") }).click();
  await expect(page.getByTestId("upload-problem")).toContainText(t(lang, "documents.problem_type"));
  await expect(page.getByTestId("document")).toHaveCount(1);

  await page.getByTestId("delete").click();
  await expect(page).toHaveURL(/\/cabinet\/documents\/\d+\/delete$/);
  await page.getByRole("button", { name: t(lang, "documents.delete_confirm") }).click();
  await expect(page).toHaveURL(/\/cabinet\/documents\?deleted=1$/);
  await expect(page.getByTestId("delete-done")).toBeVisible();
  await expect(page.getByTestId("document")).toHaveCount(0);
});

test("a sign-in from a new device is a message, and the history shows it", async ({ page, browser }, testInfo) => {
  const lang = langOf(testInfo);
  const { pin } = await register(page, testInfo, "individual");
  const phone = await newContext(browser as Browser, testInfo, { userAgent: PHONE_AGENT });
  const second = await phone.newPage();
  await open(second, "/login?lang=en", testInfo);
  await signIn(second, pin);
  await expect(second).toHaveURL(/\/cabinet$/);
  await phone.close();

  await open(page, `/cabinet?lang=${lang}`, testInfo);
  await expect(page.getByTestId("header-unread")).toHaveText("1");
  await open(page, `/cabinet/inbox?lang=${lang}`, testInfo);
  const message = page.getByTestId("message");
  await expect(message).toHaveCount(1);
  await expect(message.getByTestId("unread")).toBeVisible();
  // Opening it from the list (a form's button) marks it read.
  await message.getByTestId("message-link").click();
  await expect(page).toHaveURL(/\/cabinet\/inbox\/\d+$/);
  await expect(page.getByTestId("message-title")).toHaveText(t(lang, "inbox.new_device_title"));
  await expect(page.getByTestId("mark-read")).toHaveCount(0);
  await expect(page.getByTestId("message-body")).toContainText("Android");
  await open(page, `/cabinet/inbox?lang=${lang}`, testInfo);
  await expect(page.getByTestId("message").getByTestId("unread")).toHaveCount(0);
  await expect(page.getByTestId("header-unread")).toHaveCount(0);

  await open(page, `/cabinet/history?group=sign_ins&lang=${lang}`, testInfo);
  const signIns = page.getByTestId("event").and(page.locator("[data-kind=signed_in]"));
  await expect(signIns).toHaveCount(2);
  await expect(signIns.first()).toContainText("Chrome, Android");
  await expect(signIns.first()).toContainText("127.0.0.1");
  await expect(signIns.first().getByTestId("not-me")).toBeVisible();
});

test("a report from a second browser ends the first one's session", async ({ page, browser }, testInfo) => {
  const lang = langOf(testInfo);
  const { pin } = await register(page, testInfo, "individual");
  const elsewhere = await newContext(browser as Browser, testInfo);
  const reporter = await elsewhere.newPage();
  await open(reporter, "/login?lang=en", testInfo);
  await signIn(reporter, pin);
  await expect(reporter).toHaveURL(/\/cabinet$/);

  await open(reporter, `/cabinet/security/report?lang=${lang}`, testInfo);
  // The first browser's sign-in is listed; the reporter flags it.
  const events = reporter.getByTestId("review-event");
  await expect(events.first()).toBeVisible();
  await events.last().getByRole("checkbox").check();
  await reporter.getByLabel(t(lang, "report.description_label")).fill("I did not sign in from there");
  await reporter.getByRole("button", { name: t(lang, "report.submit") }).click();
  // The reporting browser is given the incident's number, and nothing that resets the
  // password: it may be the intruder's.
  await expect(reporter).toHaveURL(/\/password\/renew\?reference=INC-\d{4}-\d+$/);
  await expect(reporter.getByTestId("report-reference")).toContainText(/INC-\d{4}-\d+/);

  // The first browser has lost its session.
  await open(page, `/cabinet?lang=${lang}`, testInfo);
  await expect(page).toHaveURL(/\/login\?next=\/cabinet$/);
  // The old password no longer signs in; proving it is the owner's sets a new one.
  await open(page, "/login?lang=en", testInfo);
  await signIn(page, pin);
  await expect(page.locator(".error-summary")).toContainText(t("en", "errors.password_renewal_required"));
  // The sign-in page leads its owner to the renewal.
  await page.getByRole("link", { name: t("en", "login.renew_link"), exact: true }).click();
  await expect(page).toHaveURL(/\/password\/renew$/);
  await expect(page.getByRole("heading", { name: t("en", "report.renew_title") })).toBeVisible();
  const newPassword = "Чүй өрөөнү 2027 жыл";
  await reporter.getByLabel(t(lang, "login.identifier_label")).fill(pin);
  await reporter.getByLabel(t(lang, "report.old_password_label")).fill("a guess");
  await reporter.getByLabel(t(lang, "security.new_password_label")).fill(newPassword);
  await reporter.getByRole("button", { name: t(lang, "report.renew_submit") }).click();
  await expect(reporter.locator(".error-summary")).toContainText(t(lang, "errors.sign_in_invalid"));
  await reporter.getByLabel(t(lang, "login.identifier_label")).fill(pin);
  await reporter.getByLabel(t(lang, "report.old_password_label")).fill(PASSWORD);
  await reporter.getByLabel(t(lang, "security.new_password_label")).fill(newPassword);
  await reporter.getByRole("button", { name: t(lang, "report.renew_submit") }).click();
  await expect(reporter).toHaveURL(/\/login\?renewed=1$/);
  await expect(reporter.getByTestId("login-notice")).toHaveText(t(lang, "login.renewed"));
  await open(reporter, "/login?lang=en", testInfo);
  await signIn(reporter, pin, newPassword);
  await expect(reporter).toHaveURL(/\/cabinet$/);
  await open(reporter, `/cabinet/history?group=security&lang=${lang}`, testInfo);
  await expect(reporter.locator("[data-kind=unauthorized_access_reported]")).toHaveCount(1);
  await elsewhere.close();
});

test("everything is exported as one ZIP that opens", async ({ page }, testInfo) => {
  const lang = langOf(testInfo);
  const { pin } = await register(page, testInfo, "individual");
  await upload(page, testInfo, lang, "diploma.pdf");
  await open(page, `/cabinet/export?lang=${lang}`, testInfo);
  const downloading = page.waitForEvent("download");
  await page.getByTestId("export-download").click();
  const download = await downloading;
  expect(download.suggestedFilename()).toMatch(/^portal-data-\d{4}-\d{2}-\d{2}\.zip$/);
  const entries = unzip(await download.path());
  const data = JSON.parse(entries.get("data.json")!.toString("utf8"));
  expect(data.profile.person_pin).toBe(pin);
  expect(data.consents).toHaveLength(2);
  const documentName = [...entries.keys()].find((name) => name.endsWith("-diploma.pdf"))!;
  expect(entries.get(documentName)).toEqual(PDF);
  await open(page, `/cabinet/history?group=documents&lang=${lang}`, testInfo);
  await expect(page.locator("[data-kind=data_exported]")).toHaveCount(1);
});

test("the profile shows masked identifiers and contacts change with the password", async ({ page }, testInfo) => {
  const lang = langOf(testInfo);
  const { pin, email } = await register(page, testInfo, "individual");
  await open(page, `/cabinet/profile?lang=${lang}`, testInfo);
  await expect(page.getByTestId("profile-pin")).toHaveText(`${pin.slice(0, 2)}${"•".repeat(10)}${pin.slice(12)}`);
  // The full PIN appears nowhere (but in the test's email address, which is made of it).
  const shown = (await page.getByTestId("profile").innerText()).replace(email, "");
  expect(shown).not.toContain(pin);
  await page.getByLabel(t(lang, "profile.phone")).fill("+996 555 12 34 56");
  await page.getByLabel(t(lang, "security.current_password_label")).fill("not the password");
  await page.getByRole("button", { name: t(lang, "profile.save") }).click();
  await expect(page.locator("#current_password-error")).toContainText(t(lang, "errors.current_password_wrong"));
  await expect(page.getByLabel(t(lang, "profile.phone"))).toHaveValue("+996 555 12 34 56");
  await page.getByLabel(t(lang, "security.current_password_label")).fill(PASSWORD);
  await page.getByRole("button", { name: t(lang, "profile.save") }).click();
  await expect(page.getByTestId("contacts-changed")).toBeVisible();
  await expect(page.getByTestId("profile-phone")).toHaveText("+996555123456");
});

test("a service stopped for the account refuses it until turned back on", async ({ page }, testInfo) => {
  const lang = langOf(testInfo);
  await register(page, testInfo, "individual");
  await open(page, `/services/residence-certificate?lang=${lang}`, testInfo);
  // Opening the page uses nothing; the button does.
  await expect(page.getByTestId("service-used")).toHaveCount(0);
  await page.getByRole("button", { name: t(lang, "services.use_button") }).click();
  await expect(page.getByTestId("service-used")).toBeVisible();
  await open(page, `/cabinet/services?lang=${lang}`, testInfo);
  const service = page.locator("[data-code=residence-certificate]");
  await service.getByRole("button", { name: t(lang, "services.stop") }).click();
  await expect(page.getByTestId("service-done")).toBeVisible();
  await expect(page.locator("[data-code=residence-certificate]").getByTestId("stopped-since")).toBeVisible();
  await open(page, `/services/residence-certificate?lang=${lang}`, testInfo);
  await expect(page.getByTestId("service-refused")).toHaveText(t(lang, "errors.service_stopped"));
  await open(page, `/cabinet/services?lang=${lang}`, testInfo);
  await page
    .locator("[data-code=residence-certificate]")
    .getByRole("button", { name: t(lang, "services.resume") })
    .click();
  await expect(page.getByTestId("service-done")).toBeVisible();
  await open(page, `/services/residence-certificate?lang=${lang}`, testInfo);
  await page.getByRole("button", { name: t(lang, "services.use_button") }).click();
  await expect(page.getByTestId("service-used")).toBeVisible();
});
