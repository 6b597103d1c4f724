import { Construct } from "constructs";
import { App, TerraformStack, Testing } from "cdktf";
import { DataAwsEksClusterAuth } from "@cdktf/provider-aws/lib/data-aws-eks-cluster-auth";
import { HelmProvider } from "@cdktf/provider-helm/lib/provider";
import { KubernetesProvider } from "@cdktf/provider-kubernetes/lib/provider";
import { NamespaceV1 } from "@cdktf/provider-kubernetes/lib/namespace-v1";
import { ServiceAccountV1 } from "@cdktf/provider-kubernetes/lib/service-account-v1";
import {
  ClusterAccess,
  ClusterAuthentication,
  ClusterTarget,
  IKubernetesCluster,
  IWorkloadIdentity,
  NodePoolInfo,
  SystemWorkload,
  WorkloadIdentityOptions,
} from "../../lib/core/cluster";
import { ClusterConnection, NamespaceIsolation, PodSecurityLevel } from "../../lib/core/connection";
import { EksCluster, EksIdentityMode } from "../../lib/compute/eks-cluster";
import { ExistingCluster } from "../../lib/compute/existing-cluster";
import { HelmChart, PinnedChart } from "../../lib/core/helm-chart";
import { awsStack, bareStack, dataSourcesOfType, prepareApp, resourcesOfType, SynthJson, synthJson, testApp } from "../support/synth";

const REMOTE = "data.terraform_remote_state.cross-stack-reference-input-infra.outputs";
const HOST = `\${${REMOTE}.cross-stack-output-aws_eks_clusterCluster_EB0386A7endpoint}`;
const CA = `\${base64decode(${REMOTE}.cross-stack-output-aws_eks_clusterCluster_EB0386A7certificate_authority0data)}`;
const REGION = `\${${REMOTE}.cross-stack-output-dataaws_regionCluster_Region_7C269833region}`;
const EXEC = {
  api_version: "client.authentication.k8s.io/v1beta1",
  command: "aws",
  args: ["eks", "get-token", "--cluster-name", "ml-prod", "--region", REGION],
};

/** An on-prem cluster reached by kubeconfig: the only kind that may share a stack with its connection. */
class FakeOnPremCluster extends Construct implements IKubernetesCluster {
  public readonly clusterName = "lab";
  public readonly target = ClusterTarget.ON_PREM;
  public readonly nodePools: NodePoolInfo[] = [];
  public registerNodePool(): void {}
  public readonly systemWorkloads: SystemWorkload[] = [];
  public addSystemWorkload(workload: SystemWorkload): void {
    this.systemWorkloads.push(workload);
  }
  public addWorkloadIdentity(_id: string, _options: WorkloadIdentityOptions): IWorkloadIdentity {
    throw new Error("not used");
  }
  public accessFor(): ClusterAccess {
    return { configPath: "~/.kube/config", configContext: "lab" };
  }
}

describe("ClusterConnection (EksCluster.connect)", () => {
  let app: App;
  let infra: TerraformStack;
  let cluster: EksCluster;
  let platform: TerraformStack;
  let workloads: TerraformStack;
  let conn: ClusterConnection;
  let platformJson: SynthJson;
  let platformSynth: string;
  let workloadsJson: SynthJson;
  let workloadsSynth: string;
  let infraJson: SynthJson;

  beforeAll(() => {
    app = testApp();
    infra = awsStack(app, "infra");
    cluster = new EksCluster(infra, "Cluster", { clusterName: "ml-prod", subnetIds: ["subnet-a", "subnet-b"] });
    const podIdentity = cluster.addWorkloadIdentity("Trainer", { namespace: "training", serviceAccountName: "trainer" });
    const irsaCluster = new EksCluster(infra, "Irsa", {
      clusterName: "ml-irsa",
      subnetIds: ["subnet-a", "subnet-b"],
      identityMode: EksIdentityMode.IRSA,
    });
    const irsaIdentity = irsaCluster.addWorkloadIdentity("Server", { namespace: "serving", serviceAccountName: "server" });

    platform = bareStack(app, "platform");
    conn = cluster.connect(platform, "Ml");
    conn.addNamespace("serving");
    conn.addNamespace("gpu-operator", {
      podSecurity: PodSecurityLevel.PRIVILEGED,
      privilegedReason: "NVIDIA driver and device plugin DaemonSets",
      labels: { team: "ml" },
    });
    conn.addServiceAccount(podIdentity);
    const irsaConn = irsaCluster.connect(platform, "Irsa", { alias: "irsa" });
    irsaConn.addServiceAccount(irsaIdentity, { automountToken: true });

    workloads = awsStack(app, "workloads");
    cluster.connect(workloads, "A", { alias: "a", authentication: ClusterAuthentication.DATA_SOURCE_TOKEN });
    cluster.connect(workloads, "B", { alias: "b" });

    prepareApp(app);
    infraJson = synthJson(infra);
    platformSynth = Testing.synth(platform);
    platformJson = JSON.parse(platformSynth);
    workloadsSynth = Testing.synth(workloads);
    workloadsJson = JSON.parse(workloadsSynth);
  });

  it("returns a connection that knows its cluster, providers and alias", () => {
    expect(conn).toBeInstanceOf(ClusterConnection);
    expect(conn.cluster).toBe(cluster);
    expect(conn.alias).toBeUndefined();
    expect(conn.kubernetesProvider).toBeInstanceOf(KubernetesProvider);
    expect(conn.helmProvider).toBeInstanceOf(HelmProvider);
    expect(conn.node.path).toBe("platform/Ml");
  });

  it("configures the kubernetes provider from cross-stack references with the aws exec plugin", () => {
    expect(platformSynth).toHaveProviderWithProperties(KubernetesProvider, {
      host: HOST,
      cluster_ca_certificate: CA,
      exec: [EXEC],
    });
    const k8s = platformJson.provider!.kubernetes.find((p) => p.alias === undefined);
    expect(k8s.token).toBeUndefined();
    expect(k8s.config_path).toBeUndefined();
  });

  it("configures the helm provider (kubernetes as an object, exec as an object)", () => {
    const helm = platformJson.provider!.helm.find((p) => p.alias === undefined);
    expect(helm).toEqual({ kubernetes: { host: HOST, cluster_ca_certificate: CA, exec: EXEC } });
  });

  it("reads the cluster's outputs through terraform_remote_state on the infra stack's backend", () => {
    expect(dataSourcesOfType(platformJson, "terraform_remote_state")).toEqual({
      "cross-stack-reference-input-infra": {
        backend: "s3",
        config: { bucket: "strata-test-state", key: "infra.tfstate", region: "us-east-1" },
        workspace: "${terraform.workspace}",
      },
    });
    expect(platform.dependencies).toContain(infra);
    expect(Object.keys(infraJson.output ?? {})).toEqual(
      expect.arrayContaining([
        "cross-stack-output-aws_eks_clusterCluster_EB0386A7endpoint",
        "cross-stack-output-aws_eks_clusterCluster_EB0386A7certificate_authority0data",
      ]),
    );
  });

  it("never references infra resources directly from a later stack", () => {
    expect(platformSynth).not.toMatch(/\$\{aws_/);
    expect(workloadsSynth).not.toMatch(/\$\{aws_/);
  });

  it("with DATA_SOURCE_TOKEN reads a token from aws_eks_cluster_auth in the later stack", () => {
    expect(workloadsSynth).toHaveDataSourceWithProperties(DataAwsEksClusterAuth, { name: "ml-prod" });
    const token = "${data.aws_eks_cluster_auth.A_EksAuth_215BAC7B.token}";
    const k8s = workloadsJson.provider!.kubernetes.find((p) => p.alias === "a");
    expect(k8s).toEqual({ alias: "a", host: HOST, cluster_ca_certificate: CA, token });
    const helm = workloadsJson.provider!.helm.find((p) => p.alias === "a");
    expect(helm).toEqual({ alias: "a", kubernetes: { host: HOST, cluster_ca_certificate: CA, token } });
  });

  it("allows two aliased connections to one cluster in a stack", () => {
    expect(workloadsJson.provider!.kubernetes.map((p) => p.alias).sort()).toEqual(["a", "b"]);
    expect(workloadsJson.provider!.helm.map((p) => p.alias).sort()).toEqual(["a", "b"]);
    expect(workloadsJson.provider!.kubernetes.find((p) => p.alias === "b").exec).toEqual([EXEC]);
    expect(Object.keys(dataSourcesOfType(workloadsJson, "aws_eks_cluster_auth"))).toHaveLength(1);
  });

  it("lets an aliased and a default connection (to different clusters) share a stack", () => {
    expect(platformJson.provider!.kubernetes.map((p) => p.alias ?? "default").sort()).toEqual(["default", "irsa"]);
  });

  describe("addNamespace", () => {
    it("enforces the restricted Pod Security Standard by default", () => {
      expect(platformSynth).toHaveResourceWithProperties(NamespaceV1, {
        provider: "kubernetes",
        metadata: {
          name: "serving",
          labels: {
            "app.kubernetes.io/managed-by": "strata",
            "pod-security.kubernetes.io/enforce": "restricted",
            "pod-security.kubernetes.io/audit": "restricted",
            "pod-security.kubernetes.io/warn": "restricted",
          },
        },
      });
    });

    it("enforces privileged only on opt-in, still auditing and warning at restricted, with extra labels", () => {
      const ns = Object.values(resourcesOfType(platformJson, "kubernetes_namespace_v1")).find(
        (n) => n.metadata.name === "gpu-operator",
      );
      expect(ns.metadata.labels).toEqual({
        team: "ml",
        "app.kubernetes.io/managed-by": "strata",
        "pod-security.kubernetes.io/enforce": "privileged",
        "pod-security.kubernetes.io/audit": "restricted",
        "pod-security.kubernetes.io/warn": "restricted",
      });
    });

    it("records the reason for privileged on the namespace", () => {
      const ns = Object.values(resourcesOfType(platformJson, "kubernetes_namespace_v1")).find((n) => n.metadata.name === "gpu-operator");
      expect(ns.metadata.annotations).toEqual({ "strata.io/privileged-reason": "NVIDIA driver and device plugin DaemonSets" });
    });

    it("rejects extra labels that would override the managed-by or pod-security labels (no silent override)", () => {
      const s = bareStack(testApp(), "p");
      const c = new ClusterConnection(s, "Lab", { cluster: new FakeOnPremCluster(s, "Lab0") });
      for (const key of ["pod-security.kubernetes.io/enforce", "app.kubernetes.io/managed-by"]) {
        expect(() => c.addNamespace("x", { labels: { [key]: "privileged" } })).toThrow(
          new Error(`p/Lab: invalid labels key ${JSON.stringify(key)}: is set by Strata (use podSecurity for the Pod Security level); remove it from labels`),
        );
      }
    });

    it("uses a stable id per namespace name", () => {
      expect(Object.keys(resourcesOfType(platformJson, "kubernetes_namespace_v1")).sort()).toEqual([
        "Ml_Namespace-gpu-operator_7B16F567",
        "Ml_Namespace-serving_2B7B1231",
      ]);
    });

    it.each(["Serving", "my_ns", "a".repeat(64), ""])("rejects the namespace name %p", (name) => {
      expect(() => conn.addNamespace(name)).toThrow(new RegExp(`^platform/Ml: invalid namespace name ${JSON.stringify(name)}: `));
    });
  });

  describe("addServiceAccount", () => {
    it("creates the service account without a token mount and without annotations for Pod Identity", () => {
      const sa = Object.values(resourcesOfType(platformJson, "kubernetes_service_account_v1")).find(
        (s) => s.metadata.name === "trainer",
      );
      expect(sa).toEqual({
        provider: "kubernetes",
        automount_service_account_token: false,
        metadata: { name: "trainer", namespace: "training", labels: { "app.kubernetes.io/managed-by": "strata" } },
      });
    });

    it("annotates the role ARN (a cross-stack reference) for IRSA, on the aliased provider, mounting the token on request", () => {
      // The cdktf jest matchers use a shallow objectContaining: nested blocks must match exactly, so compare the whole resource.
      expect(platformSynth).toHaveResourceWithProperties(ServiceAccountV1, { provider: "kubernetes.irsa" });
      const sa = Object.values(resourcesOfType(platformJson, "kubernetes_service_account_v1")).find(
        (s) => s.metadata.name === "server",
      );
      expect(sa).toEqual({
        provider: "kubernetes.irsa",
        automount_service_account_token: true,
        metadata: {
          name: "server",
          namespace: "serving",
          labels: { "app.kubernetes.io/managed-by": "strata" },
          annotations: {
            "eks.amazonaws.com/role-arn": `\${${REMOTE}.cross-stack-output-aws_iam_roleIrsa_Server_Role_696F69EDarn}`,
          },
        },
      });
    });
  });
});

describe("ClusterConnection: rejected setups", () => {
  it("rejects connecting to a cloud cluster from its own stack", () => {
    const infra = awsStack();
    const cluster = new EksCluster(infra, "Cluster", { clusterName: "ml", subnetIds: ["subnet-a", "subnet-b"] });
    expect(() => cluster.connect(infra, "Ml")).toThrow(
      new Error(
        'infra/Ml: invalid cluster "infra/Cluster": must be created in an earlier stack than the connection (stack "infra"): ' +
          "a provider cannot be configured from a cluster created in the same apply. Create the cluster in the infra stack " +
          "and call cluster.connect(platformStack, ...)",
      ),
    );
  });

  it("allows an on-prem cluster (kubeconfig) in the same stack, configuring providers from the kubeconfig", () => {
    const stack = bareStack();
    const lab = new FakeOnPremCluster(stack, "Lab");
    new ClusterConnection(stack, "LabConn", { cluster: lab, authentication: ClusterAuthentication.DATA_SOURCE_TOKEN });
    const json = synthJson(stack);
    expect(json.provider!.kubernetes).toEqual([{ config_path: "~/.kube/config", config_context: "lab" }]);
    expect(json.provider!.helm).toEqual([{ kubernetes: { config_path: "~/.kube/config", config_context: "lab" } }]);
  });

  describe("in a later stack", () => {
    let app: App;
    let cluster: EksCluster;
    beforeAll(() => {
      app = testApp();
      cluster = new EksCluster(awsStack(app, "infra"), "Cluster", { clusterName: "ml", subnetIds: ["subnet-a", "subnet-b"] });
    });

    it("rejects DATA_SOURCE_TOKEN without an AWS provider in that stack", () => {
      const platform = bareStack(app, "no-aws");
      expect(() => cluster.connect(platform, "Ml", { authentication: ClusterAuthentication.DATA_SOURCE_TOKEN })).toThrow(
        new Error(
          'no-aws/Ml: invalid authentication "data-source-token": DATA_SOURCE_TOKEN needs a default (non-aliased) AWS provider in stack "no-aws" ' +
            "to read aws_eks_cluster_auth; add one or use EXEC_PLUGIN",
        ),
      );
    });

    it("rejects a second connection without an alias", () => {
      const platform = bareStack(app, "dup-default");
      cluster.connect(platform, "One");
      expect(() => cluster.connect(platform, "Two")).toThrow(
        new Error(
          'dup-default/Two: invalid alias undefined: stack "dup-default" already has a connection with this alias ' +
            "(dup-default/One); give each connection in a stack its own alias",
        ),
      );
    });

    it("rejects a duplicate alias", () => {
      const platform = bareStack(app, "dup-alias");
      cluster.connect(platform, "One", { alias: "ml" });
      expect(() => cluster.connect(platform, "Two", { alias: "ml" })).toThrow(
        /^dup-alias\/Two: invalid alias "ml": stack "dup-alias" already has a connection with this alias \(dup-alias\/One\)/,
      );
    });

    it("detects a duplicate alias in a nested scope of the stack", () => {
      const platform = bareStack(app, "nested");
      cluster.connect(platform, "One", { alias: "ml" });
      expect(() => cluster.connect(new Construct(platform, "Group"), "Two", { alias: "ml" })).toThrow(
        /^nested\/Group\/Two: invalid alias "ml": stack "nested" already has a connection with this alias/,
      );
    });

    it("rejects an alias starting with a digit (not a valid Terraform provider alias)", () => {
      expect(() => cluster.connect(bareStack(app, "digit-alias"), "Ml", { alias: "1ml" })).toThrow(
        new Error(
          'digit-alias/Ml: invalid alias "1ml": must start with a letter (Terraform provider aliases cannot start with a digit)',
        ),
      );
    });

    it.each(["ML", "my_alias", "a.b", ""])("rejects the alias %p", (alias) => {
      const platform = bareStack(app, `bad-alias-${alias.length}-${alias.replace(/[^a-z]/gi, "")}`);
      expect(() => cluster.connect(platform, "Ml", { alias })).toThrow(
        new RegExp(`^${platform.node.id}/Ml: invalid alias ${JSON.stringify(alias).replace(/\./g, "\\.")}: `),
      );
    });
  });
});

describe("objects in a namespace wait for it", () => {
  it("a service account and a Helm release depend on the namespace created on the same connection", () => {
    const app = testApp();
    const cluster = new ExistingCluster(bareStack(app, "infra"), "Cluster", { clusterName: "dc1", kubeconfigContext: "dc1" });
    const platform = bareStack(app, "platform");
    const conn = cluster.connect(platform, "Dc1");
    const ns = conn.addNamespace("ml-training");
    conn.addServiceAccount(cluster.addWorkloadIdentity("Trainer", { namespace: "ml-training", serviceAccountName: "trainer" }));
    conn.addServiceAccount(cluster.addWorkloadIdentity("Other", { namespace: "elsewhere", serviceAccountName: "x" }));
    new HelmChart(platform, "Kueue", { connection: conn, chart: PinnedChart.KUEUE, releaseName: "kueue", namespace: "ml-training" });
    expect(conn.namespaceResource("ml-training")).toBe(ns);
    expect(conn.namespaceResource("elsewhere")).toBeUndefined();
    const json = synthJson(platform);
    const sas = Object.values(resourcesOfType(json, "kubernetes_service_account_v1")) as any[];
    const nsRef = `kubernetes_namespace_v1.${Object.keys(resourcesOfType(json, "kubernetes_namespace_v1"))[0]}`;
    expect(sas.find((s) => s.metadata.name === "trainer").depends_on).toEqual([nsRef]);
    expect(sas.find((s) => s.metadata.name === "x").depends_on).toBeUndefined();
    expect((Object.values(resourcesOfType(json, "helm_release"))[0] as any).depends_on).toEqual([nsRef]);
  });

  it("rejects a Helm timeout outside 1..86400 seconds", () => {
    const app = testApp();
    const cluster = new ExistingCluster(bareStack(app, "infra"), "Cluster", { clusterName: "dc1", kubeconfigContext: "dc1" });
    const conn = cluster.connect(bareStack(app, "platform"), "Dc1");
    expect(
      () => new HelmChart(conn, "Kueue", { connection: conn, chart: PinnedChart.KUEUE, releaseName: "kueue", namespace: "kueue", timeoutSeconds: 0 }),
    ).toThrow("platform/Dc1/Kueue: invalid timeoutSeconds 0: must be an integer from 1 to 86400");
  });
});

describe("namespace isolation", () => {
  const setup = () => {
    const app = testApp();
    const cluster = new ExistingCluster(bareStack(app, "infra"), "Cluster", { clusterName: "dc1", kubeconfigContext: "dc1" });
    const platform = bareStack(app, "platform");
    return { platform, conn: cluster.connect(platform, "Dc1") };
  };

  it("by default denies ingress from other namespaces and leaves egress open", () => {
    const { platform, conn } = setup();
    conn.addNamespace("ml-serving");
    const policies = Object.values(resourcesOfType(synthJson(platform), "kubernetes_network_policy_v1")) as any[];
    expect(policies).toHaveLength(1);
    // The name says what the policy does: it admits same-namespace pods only.
    expect(policies[0].metadata).toMatchObject({
      name: "strata-deny-ingress-except-same-namespace",
      namespace: expect.stringContaining("kubernetes_namespace_v1."),
    });
    expect(policies[0].spec).toEqual({ pod_selector: {}, policy_types: ["Ingress"], ingress: [{ from: [{ pod_selector: {} }] }] });
  });

  it("NONE creates no policy (operator namespaces whose webhooks the API server calls)", () => {
    const { platform, conn } = setup();
    conn.addNamespace("kueue-system", { isolation: NamespaceIsolation.NONE });
    expect(resourcesOfType(synthJson(platform), "kubernetes_network_policy_v1")).toEqual({});
  });

  it("rejects an unknown isolation value (from other jsii languages)", () => {
    const { conn } = setup();
    expect(() => conn.addNamespace("x", { isolation: "open" as NamespaceIsolation })).toThrow(
      'platform/Dc1: invalid isolation "open": must be one of NamespaceIsolation.DENY_INGRESS_FROM_OTHER_NAMESPACES ' +
        '("deny-ingress-from-other-namespaces"), NamespaceIsolation.NONE ("none")',
    );
  });

  it("admits load-balancer health checks from the given CIDRs (GCP ranges, or the VPC CIDR on AWS)", () => {
    const { platform, conn } = setup();
    conn.addNamespace("ml-serving", { allowHealthChecksFrom: ClusterConnection.GCP_HEALTH_CHECK_CIDRS });
    conn.addNamespace("aws-serving", { allowHealthChecksFrom: ["10.0.0.0/16"] });
    const policies = Object.values(resourcesOfType(synthJson(platform), "kubernetes_network_policy_v1")) as any[];
    const byNamespace = (ns: string) => policies.find((p) => p.metadata.namespace.includes(`Namespace-${ns}`)).spec.ingress;
    expect(byNamespace("ml-serving")).toEqual([
      { from: [{ pod_selector: {} }] },
      { from: [{ ip_block: { cidr: "35.191.0.0/16" } }, { ip_block: { cidr: "130.211.0.0/22" } }] },
    ]);
    expect(byNamespace("aws-serving")).toEqual([{ from: [{ pod_selector: {} }] }, { from: [{ ip_block: { cidr: "10.0.0.0/16" } }] }]);
  });

  it("rejects health-check CIDRs that are malformed, the whole internet, or given without the default-deny policy", () => {
    const { conn } = setup();
    expect(() => conn.addNamespace("a", { allowHealthChecksFrom: ["35.191.0.0"] })).toThrow(
      'platform/Dc1: invalid allowHealthChecksFrom[0] "35.191.0.0": must be an IPv4 CIDR block such as 10.0.0.0/16, with no host bits set',
    );
    expect(() => conn.addNamespace("b", { allowHealthChecksFrom: ["0.0.0.0/0"] })).toThrow(
      "platform/Dc1: invalid allowHealthChecksFrom[0] \"0.0.0.0/0\": must not be 0.0.0.0/0: give the load balancer's health-check ranges",
    );
    expect(() => conn.addNamespace("c", { allowHealthChecksFrom: "35.191.0.0/16" as any })).toThrow(
      'platform/Dc1: invalid allowHealthChecksFrom "35.191.0.0/16": must be a list, not a string',
    );
    expect(() => conn.addNamespace("d", { isolation: NamespaceIsolation.NONE, allowHealthChecksFrom: ["10.0.0.0/16"] })).toThrow(
      'platform/Dc1: invalid allowHealthChecksFrom ["10.0.0.0/16"]: only applies with the default-deny isolation (NamespaceIsolation.NONE admits everything already)',
    );
  });
});

describe("Pod Security levels", () => {
  const setup = () => {
    const app = testApp();
    const cluster = new ExistingCluster(bareStack(app, "infra"), "Cluster", { clusterName: "dc1", kubeconfigContext: "dc1" });
    const platform = bareStack(app, "platform");
    return { platform, conn: cluster.connect(platform, "Dc1") };
  };

  it("BASELINE is an explicit relaxation for training images that run as root (audit and warn stay restricted)", () => {
    const { platform, conn } = setup();
    conn.addNamespace("ml-training", { podSecurity: PodSecurityLevel.BASELINE });
    const ns = Object.values(resourcesOfType(synthJson(platform), "kubernetes_namespace_v1"))[0] as any;
    expect(ns.metadata.labels).toMatchObject({
      "pod-security.kubernetes.io/enforce": "baseline",
      "pod-security.kubernetes.io/audit": "restricted",
      "pod-security.kubernetes.io/warn": "restricted",
    });
    expect(ns.metadata.annotations).toBeUndefined();
  });

  it("PRIVILEGED needs a written reason; a reason needs PRIVILEGED", () => {
    const { conn } = setup();
    expect(() => conn.addNamespace("drivers", { podSecurity: PodSecurityLevel.PRIVILEGED })).toThrow(
      new Error(
        'platform/Dc1: invalid podSecurity "privileged": lifts every Pod Security restriction on namespace "drivers"; say why with privilegedReason ' +
          '(e.g. "NVIDIA driver and device plugin DaemonSets"), or use BASELINE for images that only need to run as root',
      ),
    );
    expect(() => conn.addNamespace("drivers", { podSecurity: PodSecurityLevel.PRIVILEGED, privilegedReason: " " })).toThrow(
      'platform/Dc1: invalid privilegedReason " ": must be a non-empty string',
    );
    expect(() => conn.addNamespace("train", { podSecurity: PodSecurityLevel.BASELINE, privilegedReason: "root" })).toThrow(
      'platform/Dc1: invalid privilegedReason "root": only applies with podSecurity: PodSecurityLevel.PRIVILEGED (namespace "train" is baseline)',
    );
  });

  it("rejects a wrong-case level from an untyped caller", () => {
    const { conn } = setup();
    expect(() => conn.addNamespace("x", { podSecurity: "Baseline" as PodSecurityLevel })).toThrow(
      'platform/Dc1: invalid podSecurity "Baseline": must be one of PodSecurityLevel.RESTRICTED ("restricted"), PodSecurityLevel.BASELINE ("baseline"), ' +
        'PodSecurityLevel.PRIVILEGED ("privileged") (values are case-sensitive)',
    );
  });

  it("checks extra labels against Kubernetes syntax", () => {
    const { conn } = setup();
    expect(() => conn.addNamespace("x", { labels: { team: "ML Platform" } })).toThrow(
      'platform/Dc1: invalid labels["team"] "ML Platform": must be empty or at most 63 characters',
    );
    expect(() => conn.addNamespace("y", { labels: "team=ml" as any })).toThrow(
      'platform/Dc1: invalid labels "team=ml": must be an object of string keys and string values, not a string',
    );
  });
});

describe("namespaces and service accounts are created once per connection", () => {
  const setup = () => {
    const app = testApp();
    const cluster = new ExistingCluster(bareStack(app, "infra"), "Cluster", { clusterName: "dc1", kubeconfigContext: "dc1" });
    const platform = bareStack(app, "platform");
    return { cluster, platform, conn: cluster.connect(platform, "Dc1") };
  };

  it("knows its namespaces", () => {
    const { conn } = setup();
    conn.addNamespace("ml-training");
    conn.addNamespace("ml-serving");
    expect(conn.hasNamespace("ml-serving")).toBe(true);
    expect(conn.hasNamespace("other")).toBe(false);
    expect(conn.namespaces).toEqual(["ml-serving", "ml-training"]);
  });

  it("a namespace added twice is Strata's error, not cdktf's duplicate-construct error", () => {
    const { conn } = setup();
    conn.addNamespace("ml-training");
    expect(() => conn.addNamespace("ml-training")).toThrow(
      new Error(
        'platform/Dc1: invalid namespace name "ml-training": is already created through this connection by an earlier addNamespace call ' +
          '(platform/Dc1/Namespace-ml-training); use that namespace (connection.namespaceResource("ml-training")) instead of adding it again, or choose another name',
      ),
    );
  });

  it("names the construct that created the namespace (e.g. a Kueue installation)", () => {
    const { platform, conn } = setup();
    class Operator extends Construct {
      public readonly namespaceResource: NamespaceV1;
      constructor(scope: Construct, id: string) {
        super(scope, id);
        this.namespaceResource = conn.addNamespace("kueue-system", { isolation: NamespaceIsolation.NONE });
      }
    }
    new Operator(platform, "Kueue");
    expect(() => conn.addNamespace("kueue-system")).toThrow(
      'platform/Dc1: invalid namespace name "kueue-system": is already created through this connection by platform/Kueue (Operator); ',
    );
  });

  it("a service account added twice names the identity it was first created for", () => {
    const { cluster, conn } = setup();
    const trainer = cluster.addWorkloadIdentity("Trainer", { namespace: "ml-training", serviceAccountName: "trainer" });
    conn.addServiceAccount(trainer);
    expect(() => conn.addServiceAccount(trainer)).toThrow(
      new Error(
        'platform/Dc1: invalid identity "infra/Cluster/Trainer": service account ml-training/trainer is already created through this connection for ' +
          "infra/Cluster/Trainer; call addServiceAccount once per service account",
      ),
    );
  });

  it("rejects a string where automountToken expects a boolean", () => {
    const { cluster, conn } = setup();
    const trainer = cluster.addWorkloadIdentity("Trainer", { namespace: "ml-training", serviceAccountName: "trainer" });
    expect(() => conn.addServiceAccount(trainer, { automountToken: "yes" as any })).toThrow(
      'platform/Dc1: invalid automountToken "yes": must be true or false, not a string',
    );
  });
});
