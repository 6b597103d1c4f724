import { Construct } from "constructs";
import { App, Fn, Lazy, Token } from "cdktf";
import {
  AWS_REGIONS,
  GCP_REGIONS,
  GCP_ZONE_PATTERN,
  parseGcpLocation,
  validateAnnotations,
  validateAwsPartition,
  validateAwsRegion,
  validateBoolean,
  validateChartRepository,
  validateEnum,
  validateGcpProjectId,
  validateGcpRegion,
  validateGcpZone,
  validateHelmChartVersion,
  validateGcpLocation,
  validateIamPrincipalArn,
  validateIamRoleArn,
  validateInteger,
  validateKmsKeyArn,
  validateLabelKey,
  validateLabels,
  validateLabelValue,
  validateList,
  validateNamespaceName,
  validateNumber,
  validateObjectName,
  validateRecord,
  validateStringList,
  validateTaintKey,
  validateUniqueList,
  validateUrlWithoutPath,
} from "../../lib/core/validation";
import { bareStack } from "../support/synth";

/** The helpers for untyped callers, Kubernetes syntax, clouds, Helm and URLs (lib/core/validation.ts). */

enum Mode {
  POD_IDENTITY = "pod-identity",
  IRSA = "irsa",
}

const strToken = () => Fn.lower(Lazy.stringValue({ produce: () => "X" }));
const listToken = () => Token.asList(Lazy.anyValue({ produce: () => ["a"] }));

const stack = bareStack();
const scope = new Construct(stack, "Thing");

/** Expects `fn` to throw exactly `infra/Thing: invalid <prop> <json value>: <allowed>`. */
function expectInvalid(fn: () => void, prop: string, value: unknown, allowed: string): void {
  expect(fn).toThrow(new Error(`infra/Thing: invalid ${prop} ${JSON.stringify(value)}: ${allowed}`));
}

describe("untyped callers", () => {
  it("validateList: a string where a list is expected is the standard error, not a TypeError", () => {
    expectInvalid(() => validateList(scope, "subnetIds", "subnet-a"), "subnetIds", "subnet-a", "must be a list, not a string");
    expectInvalid(() => validateList(scope, "subnetIds", { a: 1 }), "subnetIds", { a: 1 }, "must be a list, not an object");
    expect(() => validateList(scope, "subnetIds", ["a"])).not.toThrow();
    expect(() => validateList(scope, "subnetIds", listToken())).not.toThrow();
    expect(() => validateList(scope, "subnetIds", undefined)).not.toThrow();
  });

  it("validateList and validateStringList: an example list in the message when given", () => {
    expectInvalid(() => validateList(scope, "webhookPorts", 9443, "[8443, 9443]"), "webhookPorts", 9443, "must be a list such as [8443, 9443], not a number");
    expectInvalid(() => validateStringList(scope, "subnetIds", "subnet-a", '["subnet-1"]'), "subnetIds", "subnet-a", 'must be a list such as ["subnet-1"], not a string');
  });

  it("validateStringList: every entry a string", () => {
    expectInvalid(() => validateStringList(scope, "zones", ["a", 3]), "zones[1]", 3, "must be a string, not a number");
    expect(() => validateStringList(scope, "zones", ["a", strToken()])).not.toThrow();
  });

  it("validateEnum: exact values; the message lists the members, and says when only the case is wrong", () => {
    const members = 'must be one of Mode.POD_IDENTITY ("pod-identity"), Mode.IRSA ("irsa")';
    expectInvalid(() => validateEnum(scope, "identityMode", "IRSA", Mode, "Mode"), "identityMode", "IRSA", `${members} (values are case-sensitive)`);
    expectInvalid(() => validateEnum(scope, "identityMode", "Pod-Identity", Mode, "Mode"), "identityMode", "Pod-Identity", `${members} (values are case-sensitive)`);
    expectInvalid(
      () => validateEnum(scope, "identityMode", "POD_IDENTITY", Mode, "Mode"),
      "identityMode",
      "POD_IDENTITY",
      `${members} ("POD_IDENTITY" names the member Mode.POD_IDENTITY; give its value "pod-identity")`,
    );
    expectInvalid(() => validateEnum(scope, "identityMode", "oidc", Mode, "Mode"), "identityMode", "oidc", members);
    expectInvalid(() => validateEnum(scope, "identityMode", 1, Mode, "Mode"), "identityMode", 1, members);
    expect(() => validateEnum(scope, "identityMode", Mode.IRSA, Mode, "Mode")).not.toThrow();
    expect(() => validateEnum(scope, "identityMode", undefined, Mode, "Mode")).not.toThrow();
  });

  it("validateBoolean, validateNumber, validateInteger: no coercion of strings", () => {
    expectInvalid(() => validateBoolean(scope, "enabled", "false"), "enabled", "false", "must be true or false, not a string");
    expectInvalid(() => validateNumber(scope, "ratio", "3"), "ratio", "3", "must be a number, not a string");
    expectInvalid(() => validateInteger(scope, "replicas", "3" as any, 1, 10), "replicas", "3", "must be an integer from 1 to 10, not a string");
    expect(() => validateBoolean(scope, "enabled", false)).not.toThrow();
    expect(() => validateNumber(scope, "ratio", 0.5)).not.toThrow();
  });

  it("validateRecord: a plain object of strings", () => {
    expectInvalid(() => validateRecord(scope, "labels", ["a"]), "labels", ["a"], "must be an object of string keys and string values, not a list");
    expectInvalid(() => validateRecord(scope, "labels", { team: 1 }), 'labels["team"]', 1, "must be a string, not a number");
    expect(() => validateRecord(scope, "labels", { team: "ml" })).not.toThrow();
  });

  it("validateUniqueList: names the duplicate and its first occurrence", () => {
    expectInvalid(
      () => validateUniqueList(scope, "subnetIds", ["subnet-a", "subnet-b", "subnet-a"]),
      "subnetIds[2]",
      "subnet-a",
      "is a duplicate of subnetIds[0]; list each entry once",
    );
    expect(() => validateUniqueList(scope, "subnetIds", ["subnet-a", strToken(), strToken()])).not.toThrow();
  });
});

describe("Kubernetes syntax", () => {
  const KEY =
    "must be an optional DNS subdomain prefix (at most 253 characters) and '/', then a name of 1 to 63 characters " +
    "that starts and ends with a letter or digit and has only letters, digits, '-', '_' and '.' inside (e.g. \"example.com/team\")";
  const VALUE =
    "must be empty or at most 63 characters that start and end with a letter or digit and have only letters, digits, '-', '_' and '.' inside";

  it.each(["team", "app.kubernetes.io/name", "nvidia.com/gpu", "A_b.c-D", "example.com/" + "a".repeat(63)])("accepts the key %p", (key) => {
    expect(() => validateLabelKey(scope, "key", key)).not.toThrow();
  });

  it("rejects label keys with a bad name, prefix or too many slashes", () => {
    expectInvalid(() => validateLabelKey(scope, "key", "-team"), "key", "-team", KEY);
    expectInvalid(() => validateLabelKey(scope, "key", "team name"), "key", "team name", KEY);
    expectInvalid(() => validateLabelKey(scope, "key", "a".repeat(64)), "key", "a".repeat(64), `${KEY}; the name part is 64 characters long`);
    expectInvalid(() => validateLabelKey(scope, "key", "Example.com/team"), "key", "Example.com/team", `${KEY}; the prefix "Example.com" is not a lowercase DNS subdomain of at most 253 characters`);
    expectInvalid(() => validateLabelKey(scope, "key", "a/b/c"), "key", "a/b/c", `${KEY}; it has more than one '/'`);
    expectInvalid(() => validateLabelKey(scope, "key", "example.com/"), "key", "example.com/", `${KEY}; the name part is 0 characters long`);
  });

  it("label values: may be empty, at most 63 characters", () => {
    expect(() => validateLabelValue(scope, "value", "")).not.toThrow();
    expect(() => validateLabelValue(scope, "value", "v1.2_3-x")).not.toThrow();
    expectInvalid(() => validateLabelValue(scope, "value", "a".repeat(64)), "value", "a".repeat(64), VALUE);
    expectInvalid(() => validateLabelValue(scope, "value", "ml/team"), "value", "ml/team", VALUE);
  });

  it("validateLabels checks keys and values; validateAnnotations keys and total size", () => {
    expectInvalid(() => validateLabels(scope, "labels", { "bad key": "x" }), "labels key", "bad key", KEY);
    expectInvalid(() => validateLabels(scope, "labels", { team: "ml team" }), 'labels["team"]', "ml team", VALUE);
    expect(() => validateAnnotations(scope, "annotations", { "example.com/note": "any text / at all" })).not.toThrow();
    expectInvalid(() => validateAnnotations(scope, "annotations", { "bad key": "x" }), "annotations key", "bad key", KEY);
    expectInvalid(
      () => validateAnnotations(scope, "annotations", { big: "x".repeat(256 * 1024) }),
      "annotations",
      `${256 * 1024 + 3} bytes`,
      "keys and values together must be at most 262144 bytes (256 KiB)",
    );
  });

  it("taint keys use label-key syntax", () => {
    expect(() => validateTaintKey(scope, "taint key", "nvidia.com/gpu")).not.toThrow();
    expectInvalid(() => validateTaintKey(scope, "taint key", "nvidia.com/gpu/x"), "taint key", "nvidia.com/gpu/x", `${KEY}; it has more than one '/'`);
  });

  it("namespace names are DNS-1123 labels, object names DNS-1123 subdomains", () => {
    const NS =
      "must be a namespace name: a DNS-1123 label of 1 to 63 lowercase letters, digits and '-', starting and ending with a letter or digit";
    expectInvalid(() => validateNamespaceName(scope, "namespace", "ML-Serving"), "namespace", "ML-Serving", NS);
    expectInvalid(() => validateNamespaceName(scope, "namespace", "a.b"), "namespace", "a.b", NS);
    expectInvalid(() => validateNamespaceName(scope, "namespace", "n".repeat(64)), "namespace", "n".repeat(64), NS);
    expectInvalid(() => validateNamespaceName(scope, "namespace", ["a"]), "namespace", ["a"], "is required and must be a namespace name (a string), not a list");
    expect(() => validateNamespaceName(scope, "namespace", strToken())).not.toThrow();
    expect(() => validateObjectName(scope, "name", "a.b-c")).not.toThrow();
    expectInvalid(
      () => validateObjectName(scope, "name", "a_b"),
      "name",
      "a_b",
      "must be a Kubernetes object name: a DNS-1123 subdomain of 1 to 253 characters, dot-separated lowercase labels of letters, digits and '-'",
    );
  });
});

describe("AWS", () => {
  it("knows the commercial, China and GovCloud regions", () => {
    for (const region of ["us-east-1", "eu-central-2", "cn-northwest-1", "us-gov-west-1"]) {
      expect(() => validateAwsRegion(scope, "region", region)).not.toThrow();
    }
    expect(AWS_REGIONS["aws-cn"]).toEqual(["cn-north-1", "cn-northwest-1"]);
  });

  it("rejects a zone, a malformed name and an unknown region (saying the list may be out of date)", () => {
    expectInvalid(() => validateAwsRegion(scope, "region", "us-east-1a"), "region", "us-east-1a", 'is an availability zone; give its region ("us-east-1")');
    expectInvalid(() => validateAwsRegion(scope, "region", "useast1"), "region", "useast1", 'must be an AWS region such as "us-east-1"');
    expectInvalid(
      () => validateAwsRegion(scope, "region", "us-east-9"),
      "region",
      "us-east-9",
      "is not an AWS region Strata knows (its list is dated 2025-11-01 and may be out of date); check the spelling, or if AWS " +
        'has opened this region since, accept it with the app context key "strata:extraAwsRegions": ["us-east-9"] (cdktf.json "context")',
    );
  });

  it("accepts a new region through the strata:extraAwsRegions context key", () => {
    const app = new App({ context: { "strata:extraAwsRegions": ["us-east-9"] } });
    const s = bareStack(app, "infra");
    expect(() => validateAwsRegion(s, "region", "us-east-9")).not.toThrow();
  });

  it("partitions", () => {
    expect(() => validateAwsPartition(scope, "partition", "aws-us-gov")).not.toThrow();
    expectInvalid(
      () => validateAwsPartition(scope, "partition", "AWS"),
      "partition",
      "AWS",
      'must be an AWS partition: "aws", "aws-cn", "aws-us-gov", "aws-iso", "aws-iso-b", "aws-iso-e", "aws-iso-f", "aws-eusc"',
    );
  });

  it("KMS key ARNs: aliases, alias ARNs and bare key ids rejected with the reason", () => {
    const KEY = "must be a KMS key ARN: arn:<partition>:kms:<region>:<account>:key/<id>";
    const WHY = "IAM policies and key grants name a key only by its key ARN, so a statement on anything else allows nothing";
    for (const ok of [
      "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab",
      "arn:aws-cn:kms:cn-north-1:123456789012:key/mrk-1234abcd12ab34cd56ef1234567890ab",
    ]) {
      expect(() => validateKmsKeyArn(scope, "kmsKeyArn", ok)).not.toThrow();
    }
    const aliasWhy = `is a KMS alias; ${KEY} (${WHY}; look the key up with the aws_kms_alias data source's target_key_arn)`;
    expectInvalid(() => validateKmsKeyArn(scope, "kmsKeyArn", "alias/lake"), "kmsKeyArn", "alias/lake", aliasWhy);
    expectInvalid(
      () => validateKmsKeyArn(scope, "kmsKeyArn", "arn:aws:kms:us-east-1:123456789012:alias/lake"),
      "kmsKeyArn",
      "arn:aws:kms:us-east-1:123456789012:alias/lake",
      aliasWhy,
    );
    expectInvalid(
      () => validateKmsKeyArn(scope, "kmsKeyArn", "1234abcd-12ab-34cd-56ef-1234567890ab"),
      "kmsKeyArn",
      "1234abcd-12ab-34cd-56ef-1234567890ab",
      `is a bare key id; ${KEY} (${WHY})`,
    );
    expectInvalid(
      () => validateKmsKeyArn(scope, "kmsKeyArn", "arn:amazon:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"),
      "kmsKeyArn",
      "arn:amazon:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab",
      `has an unknown partition "amazon"; ${KEY}`,
    );
    expect(() => validateKmsKeyArn(scope, "kmsKeyArn", strToken())).not.toThrow();
  });

  it("IAM role ARNs", () => {
    expect(() => validateIamRoleArn(scope, "roleArn", "arn:aws:iam::123456789012:role/ci/deployer")).not.toThrow();
    const allowed = "must be an IAM role ARN: arn:<partition>:iam::<12-digit account>:role/[<path>/]<name>";
    expectInvalid(() => validateIamRoleArn(scope, "roleArn", "arn:aws:iam::123456789012:user/bob"), "roleArn", "arn:aws:iam::123456789012:user/bob", allowed);
    expectInvalid(() => validateIamRoleArn(scope, "roleArn", "deployer"), "roleArn", "deployer", allowed);
  });
});

describe("Helm and URLs", () => {
  const VERSION = 'must be an exact chart version such as "1.14.1" or "v26.7.0" (SemVer); "latest", ranges and partial versions are not pinned';
  it.each(["1.14.1", "v26.7.0", "0.19.2", "1.0.0-rc.1", "2.3.4+build.5"])("accepts the chart version %p", (v) => {
    expect(() => validateHelmChartVersion(scope, "version", v)).not.toThrow();
  });
  it.each(["latest", "^1.2.0", "~1.2", ">=1.0.0", "1.x", "*", "1.2", "", "01.2.3"])("rejects the chart version %p", (v) => {
    expectInvalid(() => validateHelmChartVersion(scope, "version", v), "version", v, VERSION);
  });

  it("chart repositories need https:// or oci://", () => {
    const allowed =
      'must be a chart repository URL starting with "https://" or "oci://", e.g. "https://helm.ngc.nvidia.com/nvidia" or "oci://public.ecr.aws/karpenter"';
    expect(() => validateChartRepository(scope, "repository", "oci://registry.k8s.io/kueue/charts")).not.toThrow();
    expectInvalid(() => validateChartRepository(scope, "repository", "helm.ngc.nvidia.com/nvidia"), "repository", "helm.ngc.nvidia.com/nvidia", allowed);
    expectInvalid(
      () => validateChartRepository(scope, "repository", "http://charts.example.com"),
      "repository",
      "http://charts.example.com",
      `${allowed} (plain http lets the chart be altered in transit)`,
    );
  });

  it("endpoints without a path", () => {
    expect(() => validateUrlWithoutPath(scope, "endpoint", "https://minio.storage.svc:9000")).not.toThrow();
    expect(() => validateUrlWithoutPath(scope, "endpoint", "http://10.0.0.5:9000", true)).not.toThrow();
    expectInvalid(
      () => validateUrlWithoutPath(scope, "endpoint", "https://minio.example.com/ml-lake"),
      "endpoint",
      "https://minio.example.com/ml-lake",
      "must be https://<host>[:<port>] with no path, query or trailing '/' (the bucket is a separate prop)",
    );
    expectInvalid(
      () => validateUrlWithoutPath(scope, "endpoint", "http://minio:9000"),
      "endpoint",
      "http://minio:9000",
      "must use https; set allowInsecureHttp: true to accept plain http",
    );
    expectInvalid(() => validateUrlWithoutPath(scope, "endpoint", "minio:9000"), "endpoint", "minio:9000", "must be an https URL such as https://minio.storage.svc:9000");
    expectInvalid(() => validateUrlWithoutPath(scope, "endpoint", "https://minio:99999"), "endpoint", "https://minio:99999", "must have a port from 1 to 65535");
  });
});

describe("GCP", () => {
  const PROJECT = "must be a Google Cloud project id: 6 to 30 lowercase letters, digits and '-', starting with a letter";
  it("project ids: display names and project numbers get their own message", () => {
    expect(() => validateGcpProjectId(scope, "project", "acme-ml")).not.toThrow();
    expect(() => validateGcpProjectId(scope, "project", "example.com:acme-ml")).not.toThrow();
    expectInvalid(
      () => validateGcpProjectId(scope, "project", "Acme ML Platform"),
      "project",
      "Acme ML Platform",
      `looks like a project display name; ${PROJECT} (see "gcloud projects list", column PROJECT_ID)`,
    );
    expectInvalid(() => validateGcpProjectId(scope, "project", "123456789012"), "project", "123456789012", `is a project number; ${PROJECT} (the project id, not its number)`);
    expectInvalid(() => validateGcpProjectId(scope, "project", "acme"), "project", "acme", PROJECT);
  });

  it("regions: a zone where a region belongs, unknown regions, the context escape hatch", () => {
    expect(GCP_REGIONS).toContain("us-central1");
    expect(() => validateGcpRegion(scope, "region", "europe-west4")).not.toThrow();
    expectInvalid(() => validateGcpRegion(scope, "region", "us-central1-a"), "region", "us-central1-a", 'is a zone; give its region ("us-central1")');
    expectInvalid(
      () => validateGcpRegion(scope, "region", "us-central9"),
      "region",
      "us-central9",
      "is not a Google Cloud region Strata knows (its list is dated 2025-11-01 and may be out of date); check the spelling, or if " +
        'Google has opened this region since, accept it with the app context key "strata:extraGcpRegions": ["us-central9"] (cdktf.json "context")',
    );
    const s = bareStack(new App({ context: { "strata:extraGcpRegions": "us-central9" } }), "infra");
    expect(() => validateGcpRegion(s, "region", "us-central9")).not.toThrow();
  });

  it("zones: a region where a zone belongs, and the zone's region must be known", () => {
    expect(() => validateGcpZone(scope, "zone", "us-central1-a")).not.toThrow();
    expectInvalid(() => validateGcpZone(scope, "zone", "us-central1"), "zone", "us-central1", 'is a region; give one of its zones, e.g. "us-central1-a"');
    expectInvalid(() => validateGcpZone(scope, "zone", "us-central1a"), "zone", "us-central1a", 'must be a Google Cloud zone such as "us-central1-a"');
    expect(() => validateGcpZone(scope, "zone", "mars-north1-a")).toThrow(/invalid zone \(its region\) "mars-north1": is not a Google Cloud region Strata knows/);
  });
});

describe("merged helpers (formerly local to the EKS and GKE files)", () => {
  it("validateIamPrincipalArn: the kinds asked for, a known partition", () => {
    const both = "must be an IAM role or an IAM user ARN such as arn:aws:iam::123456789012:role/platform-admins";
    expect(() => validateIamPrincipalArn(scope, "arns[0]", "arn:aws:iam::123456789012:role/a/b", ["role"])).not.toThrow();
    expect(() => validateIamPrincipalArn(scope, "arns[0]", "arn:aws-cn:iam::123456789012:root", ["root"])).not.toThrow();
    expectInvalid(() => validateIamPrincipalArn(scope, "arns[0]", "arn:aws:iam::123456789012:root", ["role", "user"]), "arns[0]", "arn:aws:iam::123456789012:root", both);
    expectInvalid(() => validateIamPrincipalArn(scope, "arns[0]", 42, ["role", "user"]), "arns[0]", 42, `${both}, not a number`);
    expectInvalid(
      () => validateIamPrincipalArn(scope, "arns[0]", "arn:amazon:iam::123456789012:role/a", ["role"]),
      "arns[0]",
      "arn:amazon:iam::123456789012:role/a",
      'names the unknown partition "amazon"; AWS partitions are aws, aws-cn, aws-us-gov, aws-iso, aws-iso-b, aws-iso-e, aws-iso-f, aws-eusc',
    );
    expect(() => validateIamPrincipalArn(scope, "arns[0]", strToken(), ["role"])).not.toThrow();
  });

  it("validateUniqueList names what an entry is", () => {
    expectInvalid(() => validateUniqueList(scope, "cidrs", ["10.0.0.0/8", "10.0.0.0/8"], "CIDR"), "cidrs[1]", "10.0.0.0/8", "is a duplicate of cidrs[0]; list each CIDR once");
  });

  it("one GCP zone pattern: a region, a dash and one letter", () => {
    expect(GCP_ZONE_PATTERN.exec("northamerica-northeast2-b")?.[1]).toBe("northamerica-northeast2");
    expect(GCP_ZONE_PATTERN.test("us-central1-1")).toBe(false);
    expect(parseGcpLocation("us-central1")).toEqual({ region: "us-central1" });
    expect(parseGcpLocation("us-central1-a")).toEqual({ region: "us-central1", zone: "us-central1-a" });
    expect(parseGcpLocation("us-central")).toBeUndefined();
  });

  it("validateGcpLocation: a known region or a zone of one; the context escape hatch works for zones too", () => {
    const allowed = 'must be a region such as "us-central1" (regional) or a zone such as "us-central1-a" (zonal)';
    expect(validateGcpLocation(scope, "location", "europe-west4-a")).toEqual({ region: "europe-west4", zone: "europe-west4-a" });
    expectInvalid(() => validateGcpLocation(scope, "location", "us-central"), "location", "us-central", allowed);
    expectInvalid(() => validateGcpLocation(scope, "location", ["us-central1"]), "location", ["us-central1"], `${allowed}, not a list`);
    expect(() => validateGcpLocation(scope, "location", "mars-north1-a")).toThrow(
      'invalid location "mars-north1-a": is in the region "mars-north1", which is not a Google Cloud region Strata knows',
    );
    const app = new App({ context: { "strata:extraGcpRegions": ["mars-north1"] } });
    const inApp = new Construct(app, "Thing");
    expect(validateGcpLocation(inApp, "location", "mars-north1-a")).toEqual({ region: "mars-north1", zone: "mars-north1-a" });
  });
});
