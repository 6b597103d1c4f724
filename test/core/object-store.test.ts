import { Fn, Lazy, TerraformStack, Testing } from "cdktf";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { StorageBucketIamMember } from "@cdktf/provider-google/lib/storage-bucket-iam-member";
import { WorkloadIdentityKind } from "../../lib/core/cluster";
import {
  GcsBucketReference,
  IObjectStore,
  ObjectStoreKind,
  S3BucketReference,
  S3CompatibleBucket,
} from "../../lib/core/object-store";
import { EksCluster } from "../../lib/compute/eks-cluster";
import { annotations, awsStack, bareStack, resourcesOfType, synthJson } from "../support/synth";

/** A minimal workload identity of any kind, standing in for EKS/GKE/on-prem cluster identities. */
import { FakeIdentity } from "../support/fake-identity";

const policyDoc = (policy: { policy: string }) => JSON.parse(policy.policy);
const strToken = () => Fn.lower(Lazy.stringValue({ produce: () => "X" }));
const PARTITION = "${data.aws_partition.Lake_Partition_F159BDD4.partition}";

describe("S3BucketReference", () => {
  let stack: TerraformStack;
  let lake: S3BucketReference;
  let encrypted: S3BucketReference;
  let json: ReturnType<typeof synthJson>;
  let synth: string;

  beforeAll(() => {
    stack = bareStack();
    lake = new S3BucketReference(stack, "Lake", { bucketName: "acme-ml-lake" });
    encrypted = new S3BucketReference(stack, "Models", {
      bucketName: "acme-models",
      kmsKeyArn: "arn:aws-cn:kms:cn-north-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab",
      partition: "aws-cn",
    });
    const reader = new FakeIdentity(stack, "Reader", WorkloadIdentityKind.AWS_IAM_ROLE);
    const writer = new FakeIdentity(stack, "Writer", WorkloadIdentityKind.AWS_IAM_ROLE);
    lake.grantRead(reader);
    lake.grantReadWrite(writer);
    encrypted.grantRead(reader);
    encrypted.grantReadWrite(writer);
    synth = Testing.synth(stack);
    json = JSON.parse(synth);
  });

  it("exposes kind, name, URI and ARN", () => {
    expect(lake.kind).toBe(ObjectStoreKind.S3);
    expect(lake.bucketName).toBe("acme-ml-lake");
    expect(lake.uri).toBe("s3://acme-ml-lake");
    // Without a partition prop, the partition comes from the stack's AWS provider (no literal "arn:aws").
    expect(lake.bucketArn).toMatch(/^arn:\$\{TfToken\[TOKEN\.\d+\]\}:s3:::acme-ml-lake$/);
    expect(JSON.stringify(json.data?.aws_partition)).toContain("Lake_Partition");
    expect((lake as IObjectStore).endpoint).toBeUndefined();
    expect(encrypted.bucketArn).toBe("arn:aws-cn:s3:::acme-models");
  });

  it("creates one inline role policy per grant, on the identity's role", () => {
    const policies = Object.values(resourcesOfType(json, "aws_iam_role_policy"));
    expect(policies).toHaveLength(4);
    for (const p of policies) expect(p.role).toBe("trainer");
    expect(policies.map((p) => p.name).sort()).toEqual(
      [
        `strata-s3-read-${lake.node.addr.slice(0, 8)}`,
        `strata-s3-read-write-${lake.node.addr.slice(0, 8)}`,
        `strata-s3-read-${encrypted.node.addr.slice(0, 8)}`,
        `strata-s3-read-write-${encrypted.node.addr.slice(0, 8)}`,
      ].sort(),
    );
  });

  it("places the policy under the identity (its stack), with a stable id", () => {
    const ids = Object.keys(resourcesOfType(json, "aws_iam_role_policy"));
    expect(ids.filter((id) => id.startsWith(`Reader_S3-read-${lake.node.addr.slice(0, 8)}_`))).toHaveLength(1);
  });

  it("grantRead allows listing the bucket and reading objects, nothing else", () => {
    const policy = Object.values(resourcesOfType(json, "aws_iam_role_policy")).find(
      (p) => p.name === `strata-s3-read-${lake.node.addr.slice(0, 8)}`,
    );
    expect(policyDoc(policy)).toEqual({
      Version: "2012-10-17",
      Statement: [
        {
          Sid: "ListBucket",
          Effect: "Allow",
          Action: ["s3:ListBucket", "s3:GetBucketLocation"],
          Resource: [`arn:${PARTITION}:s3:::acme-ml-lake`],
        },
        { Sid: "Objects", Effect: "Allow", Action: ["s3:GetObject", "s3:GetObjectVersion"], Resource: [`arn:${PARTITION}:s3:::acme-ml-lake/*`] },
      ],
    });
  });

  it("grantReadWrite adds put and multipart upload on objects, but no delete unless asked", () => {
    const policy = Object.values(resourcesOfType(json, "aws_iam_role_policy")).find(
      (p) => p.name === `strata-s3-read-write-${lake.node.addr.slice(0, 8)}`,
    );
    const doc = policyDoc(policy);
    expect(doc.Statement[0].Action).toEqual(["s3:ListBucket", "s3:GetBucketLocation"]);
    expect(doc.Statement[1]).toEqual({
      Sid: "Objects",
      Effect: "Allow",
      Action: ["s3:GetObject", "s3:GetObjectVersion", "s3:PutObject", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts"],
      Resource: [`arn:${PARTITION}:s3:::acme-ml-lake/*`],
    });
    expect(doc.Statement).toHaveLength(2);
  });

  it("adds a KMS statement for the bucket key when kmsKeyArn is given", () => {
    const find = (name: string) =>
      policyDoc(Object.values(resourcesOfType(json, "aws_iam_role_policy")).find((p) => p.name === name));
    const read = find(`strata-s3-read-${encrypted.node.addr.slice(0, 8)}`);
    const write = find(`strata-s3-read-write-${encrypted.node.addr.slice(0, 8)}`);
    expect(read.Statement[2]).toEqual({
      Sid: "BucketKey",
      Effect: "Allow",
      Action: ["kms:Decrypt"],
      Resource: ["arn:aws-cn:kms:cn-north-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"],
    });
    expect(write.Statement[2]).toEqual({
      Sid: "BucketKey",
      Effect: "Allow",
      Action: ["kms:Decrypt", "kms:GenerateDataKey"],
      Resource: ["arn:aws-cn:kms:cn-north-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"],
    });
    expect(read.Statement[0].Resource).toEqual(["arn:aws-cn:s3:::acme-models"]);
  });

  it("grants to an EKS workload identity's role (by reference)", () => {
    const infra = awsStack();
    const cluster = new EksCluster(infra, "Cluster", { clusterName: "ml", subnetIds: ["subnet-a", "subnet-b"] });
    const trainer = cluster.addWorkloadIdentity("Trainer", { namespace: "training", serviceAccountName: "trainer" });
    new S3BucketReference(infra, "Lake", { bucketName: "acme-ml-lake" }).grantRead(trainer);
    expect(Testing.synth(infra)).toHaveResourceWithProperties(IamRolePolicy, {
      role: "${aws_iam_role.Cluster_Trainer_Role_D2E2DB60.name}",
    });
  });

  it.each([
    [WorkloadIdentityKind.GCP_SERVICE_ACCOUNT, "gcp-service-account"],
    [WorkloadIdentityKind.KUBERNETES_SECRET, "kubernetes-secret"],
  ])("rejects a %s identity", (kind, label) => {
    const s = bareStack();
    const bucket = new S3BucketReference(s, "Lake", { bucketName: "acme-ml-lake" });
    const identity = new FakeIdentity(s, "Id", kind);
    const message = `infra/Lake: invalid identity "infra/Id": is a ${label} identity; an S3 bucket can only be granted to an AWS IAM role identity (EksCluster.addWorkloadIdentity)`;
    expect(() => bucket.grantRead(identity)).toThrow(new Error(message));
    expect(() => bucket.grantReadWrite(identity)).toThrow(new Error(message));
  });

  it("rejects an AWS identity without a role name", () => {
    const s = bareStack();
    const bucket = new S3BucketReference(s, "Lake", { bucketName: "acme-ml-lake" });
    const identity = new FakeIdentity(s, "Id", WorkloadIdentityKind.AWS_IAM_ROLE);
    (identity as { awsRoleName?: string }).awsRoleName = undefined;
    expect(() => bucket.grantRead(identity)).toThrow(/^infra\/Lake: invalid identity "infra\/Id": is a aws-iam-role identity/);
  });

  it.each([
    ["Acme-Lake", "must contain only lowercase letters, digits, dots and hyphens, and start and end with a letter or digit"],
    ["ab", "must be 3 to 63 characters long (got 2)"],
    ["xn--lake", 'must not start with the reserved prefix "xn--"'],
  ])("rejects bucket name %p", (name, problem) => {
    expect(() => new S3BucketReference(bareStack(), "Lake", { bucketName: name })).toThrow(
      new Error(`infra/Lake: invalid bucketName ${JSON.stringify(name)}: ${problem}`),
    );
  });

  it("accepts a token bucket name", () => {
    const bucket = new S3BucketReference(bareStack(), "Lake", { bucketName: strToken() });
    expect(bucket.uri).toMatch(/^s3:\/\/\$\{TfToken/);
  });
});

describe("GcsBucketReference", () => {
  let lake: GcsBucketReference;
  let json: ReturnType<typeof synthJson>;
  let synth: string;
  let reader: FakeIdentity;
  let writer: FakeIdentity;

  beforeAll(() => {
    const stack = bareStack();
    lake = new GcsBucketReference(stack, "Lake", { bucketName: "acme_ml.lake" });
    reader = new FakeIdentity(stack, "Reader", WorkloadIdentityKind.GCP_SERVICE_ACCOUNT);
    writer = new FakeIdentity(stack, "Writer", WorkloadIdentityKind.GCP_SERVICE_ACCOUNT);
    lake.grantRead(reader);
    lake.grantReadWrite(writer);
    synth = Testing.synth(stack);
    json = JSON.parse(synth);
  });

  it("exposes kind, name and URI", () => {
    expect(lake.kind).toBe(ObjectStoreKind.GCS);
    expect(lake.bucketName).toBe("acme_ml.lake");
    expect(lake.uri).toBe("gs://acme_ml.lake");
    expect((lake as IObjectStore).endpoint).toBeUndefined();
  });

  it("grantRead binds roles/storage.objectViewer on the bucket", () => {
    expect(synth).toHaveResourceWithProperties(StorageBucketIamMember, {
      bucket: "acme_ml.lake",
      role: "roles/storage.objectViewer",
      member: "serviceAccount:trainer@proj.iam.gserviceaccount.com",
    });
  });

  it("grantReadWrite binds objectViewer and objectCreator (no delete) on the bucket", () => {
    expect(synth).toHaveResourceWithProperties(StorageBucketIamMember, {
      role: "roles/storage.objectCreator",
      member: "serviceAccount:trainer@proj.iam.gserviceaccount.com",
    });
  });

  it("creates exactly one member per grant, under the bucket with stable ids", () => {
    const members = resourcesOfType(json, "google_storage_bucket_iam_member");
    expect(Object.keys(members)).toHaveLength(3);
    const ids = Object.keys(members);
    expect(ids.some((id) => id.startsWith(`Lake_Grant-objectViewer-${reader.node.addr.slice(0, 8)}_`))).toBe(true);
    expect(ids.some((id) => id.startsWith(`Lake_Grant-objectCreator-${writer.node.addr.slice(0, 8)}_`))).toBe(true);
    expect(Object.values(members).map((m) => m.role).sort()).toEqual([
      "roles/storage.objectCreator",
      "roles/storage.objectViewer",
      "roles/storage.objectViewer",
    ]);
  });

  it.each([
    [WorkloadIdentityKind.AWS_IAM_ROLE, "aws-iam-role"],
    [WorkloadIdentityKind.KUBERNETES_SECRET, "kubernetes-secret"],
  ])("rejects a %s identity", (kind, label) => {
    const s = bareStack();
    const bucket = new GcsBucketReference(s, "Lake", { bucketName: "acme-lake" });
    const identity = new FakeIdentity(s, "Id", kind);
    const message = `infra/Lake: invalid identity "infra/Id": is a ${label} identity; a Cloud Storage bucket can only be granted to a GCP service account identity (GkeCluster.addWorkloadIdentity)`;
    expect(() => bucket.grantRead(identity)).toThrow(new Error(message));
    expect(() => bucket.grantReadWrite(identity)).toThrow(new Error(message));
  });

  it.each([
    ["google-lake", 'must not start with "goog"'],
    ["acme-g00gle", 'must not contain "google" or a close misspelling of it'],
    ["Acme", "must contain only lowercase letters, digits, '-', '_' and '.', and start and end with a letter or digit"],
  ])("rejects bucket name %p", (name, problem) => {
    expect(() => new GcsBucketReference(bareStack(), "Lake", { bucketName: name })).toThrow(
      new Error(`infra/Lake: invalid bucketName ${JSON.stringify(name)}: ${problem}`),
    );
  });
});

describe("S3CompatibleBucket", () => {
  describe("caCertificate (a private CA)", () => {
    const endpoint = "https://seaweedfs-s3.seaweedfs.svc:8443";
    test("is exposed for consumers; absent by default", () => {
      const ca = { secretName: "seaweedfs-ca-cert", namespace: "seaweedfs", key: "ca.crt" };
      expect(new S3CompatibleBucket(bareStack(), "Lake", { bucketName: "ml-lake", endpoint, caCertificate: ca }).caCertificate).toBe(ca);
      expect(new S3CompatibleBucket(bareStack(), "Lake", { bucketName: "ml-lake", endpoint }).caCertificate).toBeUndefined();
    });
    const cases: [string, object, string][] = [
      ["with a plain http endpoint", { endpoint: "http://minio:9000", allowInsecureHttp: true, caCertificate: { secretName: "ca", namespace: "minio" } }, 'Lake: invalid caCertificate "ca": does not apply to a plain http:// endpoint'],
      ["not an object", { caCertificate: "ca" }, 'Lake: invalid caCertificate "ca": must be a CaCertificateSecret ({ secretName, namespace, key? })'],
      ["bad Secret name", { caCertificate: { secretName: "My CA", namespace: "minio" } }, 'Lake: invalid caCertificate.secretName "My CA": must be a DNS-1123 subdomain'],
      ["bad namespace", { caCertificate: { secretName: "ca", namespace: "Minio" } }, 'Lake: invalid caCertificate.namespace "Minio"'],
      ["bad key", { caCertificate: { secretName: "ca", namespace: "minio", key: "a b" } }, 'Lake: invalid caCertificate.key "a b": must be a Secret data key'],
    ];
    test.each(cases)("rejects a CA %s", (_n, props, message) => {
      expect(() => new S3CompatibleBucket(bareStack(), "Lake", { bucketName: "ml-lake", endpoint, ...props } as any)).toThrow(message);
    });
  });

  const endpoint = "https://minio.storage.svc:9000";

  it("exposes kind, name, URI and endpoint", () => {
    const bucket = new S3CompatibleBucket(bareStack(), "Lake", { bucketName: "ml-lake", endpoint });
    expect(bucket.kind).toBe(ObjectStoreKind.S3_COMPATIBLE);
    expect(bucket.bucketName).toBe("ml-lake");
    expect(bucket.uri).toBe("s3://ml-lake");
    expect(bucket.endpoint).toBe(endpoint);
  });

  it("records a warning per grant naming the access, the service account and the Secret, and creates no resources", () => {
    const stack = bareStack();
    const bucket = new S3CompatibleBucket(stack, "Lake", { bucketName: "ml-lake", endpoint });
    const identity = new FakeIdentity(stack, "Trainer", WorkloadIdentityKind.KUBERNETES_SECRET);
    bucket.grantRead(identity);
    bucket.grantReadWrite(identity);
    expect(annotations(stack, "warn")).toEqual([
      'infra/Lake: grant read on bucket "ml-lake" to training/trainer is not enforced by Terraform: give the keys in Secret "trainer-credentials" read access in the store\'s own policy',
      'infra/Lake: grant read-write on bucket "ml-lake" to training/trainer is not enforced by Terraform: give the keys in Secret "trainer-credentials" read-write access in the store\'s own policy',
    ]);
    expect(annotations(stack, "error")).toEqual([]);
    expect(synthJson(stack).resource).toBeUndefined();
  });

  it.each([
    [WorkloadIdentityKind.AWS_IAM_ROLE, "aws-iam-role"],
    [WorkloadIdentityKind.GCP_SERVICE_ACCOUNT, "gcp-service-account"],
  ])("rejects a %s identity", (kind, label) => {
    const s = bareStack();
    const bucket = new S3CompatibleBucket(s, "Lake", { bucketName: "ml-lake", endpoint });
    const identity = new FakeIdentity(s, "Id", kind);
    const message = `infra/Lake: invalid identity "infra/Id": is a ${label} identity; an S3-compatible bucket can only be granted to a credentials-Secret identity (ExistingCluster.addWorkloadIdentity)`;
    expect(() => bucket.grantRead(identity)).toThrow(new Error(message));
    expect(() => bucket.grantReadWrite(identity)).toThrow(new Error(message));
  });

  it("rejects a plain http endpoint unless allowInsecureHttp", () => {
    expect(() => new S3CompatibleBucket(bareStack(), "Lake", { bucketName: "ml-lake", endpoint: "http://minio:9000" })).toThrow(
      new Error(
        'infra/Lake: invalid endpoint "http://minio:9000": must use https; set allowInsecureHttp: true to accept plain http',
      ),
    );
    expect(
      () =>
        new S3CompatibleBucket(bareStack(), "Lake", {
          bucketName: "ml-lake",
          endpoint: "http://minio:9000",
          allowInsecureHttp: false,
        }),
    ).toThrow(/must use https/);
    const insecure = new S3CompatibleBucket(bareStack(), "Lake", {
      bucketName: "ml-lake",
      endpoint: "http://minio:9000",
      allowInsecureHttp: true,
    });
    expect(insecure.endpoint).toBe("http://minio:9000");
  });

  it.each(["minio.storage.svc:9000", "ftp://minio", "https://", "https:// minio", "s3://bucket", "HTTPS://MINIO"])(
    "rejects the non-URL endpoint %p",
    (value) => {
      expect(() => new S3CompatibleBucket(bareStack(), "Lake", { bucketName: "ml-lake", endpoint: value })).toThrow(
        new Error(
          `infra/Lake: invalid endpoint ${JSON.stringify(value)}: must be an https URL such as https://minio.storage.svc:9000`,
        ),
      );
    },
  );

  it("rejects an empty or missing endpoint", () => {
    expect(() => new S3CompatibleBucket(bareStack(), "Lake", { bucketName: "ml-lake", endpoint: " " })).toThrow(
      new Error('infra/Lake: invalid endpoint " ": must be a non-empty string'),
    );
    expect(
      () => new S3CompatibleBucket(bareStack(), "Lake", { bucketName: "ml-lake", endpoint: undefined as unknown as string }),
    ).toThrow(new Error("infra/Lake: invalid endpoint undefined: is required and must be a non-empty string"));
  });

  it("accepts a token endpoint without checking it", () => {
    expect(() => new S3CompatibleBucket(bareStack(), "Lake", { bucketName: "ml-lake", endpoint: strToken() })).not.toThrow();
  });

  it("rejects an invalid bucket name (S3 rules)", () => {
    expect(() => new S3CompatibleBucket(bareStack(), "Lake", { bucketName: "ML_Lake", endpoint })).toThrow(
      /^infra\/Lake: invalid bucketName "ML_Lake": must contain only lowercase letters/,
    );
  });
});

describe("granting the same access twice", () => {
  it("is idempotent for S3 and GCS (one policy, one member)", () => {
    const stack = bareStack();
    const s3 = new S3BucketReference(stack, "Lake", { bucketName: "acme-ml-lake" });
    const gcs = new GcsBucketReference(stack, "Gcs", { bucketName: "acme-ml-lake" });
    const aws = new FakeIdentity(stack, "Aws", WorkloadIdentityKind.AWS_IAM_ROLE);
    const gcp = new FakeIdentity(stack, "Gcp", WorkloadIdentityKind.GCP_SERVICE_ACCOUNT);
    s3.grantRead(aws);
    s3.grantRead(aws);
    gcs.grantReadWrite(gcp);
    gcs.grantReadWrite(gcp);
    const json = synthJson(stack);
    expect(Object.keys(json.resource?.aws_iam_role_policy ?? {})).toHaveLength(1);
    expect(Object.keys(json.resource?.google_storage_bucket_iam_member ?? {})).toHaveLength(2); // objectViewer + objectCreator
  });
});

describe("least privilege on data: prefixes and delete", () => {
  const KEY = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";
  const s3Policies = (stack: TerraformStack) =>
    Object.values(resourcesOfType(synthJson(stack), "aws_iam_role_policy")).map((p: any) => ({ name: p.name, doc: policyDoc(p) }));

  it("S3: read on inputs, write-only on the job's own prefix, with the literal partition when given", () => {
    const stack = bareStack();
    const lake = new S3BucketReference(stack, "Lake", { bucketName: "acme-ml-lake", partition: "aws" });
    const trainer = new FakeIdentity(stack, "Trainer", WorkloadIdentityKind.AWS_IAM_ROLE);
    lake.grantRead(trainer, { prefix: "datasets/" });
    lake.grantWrite(trainer, { prefix: "runs/trainer/" });
    const docs = s3Policies(stack).map((p) => p.doc.Statement);
    expect(docs).toContainEqual([
      {
        Sid: "ListBucket",
        Effect: "Allow",
        Action: ["s3:ListBucket", "s3:GetBucketLocation"],
        Resource: ["arn:aws:s3:::acme-ml-lake"],
        Condition: { StringLike: { "s3:prefix": ["datasets/", "datasets/*"] } },
      },
      { Sid: "Objects", Effect: "Allow", Action: ["s3:GetObject", "s3:GetObjectVersion"], Resource: ["arn:aws:s3:::acme-ml-lake/datasets/*"] },
    ]);
    expect(docs).toContainEqual([
      {
        Sid: "Objects",
        Effect: "Allow",
        Action: ["s3:PutObject", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts"],
        Resource: ["arn:aws:s3:::acme-ml-lake/runs/trainer/*"],
      },
    ]);
    expect(JSON.stringify(docs)).not.toContain("s3:DeleteObject");
    expect(synthJson(stack).data?.aws_partition).toBeUndefined();
  });

  it("S3: s3:DeleteObject only with allowDelete, and writers get kms:GenerateDataKey", () => {
    const stack = bareStack();
    const lake = new S3BucketReference(stack, "Lake", { bucketName: "acme-ml-lake", partition: "aws", kmsKeyArn: KEY });
    const cleaner = new FakeIdentity(stack, "Cleaner", WorkloadIdentityKind.AWS_IAM_ROLE);
    lake.grantReadWrite(cleaner, { prefix: "tmp/", allowDelete: true });
    const [policy] = s3Policies(stack);
    expect(policy.name).toMatch(/^strata-s3-read-write-[0-9a-f]{8}-delete-/);
    expect(policy.doc.Statement[1].Action).toEqual([
      "s3:GetObject",
      "s3:GetObjectVersion",
      "s3:PutObject",
      "s3:AbortMultipartUpload",
      "s3:ListMultipartUploadParts",
      "s3:DeleteObject",
    ]);
    expect(policy.doc.Statement[2]).toEqual({ Sid: "BucketKey", Effect: "Allow", Action: ["kms:Decrypt", "kms:GenerateDataKey"], Resource: [KEY] });
  });

  it("GCS: objectCreator for write, objectUser only with allowDelete, IAM conditions on the prefix", () => {
    const stack = bareStack();
    const lake = new GcsBucketReference(stack, "Lake", { bucketName: "acme-ml-lake" });
    const trainer = new FakeIdentity(stack, "Trainer", WorkloadIdentityKind.GCP_SERVICE_ACCOUNT);
    const janitor = new FakeIdentity(stack, "Janitor", WorkloadIdentityKind.GCP_SERVICE_ACCOUNT, "ops", "janitor");
    lake.grantWrite(trainer, { prefix: "runs/trainer/" });
    lake.grantWrite(janitor, { allowDelete: true });
    const members = Object.values(resourcesOfType(synthJson(stack), "google_storage_bucket_iam_member")) as any[];
    const creator = members.find((m) => m.role === "roles/storage.objectCreator");
    expect(creator.member).toBe("serviceAccount:trainer@proj.iam.gserviceaccount.com");
    expect(creator.condition).toEqual({
      title: expect.stringMatching(/^strata-prefix-[0-9a-f]{8}$/),
      description: "Objects under runs/trainer/",
      expression:
        'resource.name == "projects/_/buckets/acme-ml-lake" || resource.name.startsWith("projects/_/buckets/acme-ml-lake/objects/runs/trainer/")',
    });
    const user = members.find((m) => m.role === "roles/storage.objectUser");
    expect(user.member).toBe("serviceAccount:janitor@proj.iam.gserviceaccount.com");
    expect(user.condition).toBeUndefined();
    expect(members).toHaveLength(2);
  });

  it("S3-compatible: the warning names the prefix and whether delete is needed", () => {
    const stack = bareStack();
    const lake = new S3CompatibleBucket(stack, "Lake", { bucketName: "ml-lake", endpoint: "https://minio.storage.svc:9000" });
    lake.grantWrite(new FakeIdentity(stack, "Trainer", WorkloadIdentityKind.KUBERNETES_SECRET), { prefix: "runs/trainer/" });
    expect(annotations(stack, "warn")).toEqual([
      'infra/Lake: grant write on prefix "runs/trainer/" of bucket "ml-lake" to training/trainer is not enforced by Terraform: ' +
        'give the keys in Secret "trainer-credentials" write access to runs/trainer/* in the store\'s own policy',
    ]);
  });

  it("rejects bad prefixes, delete on a read grant, and untyped options", () => {
    const stack = bareStack();
    const lake = new S3BucketReference(stack, "Lake", { bucketName: "acme-ml-lake", partition: "aws" });
    const id = new FakeIdentity(stack, "Id", WorkloadIdentityKind.AWS_IAM_ROLE);
    const PREFIX =
      'must be an object key prefix such as "runs/trainer/": no leading \'/\', ending with \'/\' (so "runs/a/" does not also match "runs/ab/"), ' +
      "without wildcards, quotes, backslashes, whitespace or '//'";
    for (const prefix of ["runs/trainer", "/runs/", "runs/*/", "", "runs//x/"]) {
      expect(() => lake.grantWrite(id, { prefix })).toThrow(new Error(`infra/Lake: invalid prefix ${JSON.stringify(prefix)}: ${PREFIX}`));
    }
    expect(() => lake.grantRead(id, { allowDelete: true })).toThrow(
      new Error("infra/Lake: invalid allowDelete true: does not apply to grantRead; use grantWrite or grantReadWrite with allowDelete: true"),
    );
    expect(() => lake.grantWrite(id, { allowDelete: "yes" as any })).toThrow(
      new Error('infra/Lake: invalid allowDelete "yes": must be true or false, not a string'),
    );
    expect(() => lake.grantWrite(id, "runs/" as any)).toThrow(
      new Error('infra/Lake: invalid options "runs/": must be an ObjectStoreGrantOptions object ({ prefix, allowDelete }), not a string'),
    );
  });

  it("rejects KMS references that are not key ARNs, unknown partitions and mismatched partitions", () => {
    const make = (props: Record<string, string>) => () => new S3BucketReference(bareStack(), "Lake", { bucketName: "acme-ml-lake", ...props });
    expect(make({ kmsKeyArn: "alias/lake" })).toThrow(/^infra\/Lake: invalid kmsKeyArn "alias\/lake": is a KMS alias; /);
    expect(make({ kmsKeyArn: "1234abcd-12ab-34cd-56ef-1234567890ab" })).toThrow(/invalid kmsKeyArn "1234abcd-12ab-34cd-56ef-1234567890ab": is a bare key id; /);
    expect(make({ partition: "aws-china" })).toThrow(/^infra\/Lake: invalid partition "aws-china": must be an AWS partition: "aws", "aws-cn"/);
    expect(make({ partition: "aws-cn", kmsKeyArn: KEY })).toThrow(
      new Error(`infra/Lake: invalid kmsKeyArn "${KEY}": is in partition "aws", not the bucket's "aws-cn"`),
    );
  });

  it("S3-compatible endpoints must not carry a path", () => {
    expect(() => new S3CompatibleBucket(bareStack(), "Lake", { bucketName: "ml-lake", endpoint: "https://minio.example.com/ml-lake" })).toThrow(
      new Error(
        'infra/Lake: invalid endpoint "https://minio.example.com/ml-lake": must be https://<host>[:<port>] with no path, query or trailing \'/\' (the bucket is a separate prop)',
      ),
    );
  });
});
