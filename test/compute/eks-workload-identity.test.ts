import { EksCluster, EksIdentityMode } from "../../lib/compute/eks-cluster";
import { EksWorkloadIdentity } from "../../lib/compute/eks-workload-identity";
import { awsStack, resourcesOfType, SynthJson, synthJson, testApp } from "../support/synth";

const CLUSTER_ARN = "${aws_eks_cluster.Cluster_EB0386A7.arn}";

function setup(identityMode?: EksIdentityMode): { json: SynthJson; cluster: EksCluster } {
  const app = testApp();
  const infra = awsStack(app, "infra");
  const cluster = new EksCluster(infra, "Cluster", { clusterName: "ml-prod", subnetIds: ["subnet-a", "subnet-b"], identityMode });
  cluster.addWorkloadIdentity("Trainer", { namespace: "training", serviceAccountName: "trainer" });
  cluster.addWorkloadIdentity("Server", { namespace: "serving", serviceAccountName: "model-server" });
  new EksWorkloadIdentity(infra, "AddonOwned", { cluster, namespace: "kube-system", serviceAccountName: "addon-sa", managedByAddon: true });
  return { json: synthJson(infra), cluster };
}

/** The trust statements of the role whose logical id starts with `prefix`. */
function trustOf(json: SynthJson, prefix: string): any[] {
  const roles = Object.entries(resourcesOfType(json, "aws_iam_role")).filter(([id]) => id.startsWith(prefix));
  expect(roles.length).toBe(1);
  return JSON.parse((roles[0][1] as any).assume_role_policy).Statement;
}

describe("EksWorkloadIdentity with EKS Pod Identity (the default)", () => {
  const { json } = setup();

  test("the documented trust: pods.eks.amazonaws.com, AssumeRole + TagSession, scoped by the session tags EKS sets", () => {
    expect(trustOf(json, "Cluster_Trainer_Role_")).toEqual([
      {
        Effect: "Allow",
        Principal: { Service: "pods.eks.amazonaws.com" },
        Action: ["sts:AssumeRole", "sts:TagSession"],
        Condition: {
          StringEquals: {
            "aws:RequestTag/eks-cluster-arn": CLUSTER_ARN,
            "aws:RequestTag/kubernetes-namespace": "training",
            "aws:RequestTag/kubernetes-service-account": "trainer",
          },
        },
      },
    ]);
  });

  test("each role names its own service account, so one association cannot assume another's role", () => {
    const [server] = trustOf(json, "Cluster_Server_Role_");
    expect(server.Condition.StringEquals["aws:RequestTag/kubernetes-namespace"]).toBe("serving");
    expect(server.Condition.StringEquals["aws:RequestTag/kubernetes-service-account"]).toBe("model-server");
    expect(server.Condition.StringEquals["aws:RequestTag/eks-cluster-arn"]).toBe(CLUSTER_ARN);
  });

  test("no aws:SourceArn condition (what EKS puts there is undocumented; a cluster ARN there may never match)", () => {
    const roles = Object.values(resourcesOfType(json, "aws_iam_role")) as any[];
    const podIdentityTrusts = roles
      .map((r) => JSON.parse(r.assume_role_policy).Statement)
      .flat()
      .filter((st: any) => st.Principal?.Service === "pods.eks.amazonaws.com");
    // Trainer, Server, the add-on owned one, and the Cluster Autoscaler's identity (created by default).
    expect(podIdentityTrusts.length).toBeGreaterThanOrEqual(4);
    for (const st of podIdentityTrusts) {
      expect(JSON.stringify(st)).not.toContain("aws:SourceArn");
      expect(Object.keys(st.Condition)).toEqual(["StringEquals"]);
      expect(Object.keys(st.Condition.StringEquals).sort()).toEqual([
        "aws:RequestTag/eks-cluster-arn",
        "aws:RequestTag/kubernetes-namespace",
        "aws:RequestTag/kubernetes-service-account",
      ]);
    }
  });

  test("associations keep session tags on, which the trust conditions need", () => {
    const associations = Object.values(resourcesOfType(json, "aws_eks_pod_identity_association")) as any[];
    expect(associations.map((a) => a.service_account).sort()).toEqual(["cluster-autoscaler", "model-server", "trainer"]);
    for (const a of associations) expect(a.disable_session_tags).toBe(false);
  });

  test("an add-on owned identity gets the same trust and no association of its own", () => {
    expect(trustOf(json, "AddonOwned_Role_")[0].Condition.StringEquals).toEqual({
      "aws:RequestTag/eks-cluster-arn": CLUSTER_ARN,
      "aws:RequestTag/kubernetes-namespace": "kube-system",
      "aws:RequestTag/kubernetes-service-account": "addon-sa",
    });
    const associations = Object.values(resourcesOfType(json, "aws_eks_pod_identity_association")) as any[];
    expect(associations.filter((a) => a.service_account === "addon-sa")).toEqual([]);
  });
});

describe("EksWorkloadIdentity with IRSA", () => {
  const { json } = setup(EksIdentityMode.IRSA);

  test("trusts the cluster's OIDC provider for exactly the service account, with no session-tag conditions", () => {
    // The condition keys are Terraform expressions (the issuer without its scheme), so the policy is not JSON
    // until Terraform renders it: check the text.
    const role = Object.entries(resourcesOfType(json, "aws_iam_role")).find(([id]) => id.startsWith("Cluster_Trainer_Role_"))![1] as any;
    const policy: string = role.assume_role_policy;
    expect(policy).toContain('"Action":"sts:AssumeRoleWithWebIdentity"');
    expect(policy).toContain('"system:serviceaccount:training:trainer"');
    expect(policy).toContain('"sts.amazonaws.com"');
    expect(policy).not.toContain("pods.eks.amazonaws.com");
    expect(policy).not.toContain("aws:RequestTag");
    expect(resourcesOfType(json, "aws_eks_pod_identity_association")).toEqual({});
  });
});

describe("EksWorkloadIdentity validation", () => {
  test("a credentials Secret is for on-prem clusters only", () => {
    const app = testApp();
    const infra = awsStack(app, "infra");
    const cluster = new EksCluster(infra, "Cluster", { clusterName: "ml-prod", subnetIds: ["subnet-a", "subnet-b"] });
    expect(() =>
      new EksWorkloadIdentity(infra, "Bad", { cluster, namespace: "training", serviceAccountName: "trainer", credentialsSecretName: "aws-creds" }),
    ).toThrow('infra/Bad: invalid credentialsSecretName "aws-creds": is only for on-prem clusters; EKS workloads use an IAM role');
  });
});
