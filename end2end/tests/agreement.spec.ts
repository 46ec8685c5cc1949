// The user agreement (product.md §2): two users register accepting version 1; the operator
// publishes version 2 with `server agreement publish`; from then on the first user, signing
// in, sees the summary and the changes, cannot reach the cabinet, accepts, and finds both
// acceptances on the consents page; the second declines and is signed out with an
// explanation, and meets the question again on signing in. Each project has its own portal
// (publishing holds every user of a portal) and its own language.
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { BrowserContext, expect, Page, test, TestInfo } from "@playwright/test";
import { AGREEMENT_PORTALS, SERVER } from "../portals";
import { expectNoViolations, javaScriptOn, Language, newContext, open, PASSWORD, register, t } from "./support";

const LANGUAGE_OF: Record<string, Language> = {
  "desktop-js": "ky",
  "desktop-nojs": "ru",
  "phone-js": "en",
  "phone-nojs": "ky",
};

/** Writes version 2 (version 1 with clause 4.2 changed and clause 7.2 added) and publishes
 * it, in force today, as an operator would. */
function publishVersion2(dataDir: string): string {
  const dir = fs.mkdtempSync(path.join(dataDir, "v2-"));
  const texts: string[] = [];
  for (const lang of ["ky", "ru", "en"]) {
    const v1 = fs.readFileSync(path.resolve(__dirname, `../../domain/agreement/demo/${lang}.md`), "utf8");
    const v2 = v1.replace("4.2. ", "4.2. [v2] ") + "7.2. [v2] A clause added in version 2.\n";
    const file = path.join(dir, `${lang}.md`);
    fs.writeFileSync(file, v2);
    texts.push("--text", `${lang}=${file}`);
  }
  const summary = path.join(dir, "summary.txt");
  fs.writeFileSync(summary, "[ky]\nv2 summary (ky)\n[ru]\nv2 summary (ru)\n[en]\nv2 summary (en)\n");
  const today = new Date(Date.now() + 6 * 3600 * 1000).toISOString().slice(0, 10);
  return execFileSync(SERVER, [
    "agreement", "publish", "--data-dir", dataDir, "--version", "2", "--effective", today,
    "--summary-file", summary, ...texts,
  ]).toString();
}

async function signInIn(page: Page, testInfo: TestInfo, lang: Language, pin: string) {
  await open(page, `/login?lang=${lang}`, testInfo);
  await page.getByLabel(t(lang, "login.identifier_label")).fill(pin);
  await page.getByLabel(t(lang, "login.password_label")).fill(PASSWORD);
  await page.getByRole("button", { name: t(lang, "login.submit") }).click();
}

async function exit(page: Page, lang: Language) {
  await page.getByRole("button", { name: t(lang, "cabinet.exit") }).click();
  await expect(page).toHaveURL(/\/login\?exited=1$/);
}

function wording(lang: Language, version: number): string {
  return `${t(lang, "register.accept_agreement")} (${t(lang, "register.version")} ${version})`;
}

test("a new version holds users until they accept it, or decline", async ({ browser }, testInfo) => {
  test.setTimeout(180_000);
  const portal = AGREEMENT_PORTALS.find((p) => p.project === testInfo.project.name)!;
  const lang = LANGUAGE_OF[testInfo.project.name];
  const contexts: BrowserContext[] = [];
  const user = async () => {
    const context = await newContext(browser, testInfo, { baseURL: portal.url });
    contexts.push(context);
    return context.newPage();
  };
  const accepting = await user();
  const declining = await user();
  const { pin: acceptingPin } = await register(accepting, testInfo, "individual");
  const { pin: decliningPin } = await register(declining, testInfo, "individual");
  await exit(accepting, "en");
  await exit(declining, "en");

  expect(publishVersion2(portal.dataDir)).toContain("published version 2");

  // The user signs in and lands on the question, in their language.
  await signInIn(accepting, testInfo, lang, acceptingPin);
  await expect(accepting).toHaveURL(/\/cabinet\/agreement-update\?next=\/cabinet$/);
  await expect(accepting.getByRole("heading", { level: 1 })).toHaveText(t(lang, "agreement_update.title"));
  await expect(accepting.getByTestId("update-summary")).toHaveText(`v2 summary (${lang})`);
  await expect(accepting.getByTestId("diff-clause-4.2").locator("ins")).toContainText("[v2]");
  await expect(accepting.getByTestId("diff-clause-7.2")).toContainText("A clause added in version 2.");
  await expect(accepting.getByTestId("diff-clause-1.1")).toHaveCount(0);
  await accepting.getByTestId("update-full-text").locator("summary").click();
  await expect(accepting.getByTestId("agreement-version")).toHaveText("2");
  const box = accepting.getByLabel(wording(lang, 2));
  await expect(box).not.toBeChecked();
  if (javaScriptOn(testInfo)) await expectNoViolations(accepting);

  // Nothing else opens until they answer.
  for (const blocked of ["/cabinet", "/cabinet/security", "/cabinet/consents"]) {
    await open(accepting, blocked, testInfo);
    await expect(accepting).toHaveURL(/\/cabinet\/agreement-update\?next=/);
  }
  await open(accepting, "/agreement/versions", testInfo);
  await expect(accepting.getByTestId("version-2")).toContainText(`v2 summary (${lang})`);
  await open(accepting, "/cabinet", testInfo);

  // The box must be ticked; then the cabinet opens.
  await accepting.getByRole("button", { name: t(lang, "agreement_update.accept") }).click();
  await expect(accepting.locator("#accepts-error")).toContainText(t(lang, "errors.agreement_not_accepted"));
  await accepting.getByLabel(wording(lang, 2)).check();
  await accepting.getByRole("button", { name: t(lang, "agreement_update.accept") }).click();
  await expect(accepting).toHaveURL(/\/cabinet$/);
  await expect(accepting.getByTestId("account-name")).toHaveText("Asanova Aigul");
  await expect(accepting.getByTestId("announcement")).toContainText("2");

  // Both acceptances are on record, with the texts they were given for.
  await open(accepting, "/cabinet/consents", testInfo);
  const records = accepting.getByTestId("consent-record");
  await expect(records).toHaveCount(3);
  await expect(records.nth(0)).toHaveAttribute("data-kind", "agreement_accepted");
  await expect(records.nth(0)).toContainText(wording(lang, 2));
  await expect(records.nth(2)).toHaveAttribute("data-kind", "agreement_accepted");
  await expect(records.nth(2)).toContainText(wording("en", 1));
  await records.nth(0).getByRole("link", { name: t(lang, "consents.read_text") }).click();
  await expect(accepting).toHaveURL(new RegExp(`/agreement/versions/2\\?text=${lang}$`));
  await expect(accepting.getByTestId("agreement-version")).toHaveText("2");
  await expect(accepting.locator("article.agreement")).toHaveAttribute("lang", lang);

  // The second user declines: recorded, and led to the deletion page, which deletes
  // nothing by itself; the rest of the cabinet still waits for an answer.
  await signInIn(declining, testInfo, lang, decliningPin);
  await expect(declining).toHaveURL(/\/cabinet\/agreement-update/);
  await declining.getByRole("button", { name: t(lang, "agreement_update.decline_delete") }).click();
  await expect(declining).toHaveURL(/\/cabinet\/delete\?declined=1$/);
  await expect(declining.getByTestId("deletion-declined")).toHaveText(t(lang, "deletion.declined"));
  await open(declining, "/cabinet", testInfo);
  await expect(declining).toHaveURL(/\/cabinet\/agreement-update/);
  await declining.getByRole("button", { name: t(lang, "cabinet.exit") }).click();
  await expect(declining).toHaveURL(/\/login\?exited=1$/);

  // Not deleted silently: signing in again asks again.
  await signInIn(declining, testInfo, lang, decliningPin);
  await expect(declining).toHaveURL(/\/cabinet\/agreement-update/);

  for (const context of contexts) await context.close();
});
