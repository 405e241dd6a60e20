// The core boundary: build/core.wasm and host-common/abi.ts must match assembly/abi/abi.wit.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { readFileSync } from "node:fs";
import * as A from "../../host-common/abi.ts";
import { repoRoot } from "../helpers/server.ts";

const wit = readFileSync(`${repoRoot}assembly/abi/abi.wit`, "utf8");
const mod = new WebAssembly.Module(readFileSync(`${repoRoot}build/core.wasm`));
const snake = (s: string) => s.replace(/^%/, "").replace(/-/g, "_");

function block(name: string): string {
  const m = wit.match(new RegExp(`(?:interface|enum) ${name} \\{([\\s\\S]*?)\\n\\}`));
  assert.ok(m, `abi.wit has ${name}`);
  return (m as RegExpMatchArray)[1];
}

test("every function of `interface core` is exported by core.wasm, and nothing else", () => {
  const declared = [...block("core").matchAll(/^\s+([%\w-]+): func/gm)].map((m) => snake(m[1])).sort();
  const exported = WebAssembly.Module.exports(mod).filter((e) => e.kind === "function").map((e) => e.name);
  for (const f of declared) assert.ok(exported.includes(f), `core.wasm exports ${f}`);
  const runtime = new Set(["__new", "__pin", "__unpin", "__rtti_base"]);
  const extra = exported.filter((e) => !declared.includes(e) && !runtime.has(e));
  assert.equal(extra, [], "undocumented exports");
});

test("core.wasm imports exactly `interface host`, and exports a fixed-size memory", () => {
  const declared = [...block("host").matchAll(/^\s+([\w-]+): func/gm)].map((m) => snake(m[1])).sort();
  const imported = WebAssembly.Module.imports(mod).map((i) => `${i.module}.${i.name}`).sort();
  assert.equal(imported, declared.map((d) => `host.${d}`));
  const mem = WebAssembly.Module.exports(mod).find((e) => e.name === "memory");
  assert.ok(mem && mem.kind === "memory");
});

const ops_: Record<string, unknown> = { ...A };

test("operation codes in host-common/abi.ts match the enum in abi.wit", () => {
  const ops = [...block("op").matchAll(/^\s+([\w-]+) = (\d+)/gm)];
  assert.ok(ops.length >= 17);
  for (const [, name, value] of ops) {
    const key = `OP_${snake(name).toUpperCase()}`;
    assert.is(ops_[key], Number(value), key);
  }
});

test.run();
