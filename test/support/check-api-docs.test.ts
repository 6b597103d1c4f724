import { apiDocProblems, reservedWordProblems } from "./check-api-docs";

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

describe("reservedWordProblems", () => {
  const assembly = (props: string[], params: string[] = []) => ({
    types: {
      "x.Props": { fqn: "x.Props", kind: "interface", properties: props.map((name) => ({ name })) },
      "x.Thing": { fqn: "x.Thing", kind: "class", methods: [{ name: "addThing", parameters: params.map((name) => ({ name })) }] },
    },
  });

  test("accepts the C# keywords namespace and operator, the Kubernetes names the build's silenced JSII5018 is for", () => {
    expect(reservedWordProblems(assembly(["namespace", "operator", "name"], ["namespace"]))).toEqual([]);
  });

  test("reports any other reserved word of a jsii target language, in a prop or a parameter", () => {
    expect(reservedWordProblems(assembly(["lambda", "namespace"], ["default", "type"]))).toEqual([
      'x.Props#lambda: "lambda" is a reserved word in Python',
      'x.Thing#addThing(default): "default" is a reserved word in C#, Java, Go',
      'x.Thing#addThing(type): "type" is a reserved word in Go',
    ]);
  });

  test("an accepted word is reported in a language it is not accepted for", () => {
    const languages = (name: string) => (name === "namespace" ? ["C#", "Python"] : []);
    expect(reservedWordProblems(assembly(["namespace"]), languages)).toEqual(['x.Props#namespace: "namespace" is a reserved word in Python']);
  });
});
