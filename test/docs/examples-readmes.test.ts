import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { App } from "cdktf";
import { buildAllExamples, summarize, StackSummary } from "../../examples/synth";
import { readDoc } from "./markdown";

/**
 * The example READMEs against what their programs synthesize: the stacks they list and deploy, the
 * warnings they quote, and how the programs import Strata.
 */
const EXAMPLES = ["aws", "gcp", "hybrid", "onprem"];
let rows: StackSummary[] = [];

beforeAll(() => {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), "strata-example-readmes-"));
  try {
    const app = new App({ outdir });
    buildAllExamples(app);
    app.synth();
    rows = summarize(outdir);
  } finally {
    fs.rmSync(outdir, { recursive: true, force: true });
  }
});

describe.each(EXAMPLES)("examples/%s/README.md", (example) => {
  const readme = readDoc(`examples/${example}/README.md`);
  const main = readDoc(`examples/${example}/main.ts`);

  test("lists and deploys exactly the example's stacks", () => {
    const stacks = rows.map((r) => r.stack).filter((s) => s.startsWith(`${example}-`));
    expect(stacks).toHaveLength(3);
    const section = readme.slice(readme.indexOf("## Stacks"), readme.indexOf("\n## ", readme.indexOf("## Stacks") + 1));
    const listed = [...section.matchAll(/^\| `([a-z]+-[a-z]+)` \|/gm)].map((m) => m[1]);
    expect(listed).toEqual(stacks);
    const deploy = readme.match(/^npx cdktf deploy (.*)$/m)?.[1].split(" ");
    expect(deploy).toEqual(stacks);
  });

  test("main.ts imports strata-ai-infra as a user's code would, and the README says so", () => {
    expect(main).toMatch(/^import \{ compute, core(, data)?(, model)? \} from "strata-ai-infra";$/m);
    expect(main).not.toMatch(/from "\.\.?\//);
    expect(readme).not.toContain("../../lib");
  });

  test("quotes exactly the warnings its stacks print", () => {
    const printed = rows.filter((r) => r.stack.startsWith(`${example}-`)).flatMap((r) => r.warnings.map((w) => `[strata] Warning: ${w}`));
    const quoted = readme.split("\n").filter((l) => l.startsWith("[strata] Warning: "));
    expect(quoted).toEqual(printed);
  });
});
