import { apiDocProblems } from "./check-api-docs";

describe("apiDocProblems", () => {
  test("reports undocumented types and members, optional props without @default, constructs without @example", () => {
    const problems = apiDocProblems({
      types: {
        "x.Props": { fqn: "x.Props", kind: "interface", datatype: true, docs: { summary: "Props." }, properties: [
          { name: "a", optional: true, docs: { summary: "A." } },
          { name: "b", docs: {} },
        ] },
        "x.Thing": { fqn: "x.Thing", kind: "class", base: "constructs.Construct", docs: { summary: "A thing." }, methods: [{ name: "go" }] },
        "x.Enum": { fqn: "x.Enum", kind: "enum", members: [{ name: "ONE", docs: { summary: "One." } }] },
      },
    });
    expect(problems.sort()).toEqual(
      [
        "x.Enum: no doc comment",
        "x.Props#a: optional prop without @default",
        "x.Props#b: no doc comment",
        "x.Thing#go: no doc comment",
        "x.Thing: construct without @example",
      ].sort(),
    );
  });

  test("a fully documented assembly has no problems", () => {
    expect(
      apiDocProblems({
        types: {
          "x.Thing": { fqn: "x.Thing", kind: "class", base: "constructs.Construct", docs: { summary: "A thing.", example: "new Thing()" } },
        },
      }),
    ).toEqual([]);
  });
});
