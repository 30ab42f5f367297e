// The browser test of `hedge serve` (docs/SERVE.md): runs `hedge demo --serve` on a
// free port, opens the market page, the holder's wallet page and a bad address in
// headless Chromium (Debian's, driven by playwright-core), and checks that
//   - every figure marked data-field="<report>.<field>" carries exactly what the JSON
//     endpoint has for it in data-raw, and shows it readably (the same number, with
//     thousands separators) (the endpoints carry the CLI's --json structs; the Rust
//     test app/tests/serve/main.rs checks them equal to `hedge ... --json` on the same chain),
//   - the keepers' page shows every keeper's rewards as its JSON has them, and its
//     countdowns count down,
//   - the four charts loaded as images,
//   - bad input is shown as an error on the page, and the server keeps serving,
// then saves screenshots into $OUT (default: target/browser-test).
//
// Usage: node test.mjs [path/to/hedge]   (default: $HEDGE_BIN, else target/debug/hedge)

import { spawn } from "node:child_process";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { chromium } from "playwright-core";

const bin = process.argv[2] ?? process.env.HEDGE_BIN ?? "target/debug/hedge";
const out = process.env.OUT ?? "target/browser-test";
const browserPath = process.env.CHROMIUM ?? "/usr/bin/chromium";
mkdirSync(out, { recursive: true });

let failures = 0;
let separated = 0;
function check(ok, what) {
  if (ok) {
    console.log(`ok   ${what}`);
  } else {
    failures += 1;
    console.log(`FAIL ${what}`);
  }
}

// 1. The demo, then its chain served on a free port.
const demo = spawn(bin, ["demo", "--serve", "--port", "0"], {
  stdio: ["ignore", "pipe", "pipe"],
  env: { ...process.env, RUST_LOG: "error" },
});
// What the demo prints on stdout before it serves: its report.
let report = "";
demo.stdout.on("data", (d) => {
  report += d;
});
const urls = await new Promise((resolve, reject) => {
  let err = "";
  const timer = setTimeout(() => reject(new Error(`no server after 10 minutes:\n${err}`)), 600_000);
  demo.stderr.on("data", (d) => {
    err += d;
    // Whole lines only: a chunk of stderr can end in the middle of an address.
    const market = err.match(/market page\s+(http:\/\/\S+)\r?\n/);
    const holder = err.match(/the holder\s+(http:\/\/\S+)\r?\n/);
    if (market && holder) {
      clearTimeout(timer);
      resolve({ market: market[1], holder: holder[1] });
    }
  });
  demo.on("exit", (code) => reject(new Error(`hedge demo --serve exited with ${code}:\n${err}`)));
});
console.log(`serving ${urls.market}`);
check(
  report.startsWith("Hedge vault demo (embedded chain") && report.includes("The opening:"),
  `hedge demo --serve printed its report first (${report.length} bytes on stdout)`,
);
const api = (u) => u.replace(/\/market\//, "/api/market/");

const browser = await chromium.launch({ executablePath: browserPath, args: ["--no-sandbox"] });
try {
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });

  // The figures on a page against its JSON.
  async function compare(url, name) {
    const json = await (await fetch(api(url))).json();
    const resp = await page.goto(url, { waitUntil: "load" });
    check(resp.status() === 200, `${name}: HTTP 200`);
    const fields = await page.$$eval("[data-field]", (els) =>
      els.map((e) => [e.getAttribute("data-field"), e.getAttribute("data-raw"), e.textContent]),
    );
    let same = 0;
    for (const [path, raw, text] of fields) {
      const [report, key] = path.split(".");
      const v = json[report]?.[key];
      const want = v === null || v === undefined ? "-" : typeof v === "string" ? v : JSON.stringify(v);
      // The text shows the same number, readable: separators, at most 6 decimals.
      const n = Number(want);
      const readable =
        want === "" || Number.isNaN(n) || !/^[-+]?[0-9]/.test(want)
          ? true
          : Math.abs(Number(text.replace(/,/g, "")) - n) <= 5e-7 * Math.max(1, Math.abs(n));
      if (raw === want && readable) {
        same += 1;
        if (text.includes(",")) separated += 1;
      } else {
        check(false, `${name}: ${path} carries "${raw}" and shows "${text}", the JSON has "${want}"`);
      }
    }
    check(fields.length >= 8 && same === fields.length, `${name}: ${same} of ${fields.length} figures equal the JSON`);
    return json;
  }

  const market = await compare(urls.market, "market page");
  // The charts: four SVG images, each loaded and drawn.
  const charts = await page.$$eval("img", (imgs) =>
    imgs.map((i) => ({ src: i.getAttribute("src"), ok: i.complete && i.naturalWidth > 0 })),
  );
  check(charts.length === 4 && charts.every((c) => c.ok), `market page: ${charts.filter((c) => c.ok).length} of 4 charts loaded`);
  const ratio = await page.textContent("[data-field='vault.hedge_ratio']");
  check(ratio === market.vault.hedge_ratio, `market page: hedge ratio ${ratio}`);
  await page.screenshot({ path: join(out, "market.png"), fullPage: true });
  // The top of the page, as docs/images/serve-market.png shows it.
  await page.screenshot({ path: join(out, "market-top.png"), fullPage: true, clip: { x: 0, y: 0, width: 1400, height: 1500 } });

  check(separated > 0, `market page: ${separated} figure(s) shown with thousands separators`);
  const positions = await page.$$eval("section.card h2", (hs) => hs.map((h) => h.textContent).find((t) => t.startsWith("Positions")));
  check(positions === `Positions (${market.positions.open} open, the largest ${market.positions.largest.length} shown)`, `market page: ${positions}`);

  const wallet = await compare(urls.holder, "wallet page");
  check(wallet.statement.deposits.length > 0, `wallet page: ${wallet.statement.deposits.length} deposit(s) in the statement`);
  const marked = await page.$$eval("img", (imgs) => imgs.map((i) => ({ src: i.getAttribute("src"), ok: i.complete && i.naturalWidth > 0 })));
  check(
    marked.length === 1 && marked[0].ok && marked[0].src.endsWith(`share-value.svg?owner=${wallet.owner}`),
    "wallet page: the share's chart with the holder's deposits marked",
  );
  await page.screenshot({ path: join(out, "wallet.png"), fullPage: true });

  // A staker's page (the market's creator staked the fund's seed) and a trader's.
  const creator = urls.holder.replace(/\/wallet\/.*/, `/wallet/${market.market.admin}`);
  const staker = await compare(creator, "staker's page");
  check(staker.stake !== null && staker.note === null, "staker's page: the stake and its statement, not \"nothing here\"");
  await page.screenshot({ path: join(out, "staker.png"), fullPage: true });

  // A trader's page (one who traded lately, from the market's activity): its trading
  // statement and fills, figure for figure.
  const traded = market.activity.find((a) => a.kind === "trade");
  check(traded !== undefined, "market page: the activity lists trades");
  const traderUrl = urls.holder.replace(/\/wallet\/.*/, `/wallet/${traded.owner}`);
  const trader = await compare(traderUrl, "trader's page");
  check(trader.trader !== null && trader.trader.fills.length > 0, `trader's page: ${trader.trader?.fills.length} fills in the trading statement`);
  await page.screenshot({ path: join(out, "trader.png"), fullPage: true });

  // The keepers' page: every keeper's row as the JSON has it; the countdowns count.
  const keepersUrl = urls.market.replace(/\/?$/, "/keepers");
  const keepers = await (await fetch(api(keepersUrl))).json();
  const kresp = await page.goto(keepersUrl, { waitUntil: "load" });
  check(kresp.status() === 200, "keepers' page: HTTP 200");
  const rows = await page.$$eval("tr[data-keeper]", (trs) =>
    trs.map((tr) => [tr.getAttribute("data-keeper"), [...tr.querySelectorAll("td")].slice(1).map((td) => td.textContent)]),
  );
  let krows = 0;
  for (const [wallet, cells] of rows) {
    const k = wallet === "all keepers" ? keepers.total : keepers.keepers.find((x) => x.wallet === wallet);
    const same =
      k &&
      Number(cells[0]) === k.executions &&
      Number(cells[1]) === k.refusals &&
      Number(cells[2].replace(/,/g, "")) === Number(k.fees_sol) &&
      Number(cells[3]) === k.liquidations &&
      Math.abs(Number(cells[4].replace(/,/g, "")) - Number(k.liquidation_rewards)) <= 5e-7 * Math.max(1, Number(k.liquidation_rewards));
    if (same) krows += 1;
    else check(false, `keepers' page: ${wallet} shows ${cells.join(" | ")}`);
  }
  check(krows === keepers.keepers.length + 1 && krows > 1, `keepers' page: ${krows} of ${keepers.keepers.length + 1} rows equal the JSON`);
  const before = await page.textContent("[data-due]");
  await page.waitForTimeout(2200);
  const after = await page.textContent("[data-due]");
  check(before !== after, `keepers' page: the countdown counts ("${before}" then "${after}")`);
  await page.screenshot({ path: join(out, "keepers.png"), fullPage: true });

  // A phone's width: nothing scrolls sideways.
  const phone = await browser.newPage({ viewport: { width: 390, height: 844 } });
  for (const [url, name] of [[urls.market, "market"], [urls.holder, "wallet"], [creator, "staker"], [traderUrl, "trader"], [keepersUrl, "keepers"]]) {
    await phone.goto(url, { waitUntil: "load" });
    const wide = await phone.evaluate(() => document.documentElement.scrollWidth);
    check(wide <= 390, `${name} page at 390 px: ${wide} px wide`);
    await phone.screenshot({ path: join(out, `${name}-phone.png`), fullPage: true });
  }
  await phone.close();

  // The wallet form leads to the wallet page.
  await page.goto(urls.market);
  const owner = wallet.owner;
  await page.fill("input[name=owner]", owner);
  await Promise.all([page.waitForURL(/\/wallet\//), page.click("form button")]);
  check(page.url().endsWith(`/wallet/${owner}`), "the wallet form opens the wallet's page");

  // Bad input: named on the page, and the server keeps serving.
  const bad = urls.market.replace(/\/market\/.*/, "/market/not-an-address");
  const resp = await page.goto(bad);
  const error = await page.textContent("[data-error]");
  check(resp.status() === 400 && error === "`not-an-address` is not a base58 address of 32 bytes", `bad address: ${resp.status()} "${error}"`);
  await page.screenshot({ path: join(out, "bad-address.png") });
  const again = await page.goto(urls.market);
  check(again.status() === 200, "still serving after bad input");

  // No request of the page fails: the icon included.
  const failed = [];
  page.on("response", (r) => {
    if (r.status() >= 400) failed.push(`${r.status()} ${r.url()}`);
  });
  await page.goto(urls.market, { waitUntil: "load" });
  check(failed.length === 0, `market page: every request answered (${failed.join(", ") || "none failed"})`);

  // An API error is JSON, whatever the path or method.
  const nope = await fetch(api(urls.market).replace(/\/api\/market\/.*/, "/api/nope"));
  check(nope.status === 404 && (await nope.json()).error_name === "No such page", "/api/nope: a JSON 404");
  const post = await fetch(api(urls.market), { method: "POST" });
  check(post.status === 405 && typeof (await post.json()).error === "string", "POST /api/market: a JSON 405");
} finally {
  await browser.close();
  demo.kill();
}
console.log(failures === 0 ? `browser test passed; screenshots in ${out}` : `${failures} check(s) failed`);
process.exit(failures === 0 ? 0 : 1);
