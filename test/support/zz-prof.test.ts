import * as fs from "fs";
import * as path from "path";
import Ajv from "ajv";

type S = Record<string, unknown>;
function prepare(root: S): S {
  const MIN = 1500;
  const counts = new Map<string, number>();
  const SCHEMA_MAPS = ["properties", "patternProperties", "definitions"];
  const SCHEMA_ARRAYS = ["anyOf", "oneOf", "allOf"];
  const SCHEMA_ONE = ["items", "additionalProperties", "not"];
  // strip descriptions (schema positions only), returns new schema
  function strip(s: unknown): unknown {
    if (typeof s !== "object" || s === null || Array.isArray(s)) return s;
    const out: S = {};
    for (const [k, v] of Object.entries(s as S)) {
      if (k === "description") continue;
      if (SCHEMA_MAPS.includes(k) && v && typeof v === "object") out[k] = Object.fromEntries(Object.entries(v as S).map(([pk, pv]) => [pk, strip(pv)]));
      else if (SCHEMA_ARRAYS.includes(k) && Array.isArray(v)) out[k] = v.map(strip);
      else if (SCHEMA_ONE.includes(k)) out[k] = Array.isArray(v) ? v.map(strip) : strip(v);
      else out[k] = v;
    }
    return out;
  }
  function children(s: S): unknown[] {
    const c: unknown[] = [];
    for (const [k, v] of Object.entries(s)) {
      if (SCHEMA_MAPS.includes(k) && v && typeof v === "object") c.push(...Object.values(v as S));
      else if (SCHEMA_ARRAYS.includes(k) && Array.isArray(v)) c.push(...v);
      else if (SCHEMA_ONE.includes(k)) Array.isArray(v) ? c.push(...v) : c.push(v);
    }
    return c.filter((x) => typeof x === "object" && x !== null);
  }
  const stripped = strip(root) as S;
  const keyOf = new Map<S, string>();
  function count(s: S): void {
    const k = JSON.stringify(s);
    keyOf.set(s, k);
    if (k.length >= MIN) counts.set(k, (counts.get(k) ?? 0) + 1);
    for (const c of children(s)) count(c as S);
  }
  count(stripped);
  const defs: S = {};
  const names = new Map<string, string>();
  function xform(s: S, isRoot = false): S {
    const k = keyOf.get(s)!;
    if (!isRoot && (counts.get(k) ?? 0) >= 2) {
      let n = names.get(k);
      if (!n) {
        n = `d${names.size}`;
        names.set(k, n);
        defs[n] = rebuild(s);
      }
      return { $ref: `#/definitions/${n}` };
    }
    return rebuild(s);
  }
  function rebuild(s: S): S {
    const out: S = {};
    for (const [k, v] of Object.entries(s)) {
      if (SCHEMA_MAPS.includes(k) && v && typeof v === "object") out[k] = Object.fromEntries(Object.entries(v as S).map(([pk, pv]) => [pk, typeof pv === "object" && pv ? xform(pv as S) : pv]));
      else if (SCHEMA_ARRAYS.includes(k) && Array.isArray(v)) out[k] = v.map((x) => (typeof x === "object" && x ? xform(x) : x));
      else if (SCHEMA_ONE.includes(k) && typeof v === "object" && v) out[k] = Array.isArray(v) ? v.map((x) => xform(x)) : xform(v as S);
      else out[k] = v;
    }
    return out;
  }
  const r = xform(stripped, true);
  r.definitions = { ...((r.definitions as S) ?? {}), ...defs };
  return r;
}

test("prof", () => {
  const ajv = new Ajv({ strict: false, validateFormats: false, allErrors: true, verbose: true, inlineRefs: false, code: { regExp: ((p: string, f: string) => new RegExp(p.split("(?i)").join(""), f)) as never } });
  let total = 0;
  for (const d of ["/work/shared/conformance/schemas/strict", "/work/shared/conformance/schemas/k8s/v1.30.0-standalone-strict"]) {
    for (const f of fs.readdirSync(d)) {
      const t = Date.now();
      const s = prepare(JSON.parse(fs.readFileSync(path.join(d, f), "utf8")));
      const t2 = Date.now();
      ajv.compile(s);
      total += Date.now() - t;
      console.log(f, t2 - t, Date.now() - t2, Object.keys((s.definitions as object) ?? {}).length);
    }
  }
  console.log("TOTAL", total);
});
