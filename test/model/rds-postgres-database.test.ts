import { WorkloadIdentityKind } from "../../lib/core/cluster";
import { DatabaseEngine, SecretKind } from "../../lib/core/database";
import { RdsPostgresDatabase } from "../../lib/model/rds-postgres-database";
import { EksCluster } from "../../lib/compute/eks-cluster";
import { FakeIdentity } from "../support/fake-identity";
import { awsStack, onlyResource, resolve, resourcesOfType, synthJson } from "../support/synth";

const KEY = "arn:aws:kms:us-east-1:123456789012:key/0123abcd-0123-4567-89ab-0123456789ab";
const BASE = {
  identifier: "mlflow",
  databaseName: "mlflow",
  vpcId: "vpc-123",
  subnetIds: ["subnet-a", "subnet-b"],
  allowedSecurityGroupIds: ["sg-cluster"],
};

/**
 * Parses a policy whose kms:ViaService is a Terraform expression over a token ARN (it holds quotes):
 * each `${...}` becomes "<tf>" so the JSON parses; references are checked on the raw text.
 */
function parsePolicy(raw: string): any {
  return JSON.parse(raw.replace(/\$\{[^}]*\}/g, "<tf>"));
}

function db(props: any = {}) {
  const stack = awsStack();
  const d = new RdsPostgresDatabase(stack, "MlflowDb", { ...BASE, ...props });
  return { stack, d };
}

describe("RdsPostgresDatabase", () => {
  test("defaults: PostgreSQL 17.5, encrypted with a new CMK, RDS-managed master secret on the CMK, not public, Multi-AZ, backups 7 days", () => {
    const { stack } = db();
    const json = synthJson(stack);
    const instance = onlyResource(json, "aws_db_instance");
    expect(instance).toMatchObject({
      identifier: "mlflow",
      engine: "postgres",
      engine_version: "17.5",
      auto_minor_version_upgrade: true,
      allow_major_version_upgrade: false,
      storage_type: "gp3",
      storage_encrypted: true,
      db_name: "mlflow",
      username: "dbadmin",
      manage_master_user_password: true,
      publicly_accessible: false,
      multi_az: true,
      port: 5432,
      backup_retention_period: 7,
      copy_tags_to_snapshot: true,
      delete_automated_backups: false,
      skip_final_snapshot: false,
      final_snapshot_identifier: "mlflow-final",
      deletion_protection: true,
      iam_database_authentication_enabled: false,
      performance_insights_enabled: true,
      performance_insights_retention_period: 7,
      monitoring_interval: 0,
      lifecycle: { prevent_destroy: true },
    });
    expect(instance.password).toBeUndefined();
    expect(instance.password_wo).toBeUndefined();
    const keyRef = expect.stringMatching(/^\$\{aws_kms_key\.MlflowDb_Key_.*\.arn\}$/);
    expect(instance.kms_key_id).toEqual(keyRef);
    expect(instance.master_user_secret_kms_key_id).toEqual(keyRef);
    expect(instance.performance_insights_kms_key_id).toEqual(keyRef);
    const key = onlyResource(json, "aws_kms_key");
    expect(key).toMatchObject({ enable_key_rotation: true, lifecycle: { prevent_destroy: true } });
    const policy = JSON.parse(key.policy);
    expect(policy.Statement).toEqual([
      expect.objectContaining({ Effect: "Allow", Principal: { AWS: expect.stringMatching(/^arn:\$\{data\.aws_partition.*\}:iam::\$\{data\.aws_caller_identity.*\}:root$/) } }),
    ]);
  });

  test("pins the addresses of the stateful resources (renaming one replaces the database)", () => {
    const { stack } = db();
    const json = synthJson(stack);
    expect(Object.keys(resourcesOfType(json, "aws_db_instance"))).toEqual(["MlflowDb_A079D7F0"]);
    expect(Object.keys(resourcesOfType(json, "aws_kms_key"))).toEqual(["MlflowDb_Key_D646EC7F"]);
  });

  test("wired to an EksCluster: its VPC, private subnets and cluster security group; grant to its workload identity", () => {
    const stack = awsStack();
    const cluster = new EksCluster(stack, "Cluster", { clusterName: "ml-prod" });
    const d = new RdsPostgresDatabase(stack, "MlflowDb", {
      identifier: "mlflow",
      databaseName: "mlflow",
      vpcId: cluster.vpc!.vpc.id,
      subnetIds: cluster.subnetIds,
      allowedSecurityGroupIds: [cluster.resource.vpcConfig.clusterSecurityGroupId],
    });
    d.grantConnect(cluster.addWorkloadIdentity("Mlflow", { namespace: "mlflow", serviceAccountName: "mlflow" }));
    const json = synthJson(stack);
    const sg = Object.values(resourcesOfType(json, "aws_security_group")).find((g: any) => g.name === "mlflow-postgres") as any;
    expect(sg.vpc_id).toMatch(/^\$\{aws_vpc\./);
    expect(sg.ingress[0].security_groups).toEqual([expect.stringMatching(/aws_eks_cluster\..*\.vpc_config\[0\]\.cluster_security_group_id/)]);
    expect(onlyResource(json, "aws_db_subnet_group").subnet_ids).toEqual(expect.arrayContaining([expect.stringMatching(/^\$\{aws_subnet\./)]));
    const policies = Object.values(resourcesOfType(json, "aws_iam_role_policy")).map((p: any) => p.policy as string);
    expect(policies.some((p) => p.includes("master_user_secret[0].secret_arn"))).toBe(true);
  });

  test("TLS enforced through the parameter group of the engine's major version", () => {
    const { stack, d } = db({ engineVersion: "16.9" });
    const json = synthJson(stack);
    const group = onlyResource(json, "aws_db_parameter_group");
    expect(group).toMatchObject({ name: "mlflow-postgres16", family: "postgres16", parameter: [{ name: "rds.force_ssl", value: "1" }] });
    expect(onlyResource(json, "aws_db_instance").parameter_group_name).toMatch(/aws_db_parameter_group\..*\.name/);
    expect(d.tlsRequired).toBe(true);
    expect(resolve(d, d.connectionUri())).toMatch(/^postgresql:\/\/\$\{aws_db_instance\..*\.address\}:5432\/mlflow\?sslmode=verify-full$/);
  });

  test("network: private subnet group; 5432 only from the named security groups; no egress", () => {
    const { stack } = db({ allowedSecurityGroupIds: ["sg-cluster", "sg-other"] });
    const json = synthJson(stack);
    expect(onlyResource(json, "aws_db_subnet_group")).toMatchObject({ name: "mlflow", subnet_ids: ["subnet-a", "subnet-b"] });
    const sg = onlyResource(json, "aws_security_group");
    expect(sg.egress).toEqual([]);
    expect(sg.ingress).toEqual([expect.objectContaining({ protocol: "tcp", from_port: 5432, to_port: 5432, security_groups: ["sg-cluster", "sg-other"] })]);
    expect(sg.ingress[0].cidr_blocks ?? []).toEqual([]);
  });

  test("credentials are the RDS-managed secret; grantConnect reads it and decrypts only via Secrets Manager", () => {
    const { stack, d } = db();
    expect(d.engine).toBe(DatabaseEngine.POSTGRES);
    expect(d.credentials.kind).toBe(SecretKind.AWS_SECRETS_MANAGER);
    expect(resolve(d, d.credentials.name)).toMatch(/aws_db_instance\..*\.master_user_secret\[0\]\.secret_arn/);
    d.grantConnect(new FakeIdentity(stack, "Mlflow", WorkloadIdentityKind.AWS_IAM_ROLE, "mlflow", "mlflow"));
    const raw = onlyResource(synthJson(stack), "aws_iam_role_policy").policy;
    const policy = parsePolicy(raw);
    expect(policy.Statement.map((s: any) => s.Sid)).toEqual(["ReadSecret", "DecryptSecret"]);
    expect(policy.Statement[0].Action).toEqual(["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"]);
    expect(policy.Statement[1].Action).toEqual(["kms:Decrypt"]);
    expect(raw).toContain('"Resource":["${aws_kms_key.MlflowDb_Key_D646EC7F.arn}"]');
    expect(raw).toContain('"kms:EncryptionContext:SecretARN":"${aws_db_instance.MlflowDb_A079D7F0.master_user_secret[0].secret_arn}"');
    expect(raw).toMatch(/"kms:ViaService":"secretsmanager\.\$\{element\(split/);
  });

  test("IAM authentication: enabled on the instance; grantConnect adds rds-db:connect on dbuser:<resource id>/<iamUser>", () => {
    const { stack, d } = db({ iamAuthentication: true, iamUser: "mlflow_iam" });
    d.grantConnect(new FakeIdentity(stack, "Mlflow", WorkloadIdentityKind.AWS_IAM_ROLE, "mlflow", "mlflow"));
    const json = synthJson(stack);
    expect(onlyResource(json, "aws_db_instance").iam_database_authentication_enabled).toBe(true);
    const raw = onlyResource(json, "aws_iam_role_policy").policy;
    const connect = parsePolicy(raw).Statement.find((s: any) => s.Sid === "IamAuthentication");
    expect(connect.Action).toEqual(["rds-db:connect"]);
    expect(raw).toMatch(/"Resource":\["arn:\$\{data\.aws_partition.*\}:rds-db:\$\{data\.aws_region.*\}:\$\{data\.aws_caller_identity.*\}:dbuser:\$\{aws_db_instance\..*\.resource_id\}\/mlflow_iam"/);
  });

  test("grants to a GCP identity are rejected", () => {
    const { stack, d } = db();
    expect(() => d.grantConnect(new FakeIdentity(stack, "G", WorkloadIdentityKind.GCP_SERVICE_ACCOUNT))).toThrow(/an RDS database can only be granted to an AWS IAM role identity/);
  });

  test("a given key is used, none created; enhanced monitoring gets its role; allowDestroy lifts both protections", () => {
    const { stack } = db({ kmsKeyArn: KEY, monitoringIntervalSeconds: 30, allowDestroy: true, performanceInsights: false });
    const json = synthJson(stack);
    expect(resourcesOfType(json, "aws_kms_key")).toEqual({});
    const instance = onlyResource(json, "aws_db_instance");
    expect(instance).toMatchObject({ kms_key_id: KEY, master_user_secret_kms_key_id: KEY, deletion_protection: false, lifecycle: { prevent_destroy: false }, monitoring_interval: 30, performance_insights_enabled: false });
    expect(instance.performance_insights_kms_key_id).toBeUndefined();
    expect(instance.monitoring_role_arn).toMatch(/aws_iam_role\..*\.arn/);
    expect(JSON.parse(onlyResource(json, "aws_iam_role").assume_role_policy).Statement[0].Principal).toEqual({ Service: "monitoring.rds.amazonaws.com" });
    expect(onlyResource(json, "aws_iam_role_policy_attachment").policy_arn).toMatch(/AmazonRDSEnhancedMonitoringRole$/);
  });

  test("storage autoscaling: up to twice the allocated storage (at least 100 GiB) unless given", () => {
    expect(onlyResource(synthJson(db().stack), "aws_db_instance")).toMatchObject({ allocated_storage: 20, max_allocated_storage: 100 });
    expect(onlyResource(synthJson(db({ allocatedStorageGiB: 200 }).stack), "aws_db_instance").max_allocated_storage).toBe(400);
    expect(onlyResource(synthJson(db({ allocatedStorageGiB: 200, maxAllocatedStorageGiB: 250 }).stack), "aws_db_instance").max_allocated_storage).toBe(250);
  });

  test("a long identifier still gives a valid monitoring role name (at most 64 characters)", () => {
    const identifier = `ml-${"a".repeat(60)}`;
    const role = onlyResource(synthJson(db({ identifier, monitoringIntervalSeconds: 60 }).stack), "aws_iam_role");
    expect(role.name.length).toBeLessThanOrEqual(64);
    expect(role.name.startsWith("ml-aaa")).toBe(true);
    expect(onlyResource(synthJson(db({ monitoringIntervalSeconds: 60 }).stack), "aws_iam_role").name).toBe("mlflow-rds-monitoring");
  });

  test("single-AZ needs allowSingleAz", () => {
    expect(() => db({ multiAz: false })).toThrow('MlflowDb: invalid multiAz false: is required for a standby in another Availability Zone; set allowSingleAz: true to accept a single instance');
    expect(onlyResource(synthJson(db({ multiAz: false, allowSingleAz: true }).stack), "aws_db_instance").multi_az).toBe(false);
  });

  describe("rejects bad input", () => {
    test.each([
      ["identifier", { identifier: "1db" }, 'invalid identifier "1db": must be 1 to 63 lowercase letters'],
      ["identifier uppercase", { identifier: "MlFlow" }, 'invalid identifier "MlFlow"'],
      ["identifier --", { identifier: "ml--flow" }, 'invalid identifier "ml--flow"'],
      ["identifier trailing -", { identifier: "mlflow-" }, 'invalid identifier "mlflow-"'],
      ["identifier too long", { identifier: "a".repeat(64) }, "invalid identifier"],
      ["identifier number", { identifier: 5 }, "invalid identifier 5: must be 1 to 63 lowercase letters, digits and '-', starting with a letter, without '--' and not ending in '-', not a number"],
      ["databaseName", { databaseName: "ml-flow" }, 'invalid databaseName "ml-flow": must be a PostgreSQL identifier'],
      ["engineVersion major only", { engineVersion: "17" }, 'invalid engineVersion "17": must be a pinned PostgreSQL version "<major>.<minor>", e.g. "17.5"'],
      ["engineVersion too old", { engineVersion: "13.20" }, 'invalid engineVersion "13.20": must have a major version from 14 to 17'],
      ["engineVersion too new", { engineVersion: "18.1" }, 'invalid engineVersion "18.1": must have a major version from 14 to 17'],
      ["engineVersion number", { engineVersion: 17.5 }, "invalid engineVersion 17.5: must be a pinned PostgreSQL version"],
      ["instanceClass", { instanceClass: "m7g.large" }, 'invalid instanceClass "m7g.large": must be an RDS instance class'],
      ["allocatedStorageGiB small", { allocatedStorageGiB: 10 }, "invalid allocatedStorageGiB 10"],
      ["allocatedStorageGiB huge", { allocatedStorageGiB: 70000 }, "invalid allocatedStorageGiB 70000"],
      ["allocatedStorageGiB string", { allocatedStorageGiB: "100" }, 'invalid allocatedStorageGiB "100"'],
      ["maxAllocatedStorageGiB below allocated", { allocatedStorageGiB: 200, maxAllocatedStorageGiB: 100 }, "invalid maxAllocatedStorageGiB 100: must be at least allocatedStorageGiB (200)"],
      ["backupRetentionDays short", { backupRetentionDays: 3 }, "invalid backupRetentionDays 3"],
      ["backupRetentionDays long", { backupRetentionDays: 36 }, "invalid backupRetentionDays 36"],
      ["backupRetentionDays string", { backupRetentionDays: "7" }, 'invalid backupRetentionDays "7"'],
      ["kmsKeyArn alias", { kmsKeyArn: "alias/db" }, 'invalid kmsKeyArn "alias/db": is a KMS alias'],
      ["masterUsername reserved", { masterUsername: "postgres" }, 'invalid masterUsername "postgres": is reserved by RDS for PostgreSQL'],
      ["masterUsername syntax", { masterUsername: "1admin" }, 'invalid masterUsername "1admin"'],
      ["iamUser without IAM", { iamUser: "app" }, 'invalid iamUser "app": needs iamAuthentication: true'],
      ["iamUser syntax", { iamAuthentication: true, iamUser: "app-iam" }, 'invalid iamUser "app-iam"'],
      ["iamAuthentication string", { iamAuthentication: "true" }, 'invalid iamAuthentication "true"'],
      ["monitoringIntervalSeconds", { monitoringIntervalSeconds: 20 }, "invalid monitoringIntervalSeconds 20: must be one of 0, 1, 5, 10, 15, 30, 60"],
      ["subnetIds one", { subnetIds: ["subnet-a"] }, 'invalid subnetIds ["subnet-a"]: must list at least 2 subnets'],
      ["subnetIds string", { subnetIds: "subnet-a" }, 'invalid subnetIds "subnet-a": must be a list'],
      ["subnetIds missing", { subnetIds: undefined }, "invalid subnetIds undefined: is required"],
      ["allowedSecurityGroupIds empty", { allowedSecurityGroupIds: [] }, "invalid allowedSecurityGroupIds []: must name at least one security group"],
      ["allowedSecurityGroupIds missing", { allowedSecurityGroupIds: undefined }, "invalid allowedSecurityGroupIds undefined: is required"],
      ["allowedSecurityGroupIds duplicate", { allowedSecurityGroupIds: ["sg-a", "sg-a"] }, 'invalid allowedSecurityGroupIds[1] "sg-a": is a duplicate'],
      ["vpcId", { vpcId: "" }, 'invalid vpcId ""'],
      ["allowDestroy string", { allowDestroy: "yes" }, 'invalid allowDestroy "yes"'],
    ])("%s", (_name, props, message) => {
      expect(() => db(props)).toThrow(message);
    });
  });
});
