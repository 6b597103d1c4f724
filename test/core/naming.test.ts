import { Construct } from "constructs";
import { Fn, Lazy } from "cdktf";
import { Naming, NamingRule, validateName } from "../../lib/core/naming";
import { bareStack } from "../support/synth";

const strToken = () => Fn.lower(Lazy.stringValue({ produce: () => "X" }));
const valid = (rule: NamingRule, value: string) => expect(Naming.problem(rule, value)).toBeUndefined();
const problem = (rule: NamingRule, value: string) => Naming.problem(rule, value);

describe("Naming.problem", () => {
  describe("S3_BUCKET", () => {
    const R = NamingRule.S3_BUCKET;

    it.each(["abc", "my-bucket", "my.bucket.name", "a1b", "123", "a".repeat(63), "x-n--abc", "my-s3alias-bucket", "acme-ml-lake"])(
      "accepts %p",
      (v) => valid(R, v),
    );

    it.each([
      ["ab", "must be 3 to 63 characters long (got 2)"],
      ["", "must be 3 to 63 characters long (got 0)"],
      ["a".repeat(64), "must be 3 to 63 characters long (got 64)"],
    ])("rejects length of %p", (v, msg) => expect(problem(R, v)).toBe(msg));

    const chars =
      "must contain only lowercase letters, digits, dots and hyphens, and start and end with a letter or digit";
    it.each(["My-Bucket", "my_bucket", "my bucket", "-bucket", "bucket-", ".bucket", "bucket.", "bücket"])(
      "rejects characters or ends of %p",
      (v) => expect(problem(R, v)).toBe(chars),
    );

    it("rejects two adjacent dots", () => {
      expect(problem(R, "my..bucket")).toBe("must not contain two adjacent dots");
    });

    it.each(["192.168.5.4", "10.0.0.1", "999.999.999.999"])("rejects IP-formatted %p", (v) => {
      expect(problem(R, v)).toBe("must not be formatted as an IP address");
    });

    it("accepts names that only look partly like an IP", () => {
      valid(R, "192.168.5.4.backup");
      valid(R, "192.168.5");
    });

    it.each([
      ["xn--bucket", "xn--"],
      ["sthree-bucket", "sthree-"],
      ["sthree-configurator", "sthree-"],
      ["amzn-s3-demo-bucket", "amzn-s3-demo-"],
    ])("rejects the reserved prefix of %p", (v, prefix) => {
      expect(problem(R, v)).toBe(`must not start with the reserved prefix "${prefix}"`);
    });

    it.each([
      ["bucket-s3alias", "-s3alias"],
      ["bucket--ol-s3", "--ol-s3"],
      ["bucket.mrap", ".mrap"],
      ["bucket--x-s3", "--x-s3"],
      ["bucket--table-s3", "--table-s3"],
    ])("rejects the reserved suffix of %p", (v, suffix) => {
      expect(problem(R, v)).toBe(`must not end with the reserved suffix "${suffix}"`);
    });
  });

  describe("GCS_BUCKET", () => {
    const R = NamingRule.GCS_BUCKET;
    const component = "a".repeat(63);

    it.each(["abc", "my_bucket", "my-bucket", "my.bucket", "a".repeat(63), "0ab"])("accepts %p", (v) => valid(R, v));

    it("accepts dotted names up to 222 characters with components of at most 63", () => {
      const name = [component, component, component, "a".repeat(30)].join("."); // 63*3 + 30 + 3 dots = 222
      expect(name).toHaveLength(222);
      valid(R, name);
    });

    it("rejects dotted names longer than 222", () => {
      const name = [component, component, component, "a".repeat(31)].join(".");
      expect(problem(R, name)).toBe("must be 3 to 222 characters long (got 223)");
    });

    it("rejects undotted names longer than 63", () => {
      expect(problem(R, "a".repeat(64))).toBe("must be 3 to 63 characters long (got 64)");
    });

    it("rejects a dot-separated component longer than 63", () => {
      expect(problem(R, `${"a".repeat(64)}.com`)).toBe("each dot-separated component must be 1 to 63 characters long");
    });

    it("rejects an empty component (two adjacent dots)", () => {
      expect(problem(R, "my..bucket")).toBe("each dot-separated component must be 1 to 63 characters long");
    });

    it.each([
      ["ab", "must be 3 to 63 characters long (got 2)"],
      ["a", "must be 3 to 63 characters long (got 1)"],
      ["", "must be 3 to 63 characters long (got 0)"],
    ])("rejects the length of %p with a length message", (v, msg) => {
      expect(problem(R, v)).toBe(msg);
    });

    const chars = "must contain only lowercase letters, digits, '-', '_' and '.', and start and end with a letter or digit";
    it.each(["My-Bucket", "_bucket", "bucket_", "-bucket", "bucket.", "my bucket", "my/bucket"])(
      "rejects characters or ends of %p",
      (v) => expect(problem(R, v)).toBe(chars),
    );

    it("rejects IP-formatted names", () => {
      expect(problem(R, "192.168.5.4")).toBe("must not be formatted as an IP address");
    });

    it.each(["goog", "googbucket", "goog-data", "google"])("rejects the goog prefix of %p", (v) => {
      expect(problem(R, v)).toBe('must not start with "goog"');
    });

    it.each(["my-google-bucket", "g00gle-data", "data-go0gle", "data-goog1e", "xg0ogle"])(
      "rejects google or a close misspelling in %p",
      (v) => expect(problem(R, v)).toBe('must not contain "google" or a close misspelling of it'),
    );

    it("accepts names that merely contain goo or gle", () => {
      valid(R, "mygoo-gle");
      valid(R, "a-goog");
    });
  });

  describe("EKS_CLUSTER", () => {
    const R = NamingRule.EKS_CLUSTER;
    it.each(["a", "1", "ML-Prod", "ml_prod", "a".repeat(100), "9lives"])("accepts %p", (v) => valid(R, v));

    it.each([
      ["", "must be 1 to 100 characters long (got 0)"],
      ["a".repeat(101), "must be 1 to 100 characters long (got 101)"],
    ])("rejects the length of %p", (v, msg) => expect(problem(R, v)).toBe(msg));

    it.each(["-ml", "_ml", "ml.prod", "ml prod", "ml/prod"])("rejects %p", (v) => {
      expect(problem(R, v)).toBe("must contain only letters, digits, '-' and '_', and start with a letter or digit");
    });
  });

  describe("GKE_CLUSTER", () => {
    const R = NamingRule.GKE_CLUSTER;
    it.each(["a", "ml-prod", "a1", "a".repeat(40)])("accepts %p", (v) => valid(R, v));

    it.each([
      ["", "must be 1 to 40 characters long (got 0)"],
      ["a".repeat(41), "must be 1 to 40 characters long (got 41)"],
    ])("rejects the length of %p", (v, msg) => expect(problem(R, v)).toBe(msg));

    it.each(["1ml", "ML", "ml_prod", "ml-", "-ml", "ml.prod"])("rejects %p", (v) => {
      expect(problem(R, v)).toBe(
        "must contain only lowercase letters, digits and '-', start with a letter and end with a letter or digit",
      );
    });
  });

  describe("DNS1123_LABEL", () => {
    const R = NamingRule.DNS1123_LABEL;
    it.each(["a", "1", "serving", "my-ns-1", "0abc", "a".repeat(63)])("accepts %p", (v) => valid(R, v));

    it.each([
      ["", "must be 1 to 63 characters long (got 0)"],
      ["a".repeat(64), "must be 1 to 63 characters long (got 64)"],
    ])("rejects the length of %p", (v, msg) => expect(problem(R, v)).toBe(msg));

    it.each(["Serving", "my_ns", "my.ns", "-ns", "ns-", "my ns"])("rejects %p", (v) => {
      expect(problem(R, v)).toBe(
        "must be a DNS-1123 label: lowercase letters, digits and '-', starting and ending with a letter or digit",
      );
    });
  });

  describe("DNS1123_SUBDOMAIN", () => {
    const R = NamingRule.DNS1123_SUBDOMAIN;
    it.each(["a", "my.service.account", "a-b.c-d", "x".repeat(253), `${"a".repeat(100)}.${"b".repeat(100)}`])(
      "accepts %p",
      (v) => valid(R, v),
    );

    it.each([
      ["", "must be 1 to 253 characters long (got 0)"],
      ["x".repeat(254), "must be 1 to 253 characters long (got 254)"],
    ])("rejects the length of %p", (v, msg) => expect(problem(R, v)).toBe(msg));

    it.each(["a..b", ".a", "a.", "A.b", "a_b", "a.-b", "a-.b"])("rejects %p", (v) => {
      expect(problem(R, v)).toBe("must be a DNS-1123 subdomain: dot-separated lowercase labels of letters, digits and '-'");
    });
  });

  describe("GCP_LABEL_VALUE", () => {
    const R = NamingRule.GCP_LABEL_VALUE;
    it.each(["", "prod", "cc-1234", "a_b", "-leading-ok", "1", "a".repeat(63)])("accepts %p", (v) => valid(R, v));

    it("rejects more than 63 characters", () => {
      expect(problem(R, "a".repeat(64))).toBe("must be at most 63 characters long (got 64)");
    });

    it.each(["Prod", "ml platform", "a.b", "a/b", "a:b"])("rejects %p", (v) => {
      expect(problem(R, v)).toBe("must contain only lowercase letters, digits, '_' and '-'");
    });
  });

  it("ignores unresolved tokens for every rule", () => {
    for (const rule of Object.values(NamingRule)) {
      expect(Naming.problem(rule, strToken())).toBeUndefined();
      expect(Naming.problem(rule, `Not_Valid-${strToken()}`)).toBeUndefined();
    }
  });

  it("reports an unknown rule", () => {
    expect(Naming.problem("NOPE" as NamingRule, "abc")).toBe("unknown naming rule NOPE");
  });
});

describe("Naming.kserveHostProblem", () => {
  // `<name>-transformer-<namespace>` must fit in one 63-character DNS label: name + namespace <= 50.
  it("accepts name and namespace that together are at most 50 characters", () => {
    expect(Naming.kserveHostProblem("a".repeat(25), "b".repeat(25))).toBeUndefined();
    expect(Naming.kserveHostProblem("llm", "serving")).toBeUndefined();
  });

  it("rejects a host label longer than 63 characters, quoting the host", () => {
    const name = "a".repeat(26);
    const ns = "b".repeat(25);
    expect(Naming.kserveHostProblem(name, ns)).toBe(
      `makes the KServe host label "${name}-transformer-${ns}" 64 characters long; name and namespace together must be at most 50 characters`,
    );
  });

  it("reports an invalid name before the host length", () => {
    expect(Naming.kserveHostProblem("Bad_Name", "serving")).toBe(
      "must be a DNS-1123 label: lowercase letters, digits and '-', starting and ending with a letter or digit",
    );
  });

  it("reports an invalid namespace", () => {
    expect(Naming.kserveHostProblem("llm", "Serving")).toBe(
      "namespace must be a DNS-1123 label: lowercase letters, digits and '-', starting and ending with a letter or digit",
    );
  });

  it("ignores tokens in the name or the namespace", () => {
    expect(Naming.kserveHostProblem(strToken(), "b".repeat(60))).toBeUndefined();
    expect(Naming.kserveHostProblem("a".repeat(60), strToken())).toBeUndefined();
  });
});

describe("validateName", () => {
  const scope = new Construct(bareStack(), "Bucket");

  it("passes valid names and tokens", () => {
    expect(() => validateName(scope, "bucketName", "acme-lake", NamingRule.S3_BUCKET)).not.toThrow();
    expect(() => validateName(scope, "bucketName", strToken(), NamingRule.S3_BUCKET)).not.toThrow();
  });

  it("throws the standard error with the rule's problem", () => {
    expect(() => validateName(scope, "bucketName", "Acme", NamingRule.S3_BUCKET)).toThrow(
      new Error(
        'infra/Bucket: invalid bucketName "Acme": must contain only lowercase letters, digits, dots and hyphens, and start and end with a letter or digit',
      ),
    );
  });

  it("rejects undefined as required", () => {
    expect(() => validateName(scope, "bucketName", undefined, NamingRule.S3_BUCKET)).toThrow(
      new Error("infra/Bucket: invalid bucketName undefined: is required"),
    );
  });
});
