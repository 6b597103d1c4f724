import { createHash } from "crypto";
import { Construct } from "constructs";
import { Fn, Lazy, TerraformStack, TerraformVariable, Testing } from "cdktf";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { ProjectIamMember } from "@cdktf/provider-google/lib/project-iam-member";
import { SecretManagerSecretIamMember } from "@cdktf/provider-google/lib/secret-manager-secret-iam-member";
import { IWorkloadIdentity, WorkloadIdentityKind } from "../../lib/core/cluster";
import {
  CloudSqlDatabaseReference,
  CloudSqlDatabaseReferenceProps,
  DatabaseEngine,
  ExistingDatabase,
  ExistingDatabaseProps,
  IDatabase,
  RdsDatabaseReference,
  RdsDatabaseReferenceProps,
  SecretKind,
} from "../../lib/core/database";
import {
  ElastiCacheReference,
  ElastiCacheReferenceProps,
  ExistingRedis,
  ExistingRedisProps,
  ICache,
  MemorystoreProduct,
  MemorystoreReference,
  MemorystoreReferenceProps,
} from "../../lib/core/cache";
import { EksCluster } from "../../lib/compute/eks-cluster";
import { annotations, awsStack, bareStack, resolve, resourcesOfType, synthJson } from "../support/synth";

/** A minimal workload identity of any kind, standing in for EKS/GKE/on-prem cluster identities. */
import { FakeIdentity as BaseFakeIdentity } from "../support/fake-identity";

/** The identity of an MLflow tracking server. */
class FakeIdentity extends BaseFakeIdentity {
  constructor(scope: Construct, id: string, kind: WorkloadIdentityKind) {
    super(scope, id, kind, "mlflow", "tracking", "acme-ml");
  }
}

const SECRET_ARN = "arn:aws:secretsmanager:us-east-1:123456789012:secret:mlflow-db-AbCdEf";
const KMS_ARN = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";
const RDS_HOST = "mlflow.c0abc.us-east-1.rds.amazonaws.com";
const DBI = "db-ABCDEFGHIJKLMNOPQRSTUVWXY1";
const RG_ARN = "arn:aws:elasticache:us-east-1:123456789012:replicationgroup:feast-online";
const USER_ARN = "arn:aws:elasticache:us-east-1:123456789012:user:feast";
const SA_MEMBER = "serviceAccount:tracking@acme-ml.iam.gserviceaccount.com";
const RDS_MANAGED_SECRET_ARN = "arn:aws:secretsmanager:us-east-1:123456789012:secret:rds!db-1234abcd-12ab-34cd-56ef-1234567890ab-AbCdEf";
const SECRET_ARN_ALLOWED =
  "must be the full ARN of a Secrets Manager secret, with the 6-character random suffix Secrets Manager appends to the name: " +
  "arn:<partition>:secretsmanager:<region>:<account>:secret:<name>-<6 characters> (IAM never matches a partial ARN)";
const KMS_ALIAS_ALLOWED =
  "is a KMS alias; must be a KMS key ARN: arn:<partition>:kms:<region>:<account>:key/<id> (IAM policies and key grants name a key only by its key ARN, so a statement on anything else allows nothing; look the key up with the aws_kms_alias data source's target_key_arn)";
/** kms:Decrypt on `key`, only through Secrets Manager at `endpoint` and only for `secretArn`. */
const DECRYPT_SECRET = (secretArn: string, key = KMS_ARN, endpoint = "secretsmanager.us-east-1.amazonaws.com") => ({
  Sid: "DecryptSecret",
  Effect: "Allow",
  Action: ["kms:Decrypt"],
  Resource: [key],
  Condition: { StringEquals: { "kms:ViaService": endpoint, "kms:EncryptionContext:SecretARN": secretArn } },
});
const READ_SECRET = (arn: string) => ({
  Sid: "ReadSecret",
  Effect: "Allow",
  Action: ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"],
  Resource: [arn],
});

const policyDoc = (policy: { policy: string }) => JSON.parse(policy.policy);
const strToken = () => Fn.lower(Lazy.stringValue({ produce: () => "x" }));
const hash8 = (value: string) => createHash("sha256").update(value).digest("hex").slice(0, 8);
const addr8 = (c: Construct) => c.node.addr.slice(0, 8);

const rds = (props: Partial<RdsDatabaseReferenceProps> = {}, scope: Construct = bareStack()) =>
  new RdsDatabaseReference(scope, "Db", {
    engine: DatabaseEngine.POSTGRES,
    host: RDS_HOST,
    databaseName: "mlflow",
    credentialsSecretArn: SECRET_ARN,
    ...props,
  });
const cloudSql = (props: Partial<CloudSqlDatabaseReferenceProps> = {}, scope: Construct = bareStack(), id = "Db") =>
  new CloudSqlDatabaseReference(scope, id, {
    engine: DatabaseEngine.POSTGRES,
    project: "acme-ml",
    instanceConnectionName: "acme-ml:us-central1:mlflow",
    host: "10.20.0.3",
    databaseName: "mlflow",
    credentialsSecret: "mlflow-db",
    ...props,
  });
const existingDb = (props: Partial<ExistingDatabaseProps> = {}, scope: Construct = bareStack()) =>
  new ExistingDatabase(scope, "Db", {
    engine: DatabaseEngine.POSTGRES,
    host: "pg.dc1.example.com",
    databaseName: "mlflow",
    credentialsSecretName: "mlflow-db",
    ...props,
  });
const elasti = (props: Partial<ElastiCacheReferenceProps> = {}, scope: Construct = bareStack()) =>
  new ElastiCacheReference(scope, "Cache", { host: "master.feast.abc.use1.cache.amazonaws.com", authTokenSecretArn: SECRET_ARN, ...props });
const memorystore = (props: Partial<MemorystoreReferenceProps> = {}, scope: Construct = bareStack(), id = "Cache") =>
  new MemorystoreReference(scope, id, { product: MemorystoreProduct.REDIS_CLUSTER, project: "acme-ml", host: "10.30.0.5", iamAuthentication: true, ...props });
const existingRedis = (props: Partial<ExistingRedisProps> = {}, scope: Construct = bareStack()) =>
  new ExistingRedis(scope, "Cache", { host: "redis.dc1.example.com", authSecretName: "feast-redis", ...props });

/** Expects `build` to throw exactly `<path>: invalid <prop> <json value>: <allowed>`. */
function expectInvalid(build: () => unknown, path: string, prop: string, value: unknown, allowed: string): void {
  expect(build).toThrow(new Error(`${path}: invalid ${prop} ${value === undefined ? "undefined" : JSON.stringify(value)}: ${allowed}`));
}

describe("RdsDatabaseReference", () => {
  let stack: TerraformStack;
  let plain: RdsDatabaseReference;
  let full: RdsDatabaseReference;
  let json: ReturnType<typeof synthJson>;

  beforeAll(() => {
    stack = bareStack();
    plain = new RdsDatabaseReference(stack, "Mlflow", {
      engine: DatabaseEngine.POSTGRES,
      host: RDS_HOST,
      databaseName: "mlflow",
      credentialsSecretArn: SECRET_ARN,
    });
    full = new RdsDatabaseReference(stack, "Registry", {
      engine: DatabaseEngine.MYSQL,
      host: "registry.cluster-c0abc.us-east-1.rds.amazonaws.com",
      databaseName: "registry",
      credentialsSecretArn: SECRET_ARN,
      kmsKeyArn: KMS_ARN,
      dbiResourceId: "cluster-ABCDEFGHIJKLMNOPQRSTUVWXY1",
      iamUser: "feast_registry",
    });
    const identity = new FakeIdentity(stack, "Tracking", WorkloadIdentityKind.AWS_IAM_ROLE);
    plain.grantConnect(identity);
    full.grantConnect(identity);
    json = synthJson(stack);
  });

  const policyNamed = (name: string) =>
    policyDoc(Object.values(resourcesOfType(json, "aws_iam_role_policy")).find((p) => p.name === name));

  it("exposes the endpoint, a secret reference and a URI without credentials", () => {
    const db: IDatabase = plain;
    expect([db.engine, db.host, db.port, db.databaseName, db.tlsRequired]).toEqual([DatabaseEngine.POSTGRES, RDS_HOST, 5432, "mlflow", true]);
    expect(db.credentials).toEqual({ kind: SecretKind.AWS_SECRETS_MANAGER, name: SECRET_ARN });
    expect(db.connectionUri()).toBe(`postgresql://${RDS_HOST}:5432/mlflow?sslmode=verify-full`);
    expect(plain.iamUserArn).toBeUndefined();
  });

  it("defaults the MySQL port to 3306 and verifies the server identity", () => {
    expect(full.port).toBe(3306);
    expect(full.connectionUri()).toBe("mysql://registry.cluster-c0abc.us-east-1.rds.amazonaws.com:3306/registry?ssl-mode=VERIFY_IDENTITY");
  });

  it("derives the rds-db:connect ARN from the secret's partition, region and account", () => {
    expect(full.iamUserArn).toBe("arn:aws:rds-db:us-east-1:123456789012:dbuser:cluster-ABCDEFGHIJKLMNOPQRSTUVWXY1/feast_registry");
    const explicit = rds({ dbiResourceId: DBI, iamUser: "mlflow", partition: "aws-us-gov", region: "us-gov-west-1", account: "210987654321" });
    expect(explicit.iamUserArn).toBe(`arn:aws-us-gov:rds-db:us-gov-west-1:210987654321:dbuser:${DBI}/mlflow`);
  });

  it("grantConnect reads the credentials secret, nothing else", () => {
    expect(policyNamed(`strata-rds-connect-${addr8(plain)}`)).toEqual({ Version: "2012-10-17", Statement: [READ_SECRET(SECRET_ARN)] });
  });

  it("grantConnect adds kms:Decrypt on the secret's key (via Secrets Manager, for this secret) and rds-db:connect for the IAM user", () => {
    expect(policyNamed(`strata-rds-connect-${addr8(full)}`).Statement).toEqual([
      READ_SECRET(SECRET_ARN),
      DECRYPT_SECRET(SECRET_ARN),
      {
        Sid: "IamAuthentication",
        Effect: "Allow",
        Action: ["rds-db:connect"],
        Resource: ["arn:aws:rds-db:us-east-1:123456789012:dbuser:cluster-ABCDEFGHIJKLMNOPQRSTUVWXY1/feast_registry"],
      },
    ]);
  });

  it("attaches one inline policy per database to the identity's role, under the identity", () => {
    const policies = resourcesOfType(json, "aws_iam_role_policy");
    expect(Object.values(policies).map((p) => p.role)).toEqual(["tracking", "tracking"]);
    const ids = Object.keys(policies);
    expect(ids.filter((id) => id.startsWith(`Tracking_rds-connect-${addr8(plain)}_`))).toHaveLength(1);
    expect(ids.filter((id) => id.startsWith(`Tracking_rds-connect-${addr8(full)}_`))).toHaveLength(1);
  });

  it("grants to an EKS workload identity's role (by reference)", () => {
    const infra = awsStack();
    const cluster = new EksCluster(infra, "Cluster", { clusterName: "ml", subnetIds: ["subnet-a", "subnet-b"] });
    const tracking = cluster.addWorkloadIdentity("Tracking", { namespace: "mlflow", serviceAccountName: "tracking" });
    rds({}, infra).grantConnect(tracking);
    expect(Testing.synth(infra)).toHaveResourceWithProperties(IamRolePolicy, {
      role: "${aws_iam_role.Cluster_Tracking_Role_DF3C35FB.name}",
    });
  });

  it("renders a token port and host in the URI", () => {
    const s = bareStack();
    const db = rds({ host: Lazy.stringValue({ produce: () => "pgbouncer.internal" }), port: Lazy.numberValue({ produce: () => 6432 }) }, s);
    expect(db.connectionUri()).toMatch(/^postgresql:\/\/\$\{TfToken/);
    expect(resolve(s, db.connectionUri())).toBe("postgresql://pgbouncer.internal:6432/mlflow?sslmode=verify-full");
  });

  it("turns TLS off only with allowPlaintext, and says so in the URI", () => {
    expectInvalid(
      () => rds({ tlsRequired: false }),
      "infra/Db",
      "tlsRequired",
      false,
      "TLS is required by default; also set allowPlaintext: true to connect without TLS",
    );
    expect(rds({ allowPlaintext: true }).connectionUri()).toMatch(/sslmode=verify-full$/);
    const plaintext = rds({ tlsRequired: false, allowPlaintext: true });
    expect(plaintext.tlsRequired).toBe(false);
    expect(plaintext.connectionUri()).toBe(`postgresql://${RDS_HOST}:5432/mlflow?sslmode=disable`);
    expect(rds({ engine: DatabaseEngine.MYSQL, tlsRequired: false, allowPlaintext: true }).connectionUri()).toBe(
      `mysql://${RDS_HOST}:3306/mlflow?ssl-mode=DISABLED`,
    );
  });

  it.each([
    [WorkloadIdentityKind.GCP_SERVICE_ACCOUNT, "gcp-service-account"],
    [WorkloadIdentityKind.KUBERNETES_SECRET, "kubernetes-secret"],
  ])("rejects a %s identity", (kind, label) => {
    const s = bareStack();
    const db = rds({}, s);
    expectInvalid(
      () => db.grantConnect(new FakeIdentity(s, "Id", kind)),
      "infra/Db",
      "identity",
      "infra/Id",
      `is a ${label} identity; an RDS database can only be granted to an AWS IAM role identity (EksCluster.addWorkloadIdentity)`,
    );
  });

  it("rejects an AWS identity without a role name", () => {
    const s = bareStack();
    const identity = new FakeIdentity(s, "Id", WorkloadIdentityKind.AWS_IAM_ROLE);
    (identity as { awsRoleName?: string }).awsRoleName = undefined;
    expect(() => rds({}, s).grantConnect(identity)).toThrow(/^infra\/Db: invalid identity "infra\/Id": is a aws-iam-role identity/);
  });

  it.each([
    "arn:aws:secretsmanager:us-east-1:123456789012:mlflow-db-AbCdEf",
    "arn:aws:s3:::mlflow-db",
    "mlflow-db",
    "arn:aws:secretsmanager:us-east-1:1234:secret:mlflow-db-AbCdEf",
    // partial ARNs: no random suffix, or a short one
    "arn:aws:secretsmanager:us-east-1:123456789012:secret:mlflow",
    "arn:aws:secretsmanager:us-east-1:123456789012:secret:mlflow-db-AbCdE",
    "arn:aws:secretsmanager:us-east-1:123456789012:secret:rds!db-1234abcd",
    "arn:aws:secretsmanager:us-east-1:123456789012:secret:mlflow-db-AbCdEf*",
  ])("rejects the secret ARN %p", (arn) => {
    expectInvalid(() => rds({ credentialsSecretArn: arn }), "infra/Db", "credentialsSecretArn", arn, SECRET_ARN_ALLOWED);
  });

  it("accepts an RDS-managed master secret ('!' in the name) and reads its region and account", () => {
    const db = rds({ credentialsSecretArn: RDS_MANAGED_SECRET_ARN, dbiResourceId: DBI, iamUser: "mlflow" });
    expect(db.credentials.name).toBe(RDS_MANAGED_SECRET_ARN);
    expect(db.iamUserArn).toBe(`arn:aws:rds-db:us-east-1:123456789012:dbuser:${DBI}/mlflow`);
  });

  it("limits kms:Decrypt to Secrets Manager in the secret's region and partition, and to the secret's encryption context", () => {
    const s = bareStack();
    const identity = new FakeIdentity(s, "Tracking", WorkloadIdentityKind.AWS_IAM_ROLE);
    const cnSecret = "arn:aws-cn:secretsmanager:cn-north-1:123456789012:secret:rds!cluster-1234abcd-AbCdEf";
    const cnKey = "arn:aws-cn:kms:cn-north-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";
    const govSecret = "arn:aws-us-gov:secretsmanager:us-gov-west-1:123456789012:secret:mlflow-db-AbCdEf";
    const govKey = "arn:aws-us-gov:kms:us-gov-west-1:123456789012:key/mrk-1234abcd12ab34cd56ef1234567890ab";
    const cn = rds({ credentialsSecretArn: cnSecret, kmsKeyArn: cnKey }, s);
    const gov = new RdsDatabaseReference(s, "Gov", { engine: DatabaseEngine.POSTGRES, host: RDS_HOST, databaseName: "mlflow", credentialsSecretArn: govSecret, kmsKeyArn: govKey });
    cn.grantConnect(identity);
    gov.grantConnect(identity);
    const policies = Object.values(resourcesOfType(synthJson(s), "aws_iam_role_policy"));
    const statementsOf = (db: Construct) => policyDoc(policies.find((p) => p.name === `strata-rds-connect-${addr8(db)}`)).Statement;
    expect(statementsOf(cn)).toEqual([READ_SECRET(cnSecret), DECRYPT_SECRET(cnSecret, cnKey, "secretsmanager.cn-north-1.amazonaws.com.cn")]);
    expect(statementsOf(gov)).toEqual([READ_SECRET(govSecret), DECRYPT_SECRET(govSecret, govKey, "secretsmanager.us-gov-west-1.amazonaws.com")]);
  });

  it("reads the region and partition of a token secret ARN at apply time for kms:ViaService", () => {
    const s = bareStack();
    const secretArn = new TerraformVariable(s, "secret_arn", { type: "string" }).stringValue;
    rds({ credentialsSecretArn: secretArn, kmsKeyArn: KMS_ARN }, s).grantConnect(new FakeIdentity(s, "Tracking", WorkloadIdentityKind.AWS_IAM_ROLE));
    const [{ policy }] = Object.values(resourcesOfType(synthJson(s), "aws_iam_role_policy"));
    // The policy is a Terraform template (its expressions hold quotes), so it is checked as text.
    expect(policy).toContain(
      '{"Sid":"DecryptSecret","Effect":"Allow","Action":["kms:Decrypt"],"Resource":["' + KMS_ARN + '"],"Condition":{"StringEquals":{' +
        '"kms:ViaService":"secretsmanager.${element(split(":", var.secret_arn), 3)}.' +
        '${(element(split(":", var.secret_arn), 1) == "aws-cn") ? "amazonaws.com.cn" : "amazonaws.com"}",' +
        '"kms:EncryptionContext:SecretARN":"${var.secret_arn}"}}}',
    );
  });

  it("rejects a missing secret ARN and a malformed KMS key ARN", () => {
    expectInvalid(
      () => rds({ credentialsSecretArn: undefined as unknown as string }),
      "infra/Db",
      "credentialsSecretArn",
      undefined,
      "is required and must be a non-empty string",
    );
    expectInvalid(
      () => rds({ kmsKeyArn: "1234abcd" }),
      "infra/Db",
      "kmsKeyArn",
      "1234abcd",
      "must be a KMS key ARN: arn:<partition>:kms:<region>:<account>:key/<id>",
    );
  });

  it("rejects a KMS alias ARN: IAM cannot name a key by its alias", () => {
    for (const alias of ["arn:aws:kms:us-east-1:123456789012:alias/mlflow-db", "arn:aws:kms:us-east-1:123456789012:alias/aws/secretsmanager"]) {
      expectInvalid(() => rds({ kmsKeyArn: alias }), "infra/Db", "kmsKeyArn", alias, KMS_ALIAS_ALLOWED);
    }
  });

  it("rejects IAM authentication settings that cannot form an rds-db:connect ARN", () => {
    expectInvalid(
      () => rds({ iamUser: "mlflow" }),
      "infra/Db",
      "iamUser",
      "mlflow",
      "needs dbiResourceId: IAM authentication grants rds-db:connect on dbuser:<dbiResourceId>/<iamUser>",
    );
    expectInvalid(
      () => rds({ dbiResourceId: "mlflow-db" }),
      "infra/Db",
      "dbiResourceId",
      "mlflow-db",
      'must be an RDS DbiResourceId such as "db-ABCDEFGHIJKLMNOPQRSTUVWXY1" or an Aurora cluster resource id such as "cluster-ABCDEFGHIJKLMNOPQRSTUVWXY1"',
    );
    expectInvalid(
      () => rds({ credentialsSecretArn: strToken(), dbiResourceId: DBI, iamUser: "mlflow" }),
      "infra/Db",
      "region",
      undefined,
      "is required with iamUser when credentialsSecretArn is unresolved (its region cannot be read)",
    );
    expectInvalid(
      () => rds({ credentialsSecretArn: strToken(), dbiResourceId: DBI, iamUser: "mlflow", region: "us-east-1" }),
      "infra/Db",
      "account",
      undefined,
      "is required with iamUser when credentialsSecretArn is unresolved (its account cannot be read)",
    );
    expectInvalid(
      () => rds({ dbiResourceId: DBI, iamUser: "ml-flow" }),
      "infra/Db",
      "iamUser",
      "ml-flow",
      "must be a PostgreSQL identifier: letters, digits, '_' and '$', starting with a letter or '_'",
    );
    expectInvalid(
      () => rds({ engine: DatabaseEngine.MYSQL, dbiResourceId: DBI, iamUser: "u".repeat(33) }),
      "infra/Db",
      "iamUser",
      "u".repeat(33),
      "must be 1 to 32 characters long (got 33)",
    );
  });

  it.each([
    ["partition", "amazon", 'must be an AWS partition: "aws", "aws-cn", "aws-us-gov", "aws-iso", "aws-iso-b", "aws-iso-e", "aws-iso-f", "aws-eusc"'],
    ["region", "us-east", 'must be an AWS region such as "us-east-1"'],
    ["account", "12345", "must be a 12-digit AWS account id"],
  ])("rejects the %s %p", (prop, value, allowed) => {
    expectInvalid(() => rds({ [prop]: value }), "infra/Db", prop, value, allowed);
  });

  it("accepts token secret ARN, KMS key and dbiResourceId without checking them", () => {
    const db = rds({ credentialsSecretArn: strToken(), kmsKeyArn: strToken(), dbiResourceId: strToken(), iamUser: "mlflow", region: "eu-west-1", account: "123456789012" });
    expect(db.iamUserArn).toMatch(/^arn:aws:rds-db:eu-west-1:123456789012:dbuser:\$\{TfToken/);
  });
});

describe("database connection validation (shared by every IDatabase)", () => {
  const builders: [string, (props: Record<string, unknown>) => unknown][] = [
    ["RdsDatabaseReference", (p) => rds(p)],
    ["CloudSqlDatabaseReference", (p) => cloudSql(p)],
    ["ExistingDatabase", (p) => existingDb(p)],
  ];

  describe.each(builders)("%s", (_name, build) => {
    it.each([
      ["", "must be a non-empty string"],
      ["https://db.example.com", "must be a host name or IP address without scheme, port or path (IPv6 in brackets)"],
      ["db.example.com:5432", "must be a host name or IP address without scheme, port or path (IPv6 in brackets)"],
      ["db example", "must be a host name or IP address without scheme, port or path (IPv6 in brackets)"],
    ])("rejects the host %p", (host, allowed) => {
      expectInvalid(() => build({ host }), "infra/Db", "host", host, allowed);
    });

    it.each([0, 65536, 54.32, -1])("rejects the port %p", (port) => {
      expectInvalid(() => build({ port }), "infra/Db", "port", port, "must be an integer from 1 to 65535");
    });

    it.each([
      ["mlflow-db", "must be a PostgreSQL identifier: letters, digits, '_' and '$', starting with a letter or '_'"],
      ["1mlflow", "must be a PostgreSQL identifier: letters, digits, '_' and '$', starting with a letter or '_'"],
      ["d".repeat(64), "must be 1 to 63 characters long (got 64)"],
      ["", "must be a non-empty string"],
    ])("rejects the PostgreSQL database name %p", (databaseName, allowed) => {
      expectInvalid(() => build({ databaseName }), "infra/Db", "databaseName", databaseName, allowed);
    });

    it.each([
      ["2024", "must be a MySQL identifier: letters, digits, '_' and '$', not only digits"],
      ["feast.registry", "must be a MySQL identifier: letters, digits, '_' and '$', not only digits"],
      ["d".repeat(65), "must be 1 to 64 characters long (got 65)"],
    ])("rejects the MySQL database name %p", (databaseName, allowed) => {
      expectInvalid(() => build({ engine: DatabaseEngine.MYSQL, databaseName }), "infra/Db", "databaseName", databaseName, allowed);
    });

    it("rejects a missing or unknown engine", () => {
      expectInvalid(() => build({ engine: undefined }), "infra/Db", "engine", undefined, "is required");
      expectInvalid(
        () => build({ engine: "oracle" }),
        "infra/Db",
        "engine",
        "oracle",
        'must be one of DatabaseEngine.POSTGRES ("postgres"), DatabaseEngine.MYSQL ("mysql")',
      );
    });

    it("rejects tlsRequired: false without allowPlaintext", () => {
      expectInvalid(
        () => build({ tlsRequired: false, allowPlaintext: false }),
        "infra/Db",
        "tlsRequired",
        false,
        "TLS is required by default; also set allowPlaintext: true to connect without TLS",
      );
    });

    it("accepts MySQL names starting with a digit, 63-character PostgreSQL names, IPs, bracketed IPv6 and tokens", () => {
      expect(() => build({ engine: DatabaseEngine.MYSQL, databaseName: "2024_features" })).not.toThrow();
      expect(() => build({ databaseName: `_${"d".repeat(62)}` })).not.toThrow();
      expect(() => build({ host: "10.0.0.7" })).not.toThrow();
      expect(() => build({ host: "[fd00::7]" })).not.toThrow();
      expect(() => build({ host: strToken(), databaseName: strToken(), port: Lazy.numberValue({ produce: () => 1 }) })).not.toThrow();
    });
  });
});

describe("CloudSqlDatabaseReference", () => {
  let stack: TerraformStack;
  let mlflow: CloudSqlDatabaseReference;
  let registry: CloudSqlDatabaseReference;
  let identity: FakeIdentity;
  let json: ReturnType<typeof synthJson>;

  beforeAll(() => {
    stack = bareStack();
    mlflow = cloudSql({}, stack, "Mlflow");
    registry = cloudSql(
      {
        engine: DatabaseEngine.MYSQL,
        instanceConnectionName: "acme-ml:europe-west4:registry",
        databaseName: "registry",
        credentialsSecret: "projects/acme-secrets/secrets/registry-db",
      },
      stack,
      "Registry",
    );
    identity = new FakeIdentity(stack, "Tracking", WorkloadIdentityKind.GCP_SERVICE_ACCOUNT);
    mlflow.grantConnect(identity);
    registry.grantConnect(identity);
    json = synthJson(stack);
  });

  it("exposes the endpoint, the connection name and a secret reference in Secret Manager", () => {
    expect([mlflow.engine, mlflow.host, mlflow.port, mlflow.databaseName, mlflow.tlsRequired]).toEqual([
      DatabaseEngine.POSTGRES,
      "10.20.0.3",
      5432,
      "mlflow",
      true,
    ]);
    expect(mlflow.project).toBe("acme-ml");
    expect(mlflow.instanceConnectionName).toBe("acme-ml:us-central1:mlflow");
    expect(mlflow.credentials).toEqual({ kind: SecretKind.GCP_SECRET_MANAGER, name: "projects/acme-ml/secrets/mlflow-db" });
    expect(registry.credentials.name).toBe("projects/acme-secrets/secrets/registry-db");
  });

  it("verifies the CA, not the host name (Cloud SQL certificates name the instance, not its IP)", () => {
    expect(mlflow.connectionUri()).toBe("postgresql://10.20.0.3:5432/mlflow?sslmode=verify-ca");
    expect(registry.connectionUri()).toBe("mysql://10.20.0.3:3306/registry?ssl-mode=VERIFY_CA");
    expect(cloudSql({ tlsRequired: false, allowPlaintext: true }).connectionUri()).toBe("postgresql://10.20.0.3:5432/mlflow?sslmode=disable");
  });

  it("binds roles/cloudsql.client on the project once per identity and project, under the identity", () => {
    const members = resourcesOfType(json, "google_project_iam_member");
    expect(Object.values(members)).toEqual([{ project: "acme-ml", role: "roles/cloudsql.client", member: SA_MEMBER }]);
    expect(Object.keys(members)[0]).toMatch(new RegExp(`^Tracking_CloudSqlClient-${hash8("acme-ml")}_`));
  });

  it("binds roles/secretmanager.secretAccessor on each credentials secret once per identity and secret, under the identity", () => {
    const members = resourcesOfType(json, "google_secret_manager_secret_iam_member");
    expect(Object.values(members)).toEqual([
      { secret_id: "projects/acme-ml/secrets/mlflow-db", role: "roles/secretmanager.secretAccessor", member: SA_MEMBER },
      { secret_id: "projects/acme-secrets/secrets/registry-db", role: "roles/secretmanager.secretAccessor", member: SA_MEMBER },
    ]);
    const ids = Object.keys(members);
    expect(ids[0]).toMatch(new RegExp(`^Tracking_SecretAccessor-${hash8("projects/acme-ml/secrets/mlflow-db")}_`));
    expect(ids[1]).toMatch(new RegExp(`^Tracking_SecretAccessor-${hash8("projects/acme-secrets/secrets/registry-db")}_`));
  });

  it("shares one secretAccessor binding between references to the same secret (destroying one keeps the other's access)", () => {
    const s = bareStack();
    const id = new FakeIdentity(s, "Tracking", WorkloadIdentityKind.GCP_SERVICE_ACCOUNT);
    const other = new BaseFakeIdentity(s, "Registry", WorkloadIdentityKind.GCP_SERVICE_ACCOUNT, "feast", "registry", "acme-ml");
    cloudSql({}, s, "A").grantConnect(id);
    cloudSql({ credentialsSecret: "projects/acme-ml/secrets/mlflow-db" }, s, "B").grantConnect(id);
    memorystore({ iamAuthentication: false, authSecret: "mlflow-db" }, s, "C").grantConnect(id);
    cloudSql({}, s, "D").grantConnect(other);
    const members = resourcesOfType(synthJson(s), "google_secret_manager_secret_iam_member");
    expect(Object.values(members)).toEqual([
      {
        secret_id: "projects/acme-ml/secrets/mlflow-db",
        role: "roles/secretmanager.secretAccessor",
        member: "serviceAccount:registry@acme-ml.iam.gserviceaccount.com",
      },
      { secret_id: "projects/acme-ml/secrets/mlflow-db", role: "roles/secretmanager.secretAccessor", member: SA_MEMBER },
    ]);
    const label = `SecretAccessor-${hash8("projects/acme-ml/secrets/mlflow-db")}`;
    expect(Object.keys(members).map((k) => k.split("_").slice(0, 2).join("_"))).toEqual([`Registry_${label}`, `Tracking_${label}`]);
  });

  it("binds the client role per project", () => {
    const s = bareStack();
    const id = new FakeIdentity(s, "Tracking", WorkloadIdentityKind.GCP_SERVICE_ACCOUNT);
    cloudSql({}, s, "A").grantConnect(id);
    cloudSql({ project: "acme-ml-eu", instanceConnectionName: "acme-ml-eu:europe-west4:mlflow" }, s, "B").grantConnect(id);
    const synth = Testing.synth(s);
    expect(synth).toHaveResourceWithProperties(ProjectIamMember, { project: "acme-ml-eu", role: "roles/cloudsql.client" });
    expect(synth).toHaveResourceWithProperties(SecretManagerSecretIamMember, { secret_id: "projects/acme-ml-eu/secrets/mlflow-db" });
    expect(Object.keys(resourcesOfType(JSON.parse(synth), "google_project_iam_member"))).toHaveLength(2);
  });

  it("accepts a domain-scoped project", () => {
    const db = cloudSql({ project: "example.com:acme-ml", instanceConnectionName: "example.com:acme-ml:us-central1:mlflow" });
    expect(db.credentials.name).toBe("projects/example.com:acme-ml/secrets/mlflow-db");
  });

  it.each([
    [WorkloadIdentityKind.AWS_IAM_ROLE, "aws-iam-role"],
    [WorkloadIdentityKind.KUBERNETES_SECRET, "kubernetes-secret"],
  ])("rejects a %s identity", (kind, label) => {
    const s = bareStack();
    const db = cloudSql({}, s);
    expectInvalid(
      () => db.grantConnect(new FakeIdentity(s, "Id", kind)),
      "infra/Db",
      "identity",
      "infra/Id",
      `is a ${label} identity; a Cloud SQL database can only be granted to a GCP service account identity (GkeCluster.addWorkloadIdentity)`,
    );
  });

  it.each(["mlflow", "acme-ml:mlflow", "acme-ml:us-central1:Mlflow", "acme-ml:us-central1:mlflow:extra", "acme-ml/us-central1/mlflow"])(
    "rejects the connection name %p",
    (name) => {
      expectInvalid(
        () => cloudSql({ instanceConnectionName: name }),
        "infra/Db",
        "instanceConnectionName",
        name,
        'must be "<project>:<region>:<instance>", e.g. "acme-ml:us-central1:mlflow"',
      );
    },
  );

  it("rejects a connection name in another project, and an empty one", () => {
    expectInvalid(
      () => cloudSql({ instanceConnectionName: "acme-other:us-central1:mlflow" }),
      "infra/Db",
      "instanceConnectionName",
      "acme-other:us-central1:mlflow",
      'must be in project "acme-ml" (the project prop)',
    );
    expectInvalid(() => cloudSql({ instanceConnectionName: "" }), "infra/Db", "instanceConnectionName", "", "must be a non-empty string");
  });

  it("rejects a connection name whose region part is a zone or not a region", () => {
    expectInvalid(
      () => cloudSql({ instanceConnectionName: "acme-ml:uscentral:mlflow" }),
      "infra/Db",
      "instanceConnectionName region",
      "uscentral",
      'must be a Google Cloud region such as "us-central1"',
    );
    expectInvalid(
      () => cloudSql({ instanceConnectionName: "acme-ml:us-central1-a:mlflow" }),
      "infra/Db",
      "instanceConnectionName region",
      "us-central1-a",
      'is a zone; give its region ("us-central1")',
    );
  });

  it("rejects a project display name with its own message", () => {
    expectInvalid(
      () => cloudSql({ project: "Acme ML" }),
      "infra/Db",
      "project",
      "Acme ML",
      'looks like a project display name; must be a Google Cloud project id: 6 to 30 lowercase letters, digits and \'-\', starting with a letter (see "gcloud projects list", column PROJECT_ID)',
    );
  });

  it.each(["acme", "1acme-ml", "acme-ml-"])("rejects the project %p", (project) => {
    expectInvalid(
      () => cloudSql({ project }),
      "infra/Db",
      "project",
      project,
      "must be a Google Cloud project id: 6 to 30 lowercase letters, digits and '-', starting with a letter",
    );
  });

  it.each(["mlflow/db", "s".repeat(256), "projects/acme-ml/secrets/", "arn:aws:secretsmanager:us-east-1:123456789012:secret:x"])(
    "rejects the credentials secret %p",
    (secret) => {
      expectInvalid(
        () => cloudSql({ credentialsSecret: secret }),
        "infra/Db",
        "credentialsSecret",
        secret,
        'must be a Secret Manager secret id (1 to 255 letters, digits, \'_\' and \'-\') or "projects/<project>/secrets/<id>"',
      );
    },
  );

  it("accepts token project, connection name and secret", () => {
    const db = cloudSql({ project: strToken(), instanceConnectionName: strToken(), credentialsSecret: strToken() });
    expect(db.credentials.name).toMatch(/^\$\{TfToken/);
  });

  it("refuses to grant with a token project or secret (the bindings are keyed on them)", () => {
    const s = bareStack();
    const id = new FakeIdentity(s, "Tracking", WorkloadIdentityKind.GCP_SERVICE_ACCOUNT);
    const tokenProject = cloudSql({ project: strToken(), instanceConnectionName: strToken() }, s, "A");
    expect(() => tokenProject.grantConnect(id)).toThrow(
      /^infra\/A: invalid project "\$\{TfToken\[TOKEN\.\d+\]\}": must be a literal project id to grant roles\/cloudsql\.client: the binding is keyed on the project, and a token key would change with unrelated edits \(Terraform would then destroy the binding, removing the role\)$/,
    );
    const tokenSecret = cloudSql({ credentialsSecret: strToken() }, s, "B");
    expect(() => tokenSecret.grantConnect(id)).toThrow(
      /^infra\/B: invalid credentialsSecret "\$\{TfToken\[TOKEN\.\d+\]\}": must be a literal Secret Manager secret \(and, for a bare secret id, a literal project\) to grant roles\/secretmanager\.secretAccessor: the binding is keyed on projects\/<project>\/secrets\/<id>, and a token key would change with unrelated edits \(Terraform would then destroy the binding, removing access\)$/,
    );
    expect(resourcesOfType(synthJson(s), "google_secret_manager_secret_iam_member")).toEqual({});
  });
});

describe("ExistingDatabase", () => {
  it("exposes the endpoint and a Kubernetes Secret reference", () => {
    const db = existingDb({ port: 6432, credentialsSecretKey: "password", credentialsSecretNamespace: "databases" });
    expect(db.connectionUri()).toBe("postgresql://pg.dc1.example.com:6432/mlflow?sslmode=verify-full");
    expect(db.credentials).toEqual({ kind: SecretKind.KUBERNETES_SECRET, name: "mlflow-db", key: "password", namespace: "databases" });
    expect(existingDb().credentials).toEqual({ kind: SecretKind.KUBERNETES_SECRET, name: "mlflow-db", key: undefined, namespace: undefined });
    expect(existingDb({ engine: DatabaseEngine.MYSQL, tlsRequired: false, allowPlaintext: true }).connectionUri()).toBe(
      "mysql://pg.dc1.example.com:3306/mlflow?ssl-mode=DISABLED",
    );
  });

  it("records a warning per grant naming the database, the service account and the Secret, and creates no resources", () => {
    const stack = bareStack();
    const db = existingDb({}, stack);
    const other = new ExistingDatabase(stack, "Registry", {
      engine: DatabaseEngine.MYSQL,
      host: "10.1.2.3",
      port: 3307,
      databaseName: "registry",
      credentialsSecretName: "registry-db",
      credentialsSecretNamespace: "databases",
    });
    const identity = new FakeIdentity(stack, "Tracking", WorkloadIdentityKind.KUBERNETES_SECRET);
    db.grantConnect(identity);
    other.grantConnect(identity);
    expect(annotations(stack, "warn")).toEqual([
      'infra/Db: grant connect on postgres database "mlflow" at pg.dc1.example.com:5432 to mlflow/tracking is not enforced by Terraform: the user in Secret "mlflow/mlflow-db" must be granted access to "mlflow" by the database\'s own roles',
      'infra/Registry: grant connect on mysql database "registry" at 10.1.2.3:3307 to mlflow/tracking is not enforced by Terraform: the user in Secret "databases/registry-db" must be granted access to "registry" by the database\'s own roles',
    ]);
    expect(annotations(stack, "error")).toEqual([]);
    expect(synthJson(stack).resource).toBeUndefined();
  });

  it.each([
    [WorkloadIdentityKind.AWS_IAM_ROLE, "aws-iam-role"],
    [WorkloadIdentityKind.GCP_SERVICE_ACCOUNT, "gcp-service-account"],
  ])("rejects a %s identity", (kind, label) => {
    const s = bareStack();
    const db = existingDb({}, s);
    expectInvalid(
      () => db.grantConnect(new FakeIdentity(s, "Id", kind)),
      "infra/Db",
      "identity",
      "infra/Id",
      `is a ${label} identity; an existing database can only be granted to a credentials-Secret identity (ExistingCluster.addWorkloadIdentity)`,
    );
  });

  it.each([
    ["credentialsSecretName", "MLflow_DB", "must be a DNS-1123 subdomain: dot-separated lowercase labels of letters, digits and '-'"],
    ["credentialsSecretName", "", "must be 1 to 253 characters long (got 0)"],
    ["credentialsSecretKey", "pass word", "must be a Secret data key: 1 to 253 letters, digits, '-', '_' and '.'"],
    ["credentialsSecretKey", "a/b", "must be a Secret data key: 1 to 253 letters, digits, '-', '_' and '.'"],
    ["credentialsSecretNamespace", "data.bases", "must be a DNS-1123 label: lowercase letters, digits and '-', starting and ending with a letter or digit"],
  ])("rejects the %s %p", (prop, value, allowed) => {
    expectInvalid(() => existingDb({ [prop]: value }), "infra/Db", prop, value, allowed);
  });

  it("rejects a missing credentials Secret name", () => {
    expectInvalid(() => existingDb({ credentialsSecretName: undefined }), "infra/Db", "credentialsSecretName", undefined, "is required");
  });
});

describe("ElastiCacheReference", () => {
  let stack: TerraformStack;
  let token: ElastiCacheReference;
  let iam: ElastiCacheReference;
  let json: ReturnType<typeof synthJson>;

  beforeAll(() => {
    stack = bareStack();
    token = new ElastiCacheReference(stack, "Online", {
      host: "master.feast.abc.use1.cache.amazonaws.com",
      authTokenSecretArn: SECRET_ARN,
      kmsKeyArn: KMS_ARN,
    });
    iam = new ElastiCacheReference(stack, "Sessions", {
      host: "clustercfg.sessions.abc.use1.cache.amazonaws.com",
      port: 6380,
      replicationGroupArn: RG_ARN,
      userArns: [USER_ARN],
    });
    const identity = new FakeIdentity(stack, "Feast", WorkloadIdentityKind.AWS_IAM_ROLE);
    token.grantConnect(identity);
    iam.grantConnect(identity);
    json = synthJson(stack);
  });

  const policyNamed = (name: string) =>
    policyDoc(Object.values(resourcesOfType(json, "aws_iam_role_policy")).find((p) => p.name === name));

  it("exposes the endpoint, the AUTH secret and a rediss:// URI", () => {
    const cache: ICache = token;
    expect([cache.host, cache.port, cache.tlsEnabled]).toEqual(["master.feast.abc.use1.cache.amazonaws.com", 6379, true]);
    expect(cache.authSecret).toEqual({ kind: SecretKind.AWS_SECRETS_MANAGER, name: SECRET_ARN });
    expect(cache.connectionUri()).toBe("rediss://master.feast.abc.use1.cache.amazonaws.com:6379");
    expect(iam.authSecret).toBeUndefined();
    expect(iam.connectionUri()).toBe("rediss://clustercfg.sessions.abc.use1.cache.amazonaws.com:6380");
  });

  it("grantConnect reads the AUTH token secret and decrypts it with its key", () => {
    expect(policyNamed(`strata-elasticache-connect-${addr8(token)}`).Statement).toEqual([READ_SECRET(SECRET_ARN), DECRYPT_SECRET(SECRET_ARN)]);
  });

  it("grantConnect allows elasticache:Connect on the replication group and the users for IAM authentication", () => {
    expect(policyNamed(`strata-elasticache-connect-${addr8(iam)}`)).toEqual({
      Version: "2012-10-17",
      Statement: [{ Sid: "IamAuthentication", Effect: "Allow", Action: ["elasticache:Connect"], Resource: [RG_ARN, USER_ARN] }],
    });
    const ids = Object.keys(resourcesOfType(json, "aws_iam_role_policy"));
    expect(ids.filter((id) => id.startsWith(`Feast_elasticache-connect-${addr8(iam)}_`))).toHaveLength(1);
  });

  it("warns when the cache has no authentication, and then grants nothing", () => {
    const s = bareStack();
    const open = elasti({ authTokenSecretArn: undefined, tlsEnabled: false, allowPlaintext: true }, s);
    expect(open.connectionUri()).toBe("redis://master.feast.abc.use1.cache.amazonaws.com:6379");
    open.grantConnect(new FakeIdentity(s, "Feast", WorkloadIdentityKind.AWS_IAM_ROLE));
    expect(annotations(s, "warn")).toEqual([
      "infra/Cache: the cache at master.feast.abc.use1.cache.amazonaws.com:6379 has no authentication configured: any client that reaches it can read and write; set authTokenSecretArn or replicationGroupArn (IAM authentication)",
    ]);
    expect(synthJson(s).resource).toBeUndefined();
    expect(annotations(token, "warn")).toEqual([]);
  });

  it("accepts a serverless cache ARN", () => {
    expect(() => elasti({ replicationGroupArn: "arn:aws:elasticache:us-east-1:123456789012:serverlesscache:feast", userArns: [USER_ARN] })).not.toThrow();
  });

  it.each([
    [WorkloadIdentityKind.GCP_SERVICE_ACCOUNT, "gcp-service-account"],
    [WorkloadIdentityKind.KUBERNETES_SECRET, "kubernetes-secret"],
  ])("rejects a %s identity", (kind, label) => {
    const s = bareStack();
    const cache = elasti({}, s);
    expectInvalid(
      () => cache.grantConnect(new FakeIdentity(s, "Id", kind)),
      "infra/Cache",
      "identity",
      "infra/Id",
      `is a ${label} identity; an ElastiCache cache can only be granted to an AWS IAM role identity (EksCluster.addWorkloadIdentity)`,
    );
  });

  it("rejects users without a replication group, a replication group without users, and authentication without TLS", () => {
    expectInvalid(
      () => elasti({ userArns: [USER_ARN] }),
      "infra/Cache",
      "userArns",
      [USER_ARN],
      "need replicationGroupArn: IAM authentication must allow elasticache:Connect on the cache and the user",
    );
    for (const userArns of [undefined, []]) {
      expectInvalid(
        () => elasti({ authTokenSecretArn: undefined, replicationGroupArn: RG_ARN, userArns }),
        "infra/Cache",
        "userArns",
        userArns,
        "needs at least one ElastiCache user ARN with replicationGroupArn: IAM authentication must allow elasticache:Connect on the cache and the user",
      );
    }
    expectInvalid(
      () => elasti({ tlsEnabled: false, allowPlaintext: true }),
      "infra/Cache",
      "tlsEnabled",
      false,
      "ElastiCache AUTH tokens and IAM authentication need in-transit encryption (TLS)",
    );
    expectInvalid(
      () => elasti({ authTokenSecretArn: undefined, replicationGroupArn: RG_ARN, userArns: [USER_ARN], tlsEnabled: false, allowPlaintext: true }),
      "infra/Cache",
      "tlsEnabled",
      false,
      "ElastiCache AUTH tokens and IAM authentication need in-transit encryption (TLS)",
    );
  });

  it("rejects malformed ARNs", () => {
    expectInvalid(() => elasti({ authTokenSecretArn: "feast-redis" }), "infra/Cache", "authTokenSecretArn", "feast-redis", SECRET_ARN_ALLOWED);
    const partial = "arn:aws:secretsmanager:us-east-1:123456789012:secret:feast-redis";
    expectInvalid(() => elasti({ authTokenSecretArn: partial }), "infra/Cache", "authTokenSecretArn", partial, SECRET_ARN_ALLOWED);
    const alias = "arn:aws:kms:us-east-1:123456789012:alias/feast";
    expectInvalid(() => elasti({ kmsKeyArn: alias }), "infra/Cache", "kmsKeyArn", alias, KMS_ALIAS_ALLOWED);
    expectInvalid(
      () => elasti({ kmsKeyArn: "arn:aws:kms:us-east-1:123456789012:feast" }),
      "infra/Cache",
      "kmsKeyArn",
      "arn:aws:kms:us-east-1:123456789012:feast",
      "must be a KMS key ARN: arn:<partition>:kms:<region>:<account>:key/<id>",
    );
    expectInvalid(
      () => elasti({ replicationGroupArn: "arn:aws:elasticache:us-east-1:123456789012:cluster:feast" }),
      "infra/Cache",
      "replicationGroupArn",
      "arn:aws:elasticache:us-east-1:123456789012:cluster:feast",
      "must be an ElastiCache replication group or serverless cache ARN: arn:<partition>:elasticache:<region>:<account>:replicationgroup:<id>",
    );
    expectInvalid(
      () => elasti({ replicationGroupArn: RG_ARN, userArns: [USER_ARN, "feast"] }),
      "infra/Cache",
      "userArns[1]",
      "feast",
      "must be an ElastiCache user ARN: arn:<partition>:elasticache:<region>:<account>:user:<user-id>",
    );
  });

  it("accepts token ARNs", () => {
    expect(() => elasti({ authTokenSecretArn: strToken(), replicationGroupArn: strToken(), userArns: [strToken()] })).not.toThrow();
  });
});

describe("MemorystoreReference", () => {
  let stack: TerraformStack;
  let cluster: MemorystoreReference;
  let withAuth: MemorystoreReference;
  let identity: FakeIdentity;
  let json: ReturnType<typeof synthJson>;

  beforeAll(() => {
    stack = bareStack();
    cluster = memorystore({}, stack, "Online");
    withAuth = memorystore({ product: MemorystoreProduct.REDIS, iamAuthentication: undefined, port: 6378, authSecret: "feast-redis-auth" }, stack, "Sessions");
    identity = new FakeIdentity(stack, "Feast", WorkloadIdentityKind.GCP_SERVICE_ACCOUNT);
    cluster.grantConnect(identity);
    withAuth.grantConnect(identity);
    json = synthJson(stack);
  });

  it("exposes the endpoint, the AUTH secret and a rediss:// URI", () => {
    expect([cluster.host, cluster.port, cluster.tlsEnabled, cluster.iamAuthentication, cluster.project, cluster.product]).toEqual([
      "10.30.0.5",
      6379,
      true,
      true,
      "acme-ml",
      MemorystoreProduct.REDIS_CLUSTER,
    ]);
    expect(cluster.authSecret).toBeUndefined();
    expect(cluster.connectionUri()).toBe("rediss://10.30.0.5:6379");
    expect(withAuth.authSecret).toEqual({ kind: SecretKind.GCP_SECRET_MANAGER, name: "projects/acme-ml/secrets/feast-redis-auth" });
    expect(withAuth.iamAuthentication).toBe(false);
    expect(withAuth.product).toBe(MemorystoreProduct.REDIS);
    expect(withAuth.connectionUri()).toBe("rediss://10.30.0.5:6378");
  });

  it("binds roles/redis.dbConnectionUser on the project for Redis Cluster IAM authentication, under the identity", () => {
    const members = resourcesOfType(json, "google_project_iam_member");
    expect(Object.values(members)).toEqual([{ project: "acme-ml", role: "roles/redis.dbConnectionUser", member: SA_MEMBER }]);
    expect(Object.keys(members)[0]).toMatch(new RegExp(`^Feast_RedisDbConnectionUser-${hash8("acme-ml")}_`));
  });

  it("binds roles/memorystore.dbConnectionUser on the project for Valkey IAM authentication", () => {
    const s = bareStack();
    const id = new FakeIdentity(s, "Feast", WorkloadIdentityKind.GCP_SERVICE_ACCOUNT);
    const valkey = memorystore({ product: MemorystoreProduct.VALKEY }, s);
    expect(valkey.product).toBe(MemorystoreProduct.VALKEY);
    valkey.grantConnect(id);
    memorystore({}, s, "Cluster").grantConnect(id);
    const members = resourcesOfType(synthJson(s), "google_project_iam_member");
    expect(Object.values(members)).toEqual([
      { project: "acme-ml", role: "roles/memorystore.dbConnectionUser", member: SA_MEMBER },
      { project: "acme-ml", role: "roles/redis.dbConnectionUser", member: SA_MEMBER },
    ]);
    expect(Object.keys(members)[0]).toMatch(new RegExp(`^Feast_MemorystoreDbConnectionUser-${hash8("acme-ml")}_`));
  });

  it("binds roles/secretmanager.secretAccessor on the AUTH secret, under the identity", () => {
    const members = resourcesOfType(json, "google_secret_manager_secret_iam_member");
    expect(Object.values(members)).toEqual([
      { secret_id: "projects/acme-ml/secrets/feast-redis-auth", role: "roles/secretmanager.secretAccessor", member: SA_MEMBER },
    ]);
    expect(Object.keys(members)[0]).toMatch(new RegExp(`^Feast_SecretAccessor-${hash8("projects/acme-ml/secrets/feast-redis-auth")}_`));
  });

  it("requires a known product, and rejects IAM authentication on Memorystore for Redis", () => {
    expectInvalid(
      () => memorystore({ product: undefined }),
      "infra/Cache",
      "product",
      undefined,
      "is required: MemorystoreProduct.REDIS, REDIS_CLUSTER or VALKEY (IAM authentication and its role depend on it)",
    );
    expectInvalid(
      () => memorystore({ product: "memcached" as MemorystoreProduct }),
      "infra/Cache",
      "product",
      "memcached",
      'must be one of MemorystoreProduct.REDIS ("redis"), MemorystoreProduct.REDIS_CLUSTER ("redis-cluster"), MemorystoreProduct.VALKEY ("valkey")',
    );
    expectInvalid(
      () => memorystore({ product: MemorystoreProduct.REDIS }),
      "infra/Cache",
      "iamAuthentication",
      true,
      "Memorystore for Redis (MemorystoreProduct.REDIS) has no IAM authentication, only an AUTH string: set authSecret instead (IAM authentication is for REDIS_CLUSTER and VALKEY)",
    );
  });

  it("refuses to grant IAM authentication with a token project, or a token AUTH secret", () => {
    const s = bareStack();
    const id = new FakeIdentity(s, "Feast", WorkloadIdentityKind.GCP_SERVICE_ACCOUNT);
    expect(() => memorystore({ project: strToken() }, s, "A").grantConnect(id)).toThrow(
      /^infra\/A: invalid project "\$\{TfToken\[TOKEN\.\d+\]\}": must be a literal project id to grant roles\/redis\.dbConnectionUser: the binding is keyed on the project/,
    );
    expect(() => memorystore({ product: MemorystoreProduct.VALKEY, project: strToken() }, s, "B").grantConnect(id)).toThrow(
      /^infra\/B: invalid project "\$\{TfToken\[TOKEN\.\d+\]\}": must be a literal project id to grant roles\/memorystore\.dbConnectionUser/,
    );
    // a bare secret id takes the (token) project into its name
    expect(() => memorystore({ project: strToken(), iamAuthentication: false, authSecret: "feast-redis-auth" }, s, "C").grantConnect(id)).toThrow(
      /^infra\/C: invalid authSecret "projects\/\$\{TfToken\[TOKEN\.\d+\]\}\/secrets\/feast-redis-auth": must be a literal Secret Manager secret \(and, for a bare secret id, a literal project\)/,
    );
    // a literal full secret name needs no literal project when IAM authentication is off
    memorystore({ project: strToken(), iamAuthentication: false, authSecret: "projects/acme-ml/secrets/feast-redis-auth" }, s, "D").grantConnect(id);
    expect(Object.values(resourcesOfType(synthJson(s), "google_secret_manager_secret_iam_member"))).toEqual([
      { secret_id: "projects/acme-ml/secrets/feast-redis-auth", role: "roles/secretmanager.secretAccessor", member: SA_MEMBER },
    ]);
  });

  it("warns when the instance has no authentication, and then grants nothing", () => {
    const s = bareStack();
    const open = memorystore({ iamAuthentication: false, tlsEnabled: false, allowPlaintext: true }, s);
    expect(open.connectionUri()).toBe("redis://10.30.0.5:6379");
    open.grantConnect(new FakeIdentity(s, "Feast", WorkloadIdentityKind.GCP_SERVICE_ACCOUNT));
    memorystore({ product: MemorystoreProduct.REDIS, iamAuthentication: undefined }, s, "Redis");
    expect(annotations(s, "warn")).toEqual([
      "infra/Cache: the cache at 10.30.0.5:6379 has no authentication configured: any client that reaches it can read and write; set authSecret or iamAuthentication",
      "infra/Redis: the cache at 10.30.0.5:6378 has no authentication configured: any client that reaches it can read and write; set authSecret",
    ]);
    expect(synthJson(s).resource).toBeUndefined();
  });

  it.each([
    [WorkloadIdentityKind.AWS_IAM_ROLE, "aws-iam-role"],
    [WorkloadIdentityKind.KUBERNETES_SECRET, "kubernetes-secret"],
  ])("rejects a %s identity", (kind, label) => {
    const s = bareStack();
    const cache = memorystore({}, s);
    expectInvalid(
      () => cache.grantConnect(new FakeIdentity(s, "Id", kind)),
      "infra/Cache",
      "identity",
      "infra/Id",
      `is a ${label} identity; a Memorystore instance can only be granted to a GCP service account identity (GkeCluster.addWorkloadIdentity)`,
    );
  });

  it("Memorystore for Redis listens on 6378 with TLS and 6379 without; other products on 6379", () => {
    const s = bareStack();
    const tls = memorystore({ product: MemorystoreProduct.REDIS, iamAuthentication: undefined, authSecret: "redis-auth" }, s, "Tls");
    expect([tls.port, tls.connectionUri()]).toEqual([6378, "rediss://10.30.0.5:6378"]);
    const plain = memorystore(
      { product: MemorystoreProduct.REDIS, iamAuthentication: undefined, authSecret: "redis-auth", tlsEnabled: false, allowPlaintext: true },
      s,
      "Plain",
    );
    expect([plain.port, plain.connectionUri()]).toEqual([6379, "redis://10.30.0.5:6379"]);
    expect(memorystore({ product: MemorystoreProduct.VALKEY }, s, "Valkey").port).toBe(6379);
  });

  it("rejects a Memorystore for Redis port that contradicts the TLS setting", () => {
    expectInvalid(
      () => memorystore({ product: MemorystoreProduct.REDIS, iamAuthentication: undefined, port: 6379 }),
      "infra/Cache",
      "port",
      6379,
      "contradicts tlsEnabled: true: Memorystore for Redis listens on 6378 with in-transit encryption (TLS); omit port (it defaults to 6378) or set tlsEnabled to match the instance",
    );
    expectInvalid(
      () => memorystore({ product: MemorystoreProduct.REDIS, iamAuthentication: undefined, port: 6378, tlsEnabled: false, allowPlaintext: true }),
      "infra/Cache",
      "port",
      6378,
      "contradicts tlsEnabled: false: Memorystore for Redis listens on 6379 without TLS; omit port (it defaults to 6379) or set tlsEnabled to match the instance",
    );
  });

  it("rejects untyped values: a wrong-case product, a string port, a string flag", () => {
    expectInvalid(
      () => memorystore({ product: "VALKEY" as any }),
      "infra/Cache",
      "product",
      "VALKEY",
      'must be one of MemorystoreProduct.REDIS ("redis"), MemorystoreProduct.REDIS_CLUSTER ("redis-cluster"), MemorystoreProduct.VALKEY ("valkey") (values are case-sensitive)',
    );
    expectInvalid(() => memorystore({ port: "6379" as any }), "infra/Cache", "port", "6379", "must be an integer from 1 to 65535, not a string");
    expectInvalid(() => memorystore({ iamAuthentication: "true" as any }), "infra/Cache", "iamAuthentication", "true", "must be true or false, not a string");
  });

  it("rejects a bad project, AUTH secret, host, port or plaintext without allowPlaintext", () => {
    expectInvalid(
      () => memorystore({ project: "acme" }),
      "infra/Cache",
      "project",
      "acme",
      "must be a Google Cloud project id: 6 to 30 lowercase letters, digits and '-', starting with a letter",
    );
    expectInvalid(
      () => memorystore({ authSecret: "feast redis" }),
      "infra/Cache",
      "authSecret",
      "feast redis",
      'must be a Secret Manager secret id (1 to 255 letters, digits, \'_\' and \'-\') or "projects/<project>/secrets/<id>"',
    );
    expectInvalid(() => memorystore({ host: "redis://10.30.0.5" }), "infra/Cache", "host", "redis://10.30.0.5", "must be a host name or IP address without scheme, port or path (IPv6 in brackets)");
    expectInvalid(() => memorystore({ port: 70000 }), "infra/Cache", "port", 70000, "must be an integer from 1 to 65535");
    expectInvalid(
      () => memorystore({ tlsEnabled: false }),
      "infra/Cache",
      "tlsEnabled",
      false,
      "TLS is required by default; also set allowPlaintext: true to connect without TLS",
    );
  });
});

describe("ExistingRedis", () => {
  it("exposes the endpoint, a Kubernetes Secret reference and the URI", () => {
    const cache = existingRedis({ authSecretKey: "redis-password", authSecretNamespace: "feast" });
    expect(cache.connectionUri()).toBe("rediss://redis.dc1.example.com:6379");
    expect(cache.authSecret).toEqual({ kind: SecretKind.KUBERNETES_SECRET, name: "feast-redis", key: "redis-password", namespace: "feast" });
    expect(existingRedis({ port: 6380, tlsEnabled: false, allowPlaintext: true }).connectionUri()).toBe("redis://redis.dc1.example.com:6380");
  });

  it("records a warning per grant naming the server, the service account and the Secret, and creates no resources", () => {
    const stack = bareStack();
    const cache = existingRedis({}, stack);
    cache.grantConnect(new FakeIdentity(stack, "Feast", WorkloadIdentityKind.KUBERNETES_SECRET));
    expect(annotations(stack, "warn")).toEqual([
      'infra/Cache: grant connect on Redis at redis.dc1.example.com:6379 to mlflow/tracking is not enforced by Terraform: the password in Secret "mlflow/feast-redis" must be allowed by the server\'s own ACLs',
    ]);
    expect(synthJson(stack).resource).toBeUndefined();
  });

  it("warns at construction and on each grant when the server has no password", () => {
    const stack = bareStack();
    const cache = existingRedis({ authSecretName: undefined }, stack);
    expect(cache.authSecret).toBeUndefined();
    cache.grantConnect(new FakeIdentity(stack, "Feast", WorkloadIdentityKind.KUBERNETES_SECRET));
    expect(annotations(stack, "warn")).toEqual([
      "infra/Cache: the cache at redis.dc1.example.com:6379 has no authentication configured: any client that reaches it can read and write; set authSecretName",
      "infra/Cache: grant connect on Redis at redis.dc1.example.com:6379 to mlflow/tracking is not enforced by Terraform: the server has no password, so restrict who reaches it with network policies",
    ]);
  });

  it.each([
    [WorkloadIdentityKind.AWS_IAM_ROLE, "aws-iam-role"],
    [WorkloadIdentityKind.GCP_SERVICE_ACCOUNT, "gcp-service-account"],
  ])("rejects a %s identity", (kind, label) => {
    const s = bareStack();
    const cache = existingRedis({}, s);
    expectInvalid(
      () => cache.grantConnect(new FakeIdentity(s, "Id", kind)),
      "infra/Cache",
      "identity",
      "infra/Id",
      `is a ${label} identity; an existing Redis can only be granted to a credentials-Secret identity (ExistingCluster.addWorkloadIdentity)`,
    );
  });

  it("rejects a bad Secret name, key or namespace, and a key without a name", () => {
    expectInvalid(
      () => existingRedis({ authSecretName: "-feast" }),
      "infra/Cache",
      "authSecretName",
      "-feast",
      "must be a DNS-1123 subdomain: dot-separated lowercase labels of letters, digits and '-'",
    );
    expectInvalid(
      () => existingRedis({ authSecretKey: "" }),
      "infra/Cache",
      "authSecretKey",
      "",
      "must be a Secret data key: 1 to 253 letters, digits, '-', '_' and '.'",
    );
    expectInvalid(
      () => existingRedis({ authSecretNamespace: "Feast" }),
      "infra/Cache",
      "authSecretNamespace",
      "Feast",
      "must be a DNS-1123 label: lowercase letters, digits and '-', starting and ending with a letter or digit",
    );
    expectInvalid(
      () => existingRedis({ authSecretName: undefined, authSecretKey: "password" }),
      "infra/Cache",
      "authSecretName",
      undefined,
      "is required with authSecretKey or authSecretNamespace",
    );
  });
});

describe("granting the same access twice", () => {
  it("is idempotent for every cloud adapter (one policy or member per grant)", () => {
    const stack = bareStack();
    const aws = new FakeIdentity(stack, "Aws", WorkloadIdentityKind.AWS_IAM_ROLE);
    const gcp = new FakeIdentity(stack, "Gcp", WorkloadIdentityKind.GCP_SERVICE_ACCOUNT);
    const grantTwice = (target: { grantConnect(identity: IWorkloadIdentity): void }, identity: IWorkloadIdentity) => {
      target.grantConnect(identity);
      target.grantConnect(identity);
    };
    grantTwice(rds({}, stack), aws);
    grantTwice(elasti({}, stack), aws);
    grantTwice(cloudSql({}, stack, "SqlDb"), gcp);
    grantTwice(memorystore({ authSecret: "feast-redis-auth" }, stack, "Redis"), gcp);
    const json = synthJson(stack);
    expect(Object.keys(resourcesOfType(json, "aws_iam_role_policy"))).toHaveLength(2);
    expect(Object.values(resourcesOfType(json, "google_project_iam_member")).map((m) => m.role).sort()).toEqual([
      "roles/cloudsql.client",
      "roles/redis.dbConnectionUser",
    ]);
    expect(Object.keys(resourcesOfType(json, "google_secret_manager_secret_iam_member"))).toHaveLength(2);
  });
});
