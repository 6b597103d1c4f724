/**
 * Conformance harness (test-only code, not part of the library).
 *
 * Checks synthesized Strata output against the upstream data in `../shared/conformance`
 * (relative to the project root, see that folder's README.md):
 *
 * - every `kubernetes_manifest.manifest` body against the STRICT JSON Schema of its
 *   apiVersion/kind (`schemas/strict/` for CRDs, `schemas/k8s/v1.30.0-standalone-strict/` for core kinds);
 * - every Helm value key a `helm_release` sets against the chart's default `values.yaml`
 *   (`helm-values/`).
 *
 * When the folder is absent (a user's fresh clone) `describeConformance` skips, and jest's globalSetup
 * (`test/support/global-setup.ts`) prints `SKIP_NOTICE`, once per run, saying why.
 *
 * Deliberate leniencies (everything else is an error):
 * - Terraform interpolations: a string containing `${` (an unresolved reference rendered by cdktf, e.g.
 *   `${var.replicas}`, `${kubernetes_namespace.x.metadata[0].name}`) is only known at apply time. It may
 *   stand where the schema wants an integer, boolean, object or array, and its text is not held to the
 *   schema's pattern/enum/length either: every error whose value is such a string is dropped (type,
 *   anyOf/oneOf, pattern, enum, ...). Errors about the object around it (unknown fields, missing required
 *   fields) are still reported.
 * - Go's `(?i)` flag in schema patterns (README limit 5) is removed and the whole pattern gets the `i` flag.
 *
 * And deliberate strictness:
 * - `null` anywhere in a manifest is an error (README limit 3), also inside opaque parts such as CRD
 *   `metadata` that the schema does not look into (so `metadata.creationTimestamp: null`, which two upstream
 *   PrometheusRule examples carry and their schema accepts, is reported: Strata must emit no key instead).
 * - a kind without a schema is an error (`no schema for <apiVersion>/<kind>`), never a pass.
 */
import * as fs from "fs";
import * as path from "path";
import Ajv, { ErrorObject, ValidateFunction } from "ajv";
import * as YAML from "yaml";

// ---------------------------------------------------------------------------------------------------------
// Location and jest wrapper
// ---------------------------------------------------------------------------------------------------------

/** Project root: this file lives in `<root>/test/support`. */
const PROJECT_ROOT = path.resolve(__dirname, "..", "..");
/** The conformance folder as named in notices (relative to the project root). */
export const CONFORMANCE_DIR_NAME = "../shared/conformance";

/** Absolute path of `../shared/conformance` (relative to the project root), or undefined when absent. */
export function conformanceRoot(): string | undefined {
  const dir = path.resolve(PROJECT_ROOT, CONFORMANCE_DIR_NAME);
  try {
    return fs.statSync(dir).isDirectory() ? dir : undefined;
  } catch {
    return undefined;
  }
}

function requireRoot(): string {
  const root = conformanceRoot();
  if (!root) throw new Error(`conformance data not found: ${CONFORMANCE_DIR_NAME}`);
  return root;
}

/**
 * Why the conformance tests skip: printed once per jest run by the globalSetup when the folder is absent.
 * The data (upstream CRD schemas, chart default values, metric catalogues) is kept outside this
 * repository and is always present in CI; a user's fresh clone does not have it.
 */
export const SKIP_NOTICE =
  `conformance tests skipped: ${CONFORMANCE_DIR_NAME} not found. They check every custom resource against ` +
  `the upstream CRD schemas and every Helm value against the chart defaults, data kept outside this ` +
  `repository (CI always has it); every other test runs.`;

/** The notice to print for a run, given the conformance folder (undefined = absent): none when present. */
export function skipNotice(root: string | undefined): string | undefined {
  return root ? undefined : SKIP_NOTICE;
}

/**
 * Like jest `describe`, but when the conformance folder is absent it registers one skipped test naming the
 * missing folder instead of failing (the reason is printed once per run, see SKIP_NOTICE).
 */
export function describeConformance(name: string, fn: () => void): void {
  describeConformanceIn(conformanceRoot(), name, fn);
}

/** describeConformance with the folder given (undefined = absent). Exported for the harness's own tests. */
export function describeConformanceIn(root: string | undefined, name: string, fn: () => void): void {
  if (root) {
    describe(name, fn);
    return;
  }
  describe(name, () => {
    test.skip(`skipped: ${CONFORMANCE_DIR_NAME} not found`, () => undefined);
  });
}

// ---------------------------------------------------------------------------------------------------------
// Kubernetes manifests against the strict schemas
// ---------------------------------------------------------------------------------------------------------

/** Go's `(?i)` is not JavaScript syntax: strip it and make the whole pattern case-insensitive. */
function lenientRegExp(pattern: string, flags: string): RegExp {
  let f = flags;
  let p = pattern;
  if (p.includes("(?i)")) {
    p = p.split("(?i)").join("");
    if (!f.includes("i")) f += "i";
  }
  try {
    return new RegExp(p, f);
  } catch (e) {
    // Some Go patterns are not valid in unicode mode (e.g. needless escapes); retry without it.
    if (f.includes("u")) return new RegExp(p, f.replace("u", ""));
    throw e;
  }
}
(lenientRegExp as unknown as { code: string }).code = "lenientRegExp";

let ajvInstance: Ajv | undefined;
function ajv(): Ajv {
  if (!ajvInstance) {
    ajvInstance = new Ajv({
      strict: false,
      validateFormats: false,
      allErrors: true,
      verbose: true, // error.data, needed for the interpolation and null rules
      inlineRefs: false, // keep shared subschemas (see prepareSchema) as functions compiled once
      code: { regExp: lenientRegExp as never },
    });
  }
  return ajvInstance;
}

interface SchemaIndex {
  /** key `<apiVersion>/<kind>` -> absolute schema file */
  strict: Map<string, string>;
  /** CRD schemas without additionalProperties:false (core kinds only exist strict) */
  lenient: Map<string, string>;
}

let schemaIndex: SchemaIndex | undefined;
const compiled = new Map<string, ValidateFunction>();

function apiVersionOf(group: string, version: string): string {
  return group ? `${group}/${version}` : version;
}

/** Builds the apiVersion/kind -> file mapping from each schema's `x-kubernetes-group-version-kind`. */
function indexDir(dir: string, into: Map<string, string>): void {
  if (!fs.existsSync(dir)) return;
  for (const file of fs.readdirSync(dir).sort()) {
    if (!file.endsWith(".json")) continue;
    const full = path.join(dir, file);
    // Only the head of the file is needed; the group-version-kind comes right after the title.
    const fd = fs.openSync(full, "r");
    const buf = Buffer.alloc(4096);
    const n = fs.readSync(fd, buf, 0, buf.length, 0);
    fs.closeSync(fd);
    const head = buf.toString("utf8", 0, n);
    const m = /"x-kubernetes-group-version-kind"\s*:\s*\[([^\]]*)\]/.exec(head);
    let gvks: { group: string; version: string; kind: string }[];
    if (m) {
      gvks = JSON.parse(`[${m[1]}]`);
    } else {
      const schema = JSON.parse(fs.readFileSync(full, "utf8"));
      gvks = schema["x-kubernetes-group-version-kind"] ?? [];
    }
    for (const g of gvks) into.set(`${apiVersionOf(g.group, g.version)}/${g.kind}`, full);
  }
}

function schemas(): SchemaIndex {
  if (!schemaIndex) {
    const root = requireRoot();
    const strict = new Map<string, string>();
    const lenient = new Map<string, string>();
    indexDir(path.join(root, "schemas", "k8s", "v1.30.0-standalone-strict"), strict);
    indexDir(path.join(root, "schemas", "strict"), strict);
    indexDir(path.join(root, "schemas", "k8s", "v1.30.0-standalone-strict"), lenient);
    indexDir(path.join(root, "schemas"), lenient);
    schemaIndex = { strict, lenient };
  }
  return schemaIndex;
}

/** The schema file that validates `apiVersion`/`kind`, or undefined. */
export function schemaFileFor(apiVersion: string, kind: string, opts: { strict?: boolean } = {}): string | undefined {
  const idx = schemas();
  return (opts.strict === false ? idx.lenient : idx.strict).get(`${apiVersion}/${kind}`);
}

type JsonObject = Record<string, unknown>;
const SCHEMA_MAPS = new Set(["properties", "patternProperties", "definitions"]);
const SCHEMA_LISTS = new Set(["anyOf", "oneOf", "allOf"]);
const SCHEMA_ONE = new Set(["items", "additionalProperties", "not"]);
/** Smallest serialized subschema worth sharing through a `$ref`. */
const SHARE_MIN_CHARS = 1000;

function isObj(v: unknown): v is JsonObject {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Applies `f` to every direct subschema of `s` (only schema positions, never data such as enum/default). */
function mapSubschemas(s: JsonObject, f: (sub: JsonObject) => JsonObject): JsonObject {
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(s)) {
    if (SCHEMA_MAPS.has(k) && isObj(v)) {
      out[k] = Object.fromEntries(Object.entries(v).map(([pk, pv]) => [pk, isObj(pv) ? f(pv) : pv]));
    } else if (SCHEMA_LISTS.has(k) && Array.isArray(v)) {
      out[k] = v.map((x) => (isObj(x) ? f(x) : x));
    } else if (SCHEMA_ONE.has(k) && (isObj(v) || Array.isArray(v))) {
      out[k] = Array.isArray(v) ? v.map((x) => (isObj(x) ? f(x) : x)) : f(v);
    } else {
      out[k] = v;
    }
  }
  return out;
}

/**
 * Same validation, cheaper to compile: drops `description`s and moves every large subschema that occurs
 * more than once (the PodSpec repeated in each InferenceService predictor, ...) to `definitions`, referenced
 * by `$ref`. Cuts the InferenceService compile from ~3.7 s to ~0.6 s; error instance paths are unchanged.
 */
function prepareSchema(schema: JsonObject): JsonObject {
  const strip = (s: JsonObject): JsonObject => {
    const { description: _d, ...rest } = s;
    return mapSubschemas(rest, strip);
  };
  const stripped = strip(schema);
  const keyOf = new Map<JsonObject, string>();
  const counts = new Map<string, number>();
  const count = (s: JsonObject): JsonObject => {
    const key = JSON.stringify(s);
    keyOf.set(s, key);
    if (key.length >= SHARE_MIN_CHARS) counts.set(key, (counts.get(key) ?? 0) + 1);
    return mapSubschemas(s, count);
  };
  count(stripped);
  const definitions: JsonObject = {};
  const names = new Map<string, string>();
  const share = (s: JsonObject): JsonObject => {
    const key = keyOf.get(s)!;
    if ((counts.get(key) ?? 0) < 2) return mapSubschemas(s, share);
    let name = names.get(key);
    if (!name) {
      name = `shared${names.size}`;
      names.set(key, name);
      definitions[name] = mapSubschemas(s, share);
    }
    return { $ref: `#/definitions/${name}` };
  };
  const root = mapSubschemas(stripped, share);
  if (Object.keys(definitions).length) {
    root.definitions = { ...(isObj(root.definitions) ? root.definitions : {}), ...definitions };
  }
  return root;
}

function validatorFor(file: string): ValidateFunction {
  let v = compiled.get(file);
  if (!v) {
    v = ajv().compile(prepareSchema(JSON.parse(fs.readFileSync(file, "utf8"))));
    compiled.set(file, v);
  }
  return v;
}

function isInterpolation(v: unknown): v is string {
  return typeof v === "string" && v.includes("${");
}

function show(v: unknown): string {
  const s = JSON.stringify(v);
  if (s === undefined) return String(v);
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}

function dataPath(instancePath: string): string {
  // JSON pointer -> a/b/0/c (same shape as the expected errors in upstream-examples headers)
  return instancePath
    .replace(/^\//, "")
    .split("/")
    .map((s) => s.replace(/~1/g, "/").replace(/~0/g, "~"))
    .join("/");
}

function describeError(e: ErrorObject): string {
  const p = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case "additionalProperties":
      return `unknown field "${String(p.additionalProperty)}"`;
    case "required":
      return `missing required field "${String(p.missingProperty)}"`;
    case "type":
      return `must be ${String(p.type)}, got ${show(e.data)}`;
    case "enum":
      return `must be one of ${show(p.allowedValues)}, got ${show(e.data)}`;
    case "pattern":
      return `must match pattern ${JSON.stringify(p.pattern)}, got ${show(e.data)}`;
    case "const":
      return `must be ${show(p.allowedValue)}, got ${show(e.data)}`;
    default:
      return `${e.message ?? e.keyword}${e.data !== undefined && typeof e.data !== "object" ? `, got ${show(e.data)}` : ""}`;
  }
}

function findNulls(value: unknown, at: string[], out: string[][]): void {
  if (value === null) {
    out.push(at);
  } else if (Array.isArray(value)) {
    value.forEach((v, i) => findNulls(v, [...at, String(i)], out));
  } else if (typeof value === "object" && value !== undefined) {
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) findNulls(v, [...at, k], out);
  }
}

/**
 * Validates one Kubernetes object body against the STRICT schema of its apiVersion/kind.
 * Returns human-readable errors (`<path>: <problem>`; empty = valid).
 *
 * `opts.strict: false` uses the non-strict CRD schemas (`schemas/<kind>-<version>.json`, unknown fields
 * allowed); core kinds only exist strict. Meant for examining upstream examples, not for library output.
 */
export function validateManifest(manifest: object, opts: { strict?: boolean } = {}): string[] {
  if (manifest === null || typeof manifest !== "object" || Array.isArray(manifest)) {
    return [`(root): manifest must be an object, got ${show(manifest)}`];
  }
  const m = manifest as Record<string, unknown>;
  const apiVersion = m.apiVersion;
  const kind = m.kind;
  if (typeof apiVersion !== "string" || typeof kind !== "string") {
    return [`(root): manifest needs string apiVersion and kind, got apiVersion ${show(apiVersion)}, kind ${show(kind)}`];
  }
  const file = schemaFileFor(apiVersion, kind, opts);
  if (!file) return [`no schema for ${apiVersion}/${kind}`];

  const validate = validatorFor(file);
  const errors: string[] = [];

  // null anywhere (README limit 3), including opaque parts the schema does not inspect.
  const nulls: string[][] = [];
  findNulls(manifest, [], nulls);
  const nullPaths = new Set(nulls.map((p) => p.join("/")));
  for (const p of nulls) {
    errors.push(`${p.join("/") || "(root)"}: null is not allowed (the API server drops it: emit no key instead)`);
  }

  if (!validate(manifest)) {
    const all = validate.errors ?? [];
    // anyOf/oneOf failures: report one line with the branch errors folded in.
    const combinators = all.filter((e) => e.keyword === "anyOf" || e.keyword === "oneOf");
    const branchOf = (e: ErrorObject): ErrorObject | undefined =>
      combinators.find(
        (c) =>
          c !== e &&
          e.schemaPath.startsWith(`${c.schemaPath}/`) &&
          (e.instancePath === c.instancePath || e.instancePath.startsWith(`${c.instancePath}/`)),
      );
    const branchErrors = new Map<ErrorObject, ErrorObject[]>();
    for (const e of all) {
      const c = branchOf(e);
      if (c) branchErrors.set(c, [...(branchErrors.get(c) ?? []), e]);
    }
    for (const e of all) {
      if (branchOf(e)) continue;
      const at = dataPath(e.instancePath);
      // Terraform interpolation: the value is only known at apply time (see the header).
      if (isInterpolation(e.data)) continue;
      // null: already reported above.
      if (e.data === null && (e.keyword === "type" || e.keyword === "anyOf" || e.keyword === "oneOf") && nullPaths.has(at)) {
        continue;
      }
      let text = describeError(e);
      if (e.keyword === "anyOf" || e.keyword === "oneOf") {
        const branches = [...new Set((branchErrors.get(e) ?? []).map(describeError))];
        const shown = branches.slice(0, 4).join("; ") + (branches.length > 4 ? "; ..." : "");
        text = `${show(e.data)} matches none of the allowed forms (${shown || e.message})`;
      }
      errors.push(`${at || "(root)"}: ${text}`);
    }
  }
  return [...new Set(errors)];
}

function parseSynth(synthJson: string | object): Record<string, unknown> {
  return (typeof synthJson === "string" ? JSON.parse(synthJson) : synthJson) as Record<string, unknown>;
}

function resourcesOfType(synth: Record<string, unknown>, type: string): [string, Record<string, unknown>][] {
  const resources = (synth.resource ?? {}) as Record<string, Record<string, Record<string, unknown>>>;
  return Object.entries(resources[type] ?? {});
}

/**
 * Validates every `resource.kubernetes_manifest.<name>.manifest` of a synthesized stack
 * (`Testing.synth(stack)` output, string or parsed). One entry per manifest.
 */
export function validateStackManifests(synthJson: string | object): { address: string; errors: string[] }[] {
  return resourcesOfType(parseSynth(synthJson), "kubernetes_manifest").map(([name, body]) => {
    const address = `kubernetes_manifest.${name}`;
    const manifest = body.manifest;
    if (manifest === null || typeof manifest !== "object" || Array.isArray(manifest)) {
      return { address, errors: [`manifest is not a literal object (got ${show(manifest)}): it cannot be checked`] };
    }
    return { address, errors: validateManifest(manifest) };
  });
}

// ---------------------------------------------------------------------------------------------------------
// Helm values against chart defaults
// ---------------------------------------------------------------------------------------------------------

const helmDefaults = new Map<string, unknown>();

function loadChartDefaults(chartValuesFile: string): unknown {
  if (!helmDefaults.has(chartValuesFile)) {
    const file = path.join(requireRoot(), "helm-values", chartValuesFile);
    if (!fs.existsSync(file)) throw new Error(`no chart values file helm-values/${chartValuesFile}`);
    helmDefaults.set(chartValuesFile, YAML.parse(fs.readFileSync(file, "utf8")) ?? {});
  }
  return helmDefaults.get(chartValuesFile);
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Merged key set of the object elements of a default array (undefined: no object element to compare with). */
function elementTemplate(defaults: unknown[]): Record<string, unknown> | undefined {
  const objs = defaults.filter(isPlainObject);
  if (objs.length === 0) return undefined;
  return Object.assign({}, ...objs.slice().reverse()) as Record<string, unknown>;
}

/**
 * Chart keys whose CONTENT is a Kubernetes API object or a user map rather than chart keys: annotations and
 * labels maps (`podAnnotations`, `commonLabels`, ...), node selectors, security contexts, `resources`,
 * `affinity`, `tolerations`, `topologySpreadConstraints`, `env`, `envFrom`. Charts often ship a non-empty
 * example default for these (gpu-operator `operator.annotations`, `operator.tolerations`), which must not
 * limit what may be set. The key itself must still exist in the chart defaults.
 */
const KUBERNETES_TYPED_KEY = /(annotations|labels|nodeselector|securitycontext)$|^(resources|affinity|tolerations|topologyspreadconstraints|env|envfrom)$/i;

function checkKeys(value: unknown, defaults: unknown, at: string, file: string, allowed: Set<string>, out: string[]): void {
  if (Array.isArray(value)) {
    // Array elements are checked only against an object element of the default array.
    if (!Array.isArray(defaults)) return;
    const template = elementTemplate(defaults);
    if (!template) return;
    value.forEach((el, i) => {
      if (isPlainObject(el)) checkKeys(el, template, `${at}[${i}]`, file, allowed, out);
    });
    return;
  }
  if (!isPlainObject(value)) return; // scalar (or a `${...}` reference): nothing to check
  if (defaults === null || defaults === undefined) return; // default null: an object is allowed, free-form
  if (!isPlainObject(defaults)) {
    if (!allowed.has(at)) {
      out.push(`${file}: value key "${at}" is set to an object but its chart default is ${show(defaults)}`);
    }
    return;
  }
  if (Object.keys(defaults).length === 0) return; // `{}` default: free-form map (annotations, nodeSelector, ...)
  for (const [k, v] of Object.entries(value)) {
    const p = at ? `${at}.${k}` : k;
    if (allowed.has(p)) continue;
    if (!(k in defaults)) {
      out.push(`${file}: unknown value key "${p}"`);
      continue;
    }
    if (KUBERNETES_TYPED_KEY.test(k)) continue;
    checkKeys(v, defaults[k], p, file, allowed, out);
  }
}

/**
 * Reports every key path in `values` that does not exist in the chart defaults `helm-values/<file>`.
 *
 * Rules: objects are recursed into; keys under a map whose default is `{}` are free-form (annotations,
 * nodeSelector, podLabels), and so is the content of Kubernetes-typed keys (KUBERNETES_TYPED_KEY: annotations,
 * labels, nodeSelector, securityContext, resources, affinity, tolerations, ...) whatever their default; array elements are checked only when the default array has object elements
 * (against the union of their keys); a key whose default is `null` may be set to anything (charts use
 * `null` for "unset, any shape"), while setting an object where the default is a scalar or an array is an
 * error. `allowed` lists key paths (`a.b.c`, `list[0].x`) accepted anyway, e.g. keys the chart only documents
 * in comments; a listed path is accepted with everything below it.
 */
export function helmValueKeyErrors(chartValuesFile: string, values: object, allowed: string[] = []): string[] {
  const defaults = loadChartDefaults(chartValuesFile);
  const out: string[] = [];
  checkKeys(values, isPlainObject(defaults) ? defaults : {}, "", chartValuesFile, new Set(allowed), out);
  return out;
}

// ---------------------------------------------------------------------------------------------------------
// Decoding helm_release values: cdktf's rendering of Fn.yamlencode
// ---------------------------------------------------------------------------------------------------------
//
// cdktf 0.21 renders `Fn.yamlencode(obj)` as ONE Terraform template string:
//
//   ${yamlencode({"key" = <value>, "a.b/c" = {"k" = [1, "two", true, null]}, "arn" = aws_iam_role.x.arn})}
//
// - objects: `{"k" = v, ...}` (key always double-quoted, never escaped), `{}` when empty, key order as in JS
//   (integer-like keys first); `undefined` values are dropped;
// - lists `[a, b]`; numbers as JS prints them (`-2`, `0.5`, `1e+21`); `true`/`false`/`null`;
// - strings: `"..."` with ONLY `\n` -> `\n` and `${` -> `$${` escaped. `"` and `\` are NOT escaped, so a
//   string containing `"` or `\` yields an expression Terraform cannot parse (the decoder below rejects it
//   the same way), and a string that itself starts and ends with `"` is emitted unquoted (`'"a"'` -> `a`);
// - a token (reference to another resource, variable, function call, conditional) as a bare expression:
//   `var.x`, `aws_iam_role.x.arn`, `concat(["a"], ["b"])`, `var.flag ? "a" : "b"`;
// - a string mixing literal text and tokens as a template: `"prefix-${var.x}-suffix"`.
//
// decodeTerraformEncodeCall parses that (a subset of HCL native syntax) and returns the value Terraform would
// encode, with every non-literal expression kept as the string `${<expression>}`.

class HclParseError extends Error {}
/** Not valid HCL at all: never retried as another kind of expression. */
class HclSyntaxError extends HclParseError {}

class HclParser {
  private pos = 0;
  constructor(private readonly src: string) {}

  parseAll(): unknown {
    const v = this.value();
    this.ws();
    if (this.pos !== this.src.length) this.fail("unexpected text after the value");
    return v;
  }

  private where(msg: string): string {
    const ctx = this.src.slice(Math.max(0, this.pos - 30), this.pos + 30);
    return `${msg} at offset ${this.pos} (near ${JSON.stringify(ctx)})`;
  }

  /** Not this kind of construct: the caller may try another reading. */
  private fail(msg: string): never {
    throw new HclParseError(this.where(msg));
  }

  /** Invalid HCL: Terraform would reject the configuration. */
  private hard(msg: string): never {
    throw new HclSyntaxError(this.where(msg));
  }

  private ws(): void {
    while (this.pos < this.src.length && /\s/.test(this.src[this.pos])) this.pos++;
  }

  private atDelimiter(): boolean {
    this.ws();
    return this.pos >= this.src.length || ",}])".includes(this.src[this.pos]);
  }

  /** A value, falling back to an opaque expression when a literal is followed by more expression text. */
  private value(): unknown {
    this.ws();
    const start = this.pos;
    let v: unknown;
    let literal = true;
    try {
      v = this.literalValue();
    } catch (e) {
      if (!(e instanceof HclParseError) || e instanceof HclSyntaxError) throw e;
      literal = false;
    }
    if (literal) {
      if (this.atDelimiter()) return v;
      // A literal directly followed by a name or another string (e.g. "a"b" from an unescaped quote) is
      // invalid HCL; an operator, `?` or postfix access after it makes it part of a larger expression.
      if (/[A-Za-z0-9_"]/.test(this.src[this.pos])) this.hard("unexpected text after a literal");
    }
    this.pos = start;
    return `\${${this.opaqueExpression()}}`;
  }

  private literalValue(): unknown {
    const c = this.src[this.pos];
    if (c === "{") return this.object();
    if (c === "[") return this.tuple();
    if (c === '"') return this.quotedTemplate();
    const num = /^-?\s*\d+(\.\d+)?([eE][+-]?\d+)?/.exec(this.src.slice(this.pos));
    if (num) {
      this.pos += num[0].length;
      return Number(num[0].replace(/\s+/g, ""));
    }
    const word = /^(true|false|null)\b/.exec(this.src.slice(this.pos));
    if (word) {
      this.pos += word[0].length;
      return word[1] === "true" ? true : word[1] === "false" ? false : null;
    }
    this.fail("not a literal");
  }

  private object(): Record<string, unknown> {
    this.pos++; // {
    this.ws();
    if (/^for\s/.test(this.src.slice(this.pos))) this.fail("for expression");
    const out: Record<string, unknown> = {};
    for (;;) {
      this.ws();
      if (this.src[this.pos] === "}") {
        this.pos++;
        return out;
      }
      let key: string;
      if (this.src[this.pos] === '"') {
        key = this.quotedTemplate();
      } else {
        const id = /^[A-Za-z_][A-Za-z0-9_-]*/.exec(this.src.slice(this.pos));
        if (!id) this.fail("expected an object key");
        key = id[0];
        this.pos += key.length;
      }
      this.ws();
      if (this.src[this.pos] !== "=" && this.src[this.pos] !== ":") this.fail(`expected "=" after key ${JSON.stringify(key)}`);
      this.pos++;
      out[key] = this.value();
      this.ws();
      if (this.src[this.pos] === ",") this.pos++;
      else if (this.src[this.pos] !== "}") this.hard('expected "," or "}" in object');
    }
  }

  private tuple(): unknown[] {
    this.pos++; // [
    this.ws();
    if (/^for\s/.test(this.src.slice(this.pos))) this.fail("for expression");
    const out: unknown[] = [];
    for (;;) {
      this.ws();
      if (this.src[this.pos] === "]") {
        this.pos++;
        return out;
      }
      out.push(this.value());
      this.ws();
      if (this.src[this.pos] === ",") this.pos++;
      else if (this.src[this.pos] !== "]") this.hard('expected "," or "]" in list');
    }
  }

  /** A quoted HCL template. Interpolations are kept as `${expr}`; a lone interpolation returns exactly that. */
  private quotedTemplate(): string {
    this.pos++; // "
    let out = "";
    for (;;) {
      if (this.pos >= this.src.length) this.hard("unterminated string");
      const c = this.src[this.pos];
      if (c === '"') {
        this.pos++;
        return out;
      }
      if (c === "\n") this.hard("newline in a quoted string");
      if (c === "\\") {
        const n = this.src[this.pos + 1];
        const simple: Record<string, string> = { n: "\n", r: "\r", t: "\t", '"': '"', "\\": "\\" };
        if (n in simple) {
          out += simple[n];
          this.pos += 2;
        } else if (n === "u" || n === "U") {
          const len = n === "u" ? 4 : 8;
          const hex = this.src.slice(this.pos + 2, this.pos + 2 + len);
          if (!new RegExp(`^[0-9A-Fa-f]{${len}}$`).test(hex)) this.hard("invalid unicode escape");
          out += String.fromCodePoint(parseInt(hex, 16));
          this.pos += 2 + len;
        } else {
          this.hard(`invalid escape sequence "\\${n ?? ""}" (Terraform rejects it)`);
        }
        continue;
      }
      if (this.src.startsWith("$${", this.pos)) {
        out += "${";
        this.pos += 3;
        continue;
      }
      if (this.src.startsWith("%%{", this.pos)) {
        out += "%{";
        this.pos += 3;
        continue;
      }
      if (this.src.startsWith("${", this.pos)) {
        this.pos += 2;
        const expr = this.balanced("}");
        out += `\${${expr.trim()}}`;
        continue;
      }
      if (this.src.startsWith("%{", this.pos)) this.hard("template directive %{...} (unescaped %{ in a string)");
      out += c;
      this.pos++;
    }
  }

  /** Text up to the matching `close` (consumed), skipping nested brackets and strings. */
  private balanced(close: string): string {
    const start = this.pos;
    const stack: string[] = [close];
    const pairs: Record<string, string> = { "(": ")", "[": "]", "{": "}" };
    while (this.pos < this.src.length) {
      const c = this.src[this.pos];
      if (c === '"') {
        this.quotedTemplate();
        continue;
      }
      if (c in pairs) stack.push(pairs[c]);
      else if (c === ")" || c === "]" || c === "}") {
        if (stack[stack.length - 1] !== c) this.hard("unbalanced brackets");
        stack.pop();
        if (stack.length === 0) {
          const text = this.src.slice(start, this.pos);
          this.pos++;
          return text;
        }
      }
      this.pos++;
    }
    return this.hard("unterminated expression");
  }

  /** An expression that is not a literal: text up to the next `,` `}` `]` `)` at nesting depth 0. */
  private opaqueExpression(): string {
    const start = this.pos;
    const pairs: Record<string, string> = { "(": ")", "[": "]", "{": "}" };
    while (this.pos < this.src.length) {
      const c = this.src[this.pos];
      if (c === '"') {
        this.quotedTemplate();
        continue;
      }
      if (c in pairs) {
        this.pos++;
        this.balanced(pairs[c]);
        continue;
      }
      if (",}])".includes(c)) break;
      this.pos++;
    }
    const text = this.src.slice(start, this.pos).trim();
    if (!text) this.hard("expected a value");
    return text;
  }
}

/**
 * Decodes one rendered `${yamlencode(<expr>)}` (or `${jsonencode(<expr>)}`) string into the value of
 * `<expr>`; references stay as `${<expression>}` strings. Throws on anything else, and on expressions
 * Terraform itself would reject (e.g. an unescaped `"` inside a string).
 */
export function decodeTerraformEncodeCall(rendered: string): unknown {
  const m = /^\$\{\s*(yamlencode|jsonencode)\(([\s\S]*)\)\s*\}$/.exec(rendered);
  if (!m) throw new Error(`not a rendered yamlencode/jsonencode call: ${show(rendered)}`);
  try {
    return new HclParser(m[2]).parseAll();
  } catch (e) {
    if (e instanceof HclParseError) {
      throw new Error(`cannot parse the ${m[1]} argument (Terraform would reject it too): ${e.message}`);
    }
    throw e;
  }
}

/** Helm `set` name (`a.b\.c[0].d`) -> nested object carrying `value`, for key checking. */
function setNameToObject(name: string, value: unknown): Record<string, unknown> {
  const parts: (string | number)[] = [];
  let cur = "";
  for (let i = 0; i < name.length; i++) {
    const c = name[i];
    if (c === "\\" && i + 1 < name.length) {
      cur += name[++i];
    } else if (c === ".") {
      if (cur) parts.push(cur);
      cur = "";
    } else if (c === "[") {
      if (cur) parts.push(cur);
      cur = "";
      const end = name.indexOf("]", i);
      parts.push(Number(name.slice(i + 1, end)));
      i = end;
    } else {
      cur += c;
    }
  }
  if (cur) parts.push(cur);
  let v: unknown = value;
  for (let i = parts.length - 1; i >= 0; i--) {
    const p = parts[i];
    if (typeof p === "number") {
      const arr: unknown[] = [];
      arr[p] = v;
      v = arr;
    } else {
      v = { [p]: v };
    }
  }
  return (isPlainObject(v) ? v : {}) as Record<string, unknown>;
}

export interface HelmReleaseValues {
  address: string;
  chart: string;
  version: string;
  /** decoded `values` entries, in order */
  values: object[];
  /** `set` / `set_sensitive` entries as nested objects (Helm's `a.b\.c[0]` name syntax), in order */
  set: object[];
}

function decodeValuesEntry(entry: unknown, address: string, index: number): object {
  let v: unknown;
  if (typeof entry === "string" && /^\$\{\s*(yamlencode|jsonencode)\(/.test(entry)) {
    v = decodeTerraformEncodeCall(entry);
  } else if (typeof entry === "string") {
    v = YAML.parse(entry);
  } else {
    v = entry;
  }
  if (v === null || v === undefined) return {};
  if (!isPlainObject(v)) {
    throw new Error(`${address}: values[${index}] is not a literal map (${show(v)}); it cannot be checked`);
  }
  return v;
}

/** Every `resource.helm_release.<name>` with its `values` list decoded. */
export function helmReleaseValues(synthJson: string | object): HelmReleaseValues[] {
  return resourcesOfType(parseSynth(synthJson), "helm_release").map(([name, body]) => {
    const address = `helm_release.${name}`;
    const rawValues = body.values ?? [];
    if (!Array.isArray(rawValues)) throw new Error(`${address}: values is not a list (${show(rawValues)})`);
    const set: object[] = [];
    for (const key of ["set", "set_sensitive"]) {
      const entries = body[key] ?? [];
      if (!Array.isArray(entries)) throw new Error(`${address}: ${key} is not a list (${show(entries)})`);
      for (const s of entries as { name?: unknown; value?: unknown }[]) {
        if (typeof s?.name === "string") set.push(setNameToObject(s.name, s.value));
      }
    }
    return {
      address,
      chart: String(body.chart ?? ""),
      version: String(body.version ?? ""),
      values: rawValues.map((entry, i) => decodeValuesEntry(entry, address, i)),
      set,
    };
  });
}

/**
 * Checks every helm_release: its chart must be in `chartFiles` (chart name -> `helm-values/` file) and every
 * key it sets (`values` and `set`) must exist in that chart's defaults. `allowed` maps chart name -> key
 * paths accepted anyway (see helmValueKeyErrors).
 */
export function checkHelmReleases(
  synthJson: string | object,
  chartFiles: Record<string, string>,
  allowed: Record<string, string[]> = {},
): string[] {
  const errors: string[] = [];
  for (const rel of helmReleaseValues(synthJson)) {
    const file = chartFiles[rel.chart];
    if (!file) {
      errors.push(`${rel.address}: chart "${rel.chart}" has no values file mapping (known: ${Object.keys(chartFiles).join(", ") || "none"})`);
      continue;
    }
    for (const v of [...rel.values, ...rel.set]) {
      for (const e of helmValueKeyErrors(file, v, allowed[rel.chart] ?? [])) errors.push(`${rel.address}: ${e}`);
    }
  }
  return [...new Set(errors)];
}
