import { KEY_ADMIN_ACTIONS, KEY_USER_ACTIONS, serviceKeyPolicy } from "../../lib/core/kms-key-policy";
import { S3DataLake } from "../../lib/data/s3-data-lake";
import { EksCluster } from "../../lib/compute/eks-cluster";
import { Construct } from "constructs";
import { awsStack, onlyResource, resolve, resourcesOfType, synthJson } from "../support/synth";

/** The statements of a synthesized key policy, by Sid. */
function keyStatements(policy: string): Record<string, any> {
  return Object.fromEntries((JSON.parse(policy).Statement as any[]).map((s) => [s.Sid, s]));
}

describe("shared KMS key policy", () => {
  test("one admin list: the union the EKS cluster and the data lake used to keep apart", () => {
    for (const action of ["kms:ImportKeyMaterial", "kms:ReplicateKey", "kms:RotateKeyOnDemand", "kms:Create*", "kms:ScheduleKeyDeletion"]) {
      expect(KEY_ADMIN_ACTIONS).toContain(action);
    }
    // No data-plane action among the admin actions.
    for (const action of KEY_USER_ACTIONS) expect(KEY_ADMIN_ACTIONS).not.toContain(action);
  });

  test("serviceKeyPolicy: account root administers, use only through the service in this region for this account", () => {
    const stack = awsStack();
    const scope = new Construct(stack, "Scope");
    const policy = keyStatements(resolve(scope, serviceKeyPolicy(scope, [{ sid: "UseThroughKinesis", service: "kinesis" }])));
    expect(Object.keys(policy)).toEqual(["AccountAdministers", "UseThroughKinesis"]);
    expect(policy.AccountAdministers.Action).toEqual(KEY_ADMIN_ACTIONS);
    expect(policy.AccountAdministers.Principal.AWS).toMatch(/^arn:\$\{.*partition.*\}:iam::\$\{.*account_id\}:root$/);
    expect(policy.UseThroughKinesis.Action).toEqual(KEY_USER_ACTIONS);
    expect(policy.UseThroughKinesis.Condition.StringEquals["kms:ViaService"]).toMatch(/^kinesis\.\$\{.*region\}\.\$\{.*dns_suffix\}$/);
    expect(policy.UseThroughKinesis.Condition.StringEquals["kms:CallerAccount"]).toMatch(/account_id/);
  });

  test("the S3 lake key and the EKS cluster keys use the same admin list", () => {
    const stack = awsStack();
    new S3DataLake(stack, "Lake", { bucketPrefix: "acme-ml-lake" });
    const lakePolicy = keyStatements(onlyResource(synthJson(stack), "aws_kms_key").policy);
    expect(lakePolicy.AccountAdministers.Action).toEqual(KEY_ADMIN_ACTIONS);

    const eksStack = awsStack();
    new EksCluster(eksStack, "Cluster", { clusterName: "ml", keyAdministratorArns: ["arn:aws:iam::123456789012:role/key-admins"] });
    const keys = Object.values(resourcesOfType(synthJson(eksStack), "aws_kms_key")) as any[];
    expect(keys.length).toBeGreaterThan(0);
    for (const key of keys) expect(keyStatements(key.policy).KeyAdministrators.Action).toEqual(KEY_ADMIN_ACTIONS);
  });
});
