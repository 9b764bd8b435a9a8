// The public pages in a real browser, for tests/integration/test_public_page.py:
//
//   node tests/browser/check-pages.mjs /usr/bin/chromium URL...
//
// For each URL: html-validate (its recommended rules) on the bytes the
// server sent, then the page in Debian's headless chromium, driven by
// playwright-core, at 390 x 844 CSS pixels (a phone): axe-core's WCAG 2.1
// A and AA rules, and the document's width (no sideways scrolling). Prints
// one JSON array, an object per URL: html_errors and axe (serious and
// critical violations only) list what is wrong, scroll_width the width.
// With KURSUS_SCREENSHOTS=dir set, it also saves a picture of each page.
// The modules come from tests/node_modules (tests/package.json pins them).
import { createRequire } from "node:module";
import { readFileSync } from "node:fs";

const require = createRequire(new URL("../package.json", import.meta.url));
const { chromium } = require("playwright-core");
const { HtmlValidate } = require("html-validate");
const axeSource = readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");

const [executablePath, ...urls] = process.argv.slice(2);
const validator = new HtmlValidate({ extends: ["html-validate:recommended"] });
const results = [];
const browser = await chromium.launch({
	executablePath,
	headless: true,
	// As root (CI) chromium wants no sandbox; nothing but loopback is loaded.
	args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
});
try {
	// bypassCSP: the pages allow no script, and axe-core is one.
	const context = await browser.newContext({
		viewport: { width: 390, height: 844 },
		deviceScaleFactor: 2,
		isMobile: true,
		bypassCSP: true,
	});
	for (const url of urls) {
		const r = { url };
		try {
			const res = await fetch(url);
			const html = await res.text();
			const report = await validator.validateString(html);
			r.html_errors = [];
			for (const f of report.results)
				for (const m of f.messages)
					if (m.severity >= 2)
						r.html_errors.push(`${m.line}:${m.column} ${m.ruleId}: ${m.message}`);
			const page = await context.newPage();
			await page.goto(url, { waitUntil: "load" });
			await page.addScriptTag({ content: axeSource });
			const axe = await page.evaluate(async () => {
				// eslint-disable-next-line no-undef
				const out = await axe.run(document, {
					runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"] },
				});
				return out.violations.map((v) => ({
					id: v.id, impact: v.impact, help: v.help,
					nodes: v.nodes.slice(0, 3).map((n) => n.target.join(" ")),
				}));
			});
			r.axe = axe.filter((v) => v.impact === "serious" || v.impact === "critical");
			r.axe_minor = axe.filter((v) => !(v.impact === "serious" || v.impact === "critical"));
			r.scroll_width = await page.evaluate(() =>
				Math.max(document.documentElement.scrollWidth, document.body.scrollWidth));
			// KURSUS_SCREENSHOTS=dir: a picture of each page, to look at.
			if (process.env.KURSUS_SCREENSHOTS)
				await page.screenshot({ fullPage: true, path:
				    `${process.env.KURSUS_SCREENSHOTS}/page-${results.length}.png` });
			await page.close();
		} catch (e) {
			r.error = String(e && e.stack || e);
		}
		results.push(r);
	}
} finally {
	await browser.close();
}
process.stdout.write(JSON.stringify(results, null, 1) + "\n");
