import { App, Testing, TerraformStack, TerraformVariable } from "cdktf";
import { Release } from "@cdktf/provider-helm/lib/release";
import { NodePoolPurpose } from "../../lib/core/cluster";
import { Gpu } from "../../lib/core/gpu";
import { ClusterAutoscaler, ClusterAutoscalerExpander, ClusterAutoscalerInfra } from "../../lib/compute/cluster-autoscaler";
import { tryMachineShape } from "../../lib/core/machine-types";
import { EksCluster, EksClusterProps, EksIdentityMode } from "../../lib/compute/eks-cluster";
import { ExistingCluster } from "../../lib/compute/existing-cluster";
import { PINNED_CHART_VALUES } from "../support/charts";
import { checkHelmReleases, describeConformance, helmReleaseValues } from "../support/conformance";
import { annotations, awsStack, bareStack, prepareApp, resourcesOfType, SynthJson, synthJson, testApp } from "../support/synth";

interface Setup {
  app: App;
  infra: TerraformStack;
  platform: TerraformStack;
  cluster: EksCluster;
}

function setup(cluster: Partial<EksClusterProps> = {}, install = true): Setup {
  const app = testApp();
  const infra = awsStack(app, "infra");
  const c = new EksCluster(infra, "Cluster", { clusterName: "ml-prod", subnetIds: ["subnet-a", "subnet-b"], ...cluster });
  const platform = bareStack(app, "platform");
  if (install) new ClusterAutoscaler(platform, "ClusterAutoscaler", { connection: c.connect(platform, "Ml") });
  return { app, infra, platform, cluster: c };
}

function policyOf(json: SynthJson): any[] {
  const policies = Object.values(resourcesOfType(json, "aws_iam_role_policy")) as any[];
  const policy = policies.find((p) => p.name === "cluster-autoscaler");
  return JSON.parse(policy.policy).Statement;
}

describe("ClusterAutoscalerInfra (created by EksCluster by default)", () => {
  const s = setup({}, false);
  const json = synthJson(s.infra);

  test("the cluster has it, with a Pod Identity association for kube-system/cluster-autoscaler", () => {
    expect(s.cluster.clusterAutoscaler).toBeInstanceOf(ClusterAutoscalerInfra);
    expect(s.cluster.clusterAutoscaler!.identity.namespace).toBe("kube-system");
    expect(s.cluster.clusterAutoscaler!.identity.serviceAccountName).toBe("cluster-autoscaler");
    const associations = Object.values(resourcesOfType(json, "aws_eks_pod_identity_association")) as any[];
    expect(associations.filter((a) => a.service_account === "cluster-autoscaler")).toEqual([
      expect.objectContaining({ namespace: "kube-system", service_account: "cluster-autoscaler" }),
    ]);
  });

  test("policy: unscoped reads only for Describe actions, in the cluster's region", () => {
    const policy = policyOf(json);
    for (const st of policy.filter((p) => p.Resource === "*")) {
      const actions: string[] = Array.isArray(st.Action) ? st.Action : [st.Action];
      expect(actions.every((a) => /^(autoscaling|ec2):(Describe|Get)/.test(a))).toBe(true);
      expect(st.Condition).toEqual({ StringEquals: { "aws:RequestedRegion": "${data.aws_region.Cluster_Region_7C269833.region}" } });
    }
    expect(policy.every((p) => p.Effect === "Allow")).toBe(true);
    expect(JSON.stringify(policy)).not.toMatch(/"[a-z0-9]+:\*"/);
  });

  test("policy: scaling only Auto Scaling groups EKS tags for this cluster, with partition-aware ARNs", () => {
    const scale = policyOf(json).find((p) => p.Sid === "ScaleClusterNodeGroups");
    expect(scale).toEqual({
      Sid: "ScaleClusterNodeGroups",
      Effect: "Allow",
      Action: ["autoscaling:SetDesiredCapacity", "autoscaling:TerminateInstanceInAutoScalingGroup"],
      Resource:
        "arn:${data.aws_partition.Cluster_Partition_66B445A2.partition}:autoscaling:${data.aws_region.Cluster_Region_7C269833.region}:" +
        "${data.aws_caller_identity.Cluster_Account_231FB156.account_id}:autoScalingGroup:*:autoScalingGroupName/*",
      Condition: {
        StringEquals: {
          "aws:ResourceTag/k8s.io/cluster-autoscaler/enabled": "true",
          "aws:ResourceTag/k8s.io/cluster-autoscaler/ml-prod": "owned",
        },
      },
    });
  });

  test("policy: eks:DescribeNodegroup only on the cluster's node groups", () => {
    const describe = policyOf(json).find((p) => p.Sid === "DescribeClusterNodeGroups");
    expect(describe.Action).toBe("eks:DescribeNodegroup");
    expect(describe.Resource).toBe(
      "arn:${data.aws_partition.Cluster_Partition_66B445A2.partition}:eks:${data.aws_region.Cluster_Region_7C269833.region}:" +
        "${data.aws_caller_identity.Cluster_Account_231FB156.account_id}:nodegroup/ml-prod/*/*",
    );
  });

  test("clusterAutoscaler: false creates no identity", () => {
    const off = setup({ clusterAutoscaler: false }, false);
    expect(off.cluster.clusterAutoscaler).toBeUndefined();
    expect(JSON.stringify(synthJson(off.infra))).not.toContain("cluster-autoscaler");
  });

  test("a second ClusterAutoscalerInfra for the same cluster is rejected", () => {
    const s2 = setup({}, false);
    expect(() => new ClusterAutoscalerInfra(s2.infra, "Again", { cluster: s2.cluster })).toThrow(
      "infra/Again: invalid cluster \"infra/Cluster\": already has the Cluster Autoscaler's AWS side (infra/Cluster/ClusterAutoscaler); use cluster.clusterAutoscaler",
    );
  });
});

describe("ClusterAutoscaler (platform stack)", () => {
  const s = setup({ systemMaxNodes: 4 });
  s.cluster.addSpotTrainingPool("A10G", { gpu: Gpu.NVIDIA_A10G, maxGpus: 8 });
  prepareApp(s.app);
  const platformSynth = Testing.synth(s.platform);

  test("installs the pinned chart into kube-system", () => {
    expect(platformSynth).toHaveResourceWithProperties(Release, {
      name: "cluster-autoscaler",
      namespace: "kube-system",
      chart: "cluster-autoscaler",
      repository: "https://kubernetes.github.io/autoscaler",
      version: "9.59.0",
      atomic: true,
      create_namespace: false,
    });
  });

  test("values: AWS auto-discovery for the cluster, pinned image, service account, arguments, non-root, requests, system pool", () => {
    const [release] = helmReleaseValues(platformSynth);
    const system = s.cluster.nodePools.find((p) => p.purpose === NodePoolPurpose.SYSTEM)!;
    const values = release.values[0] as any;
    expect(values).toEqual({
      cloudProvider: "aws",
      awsRegion: expect.stringMatching(/^\$\{data\.terraform_remote_state\.cross-stack-reference-input-infra\.outputs\..*region\}$/),
      autoDiscovery: { clusterName: "ml-prod" },
      // The release of the cluster's minor (1.34 by default), not the chart's v1.35.0.
      image: { repository: "registry.k8s.io/autoscaling/cluster-autoscaler", tag: "v1.34.4" },
      rbac: { serviceAccount: { create: true, name: "cluster-autoscaler" } },
      replicaCount: 1,
      customArgs: ["--expander=least-waste", "--balance-similar-node-groups=true", "--scale-down-unneeded-time=10m"],
      resources: { requests: { cpu: "100m", memory: "600Mi" }, limits: { cpu: "100m", memory: "600Mi" } },
      securityContext: { runAsNonRoot: true, runAsUser: 65534, runAsGroup: 65534, seccompProfile: { type: "RuntimeDefault" } },
      containerSecurityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] }, readOnlyRootFilesystem: true },
      nodeSelector: system.labels,
    });
  });

  test("registers its pod as a system workload of the cluster", () => {
    expect(s.cluster.systemWorkloads).toContainEqual({ name: "cluster-autoscaler", cpuMillis: 100, memoryMiB: 600, replicas: 1 });
  });

  test("with it installed, elastic managed groups do not warn", () => {
    Testing.synth(s.infra, true);
    expect(annotations(s.infra, "warn").filter((w) => w.includes("elastic node groups"))).toEqual([]);
  });

  test("expander and scale-down time are props", () => {
    const o = setup({}, false);
    new ClusterAutoscaler(o.platform, "Ca", {
      connection: o.cluster.connect(o.platform, "Ml"),
      expander: ClusterAutoscalerExpander.MOST_PODS,
      scaleDownUnneededMinutes: 30,
    });
    prepareApp(o.app);
    const values = helmReleaseValues(Testing.synth(o.platform))[0].values[0] as any;
    expect(values.customArgs).toEqual(["--expander=most-pods", "--balance-similar-node-groups=true", "--scale-down-unneeded-time=30m"]);
  });

  test("in IRSA mode the service account is annotated with the role ARN", () => {
    const irsa = setup({ identityMode: EksIdentityMode.IRSA });
    prepareApp(irsa.app);
    const values = helmReleaseValues(Testing.synth(irsa.platform))[0].values[0] as any;
    expect(values.rbac.serviceAccount.annotations["eks.amazonaws.com/role-arn"]).toMatch(/ClusterAutoscalerIdentity_Role_[0-9A-F]+arn\}$/);
  });

  describeConformance("conformance (cluster-autoscaler 9.59.0)", () => {
    test("every Helm value key exists in the chart's defaults", () => {
      expect(checkHelmReleases(platformSynth, PINNED_CHART_VALUES)).toEqual([]);
    });
  });
});

describe("the autoscaler image follows the cluster's Kubernetes minor", () => {
  function imageOf(cluster: Partial<EksClusterProps>, props: { imageTag?: any } = {}): { tag: string; warnings: string[]; ca: ClusterAutoscaler } {
    const s = setup(cluster, false);
    const ca = new ClusterAutoscaler(s.platform, "ClusterAutoscaler", { connection: s.cluster.connect(s.platform, "Ml"), ...props });
    prepareApp(s.app);
    const values = helmReleaseValues(Testing.synth(s.platform, true))[0].values[0] as any;
    expect(values.image.repository).toBe("registry.k8s.io/autoscaling/cluster-autoscaler");
    return { tag: values.image.tag, warnings: annotations(ca, "warn"), ca };
  }

  test.each([
    ["1.31", "v1.31.2"],
    ["1.32", "v1.32.1"],
    ["1.33", "v1.33.5"],
    ["1.34", "v1.34.4"],
  ])("Kubernetes %s: %s, no warning", (version, tag) => {
    const { tag: got, warnings, ca } = imageOf({ kubernetesVersion: version });
    expect(got).toBe(tag);
    expect(ca.imageTag).toBe(tag);
    expect(warnings).toEqual([]);
  });

  test("imageTag overrides the catalog; a patch of the same minor is accepted silently", () => {
    const { tag, warnings } = imageOf({ kubernetesVersion: "1.33" }, { imageTag: "v1.33.9" });
    expect(tag).toBe("v1.33.9");
    expect(warnings).toEqual([]);
  });

  test("imageTag of another minor is used, with a warning", () => {
    const { tag, warnings } = imageOf({ kubernetesVersion: "1.33" }, { imageTag: "v1.35.0" });
    expect(tag).toBe("v1.35.0");
    expect(warnings).toEqual([
      'platform/ClusterAutoscaler: imageTag "v1.35.0": is a 1.35 release on a Kubernetes 1.33 cluster; the Cluster Autoscaler project tests only matching minors: use a v1.33.x tag',
    ]);
  });

  test("a cluster version the catalog cannot match (a token) gets the chart's tag and a warning", () => {
    const app = testApp();
    const infra = awsStack(app, "infra");
    const version = new TerraformVariable(infra, "KubernetesVersion", { type: "string" });
    const cluster = new EksCluster(infra, "Cluster", { clusterName: "ml-prod", subnetIds: ["subnet-a", "subnet-b"], kubernetesVersion: version.stringValue });
    const platform = bareStack(app, "platform");
    const ca = new ClusterAutoscaler(platform, "ClusterAutoscaler", { connection: cluster.connect(platform, "Ml") });
    expect(ca.imageTag).toBe("v1.35.0");
    const warnings = annotations(ca, "warn");
    expect(warnings.length).toBe(1);
    expect(warnings[0]).toMatch(
      /^platform\/ClusterAutoscaler: kubernetesVersion "\$\{TfToken\[TOKEN\.\d+\]\}": has no entry in Strata's Cluster Autoscaler image catalog \(1\.31, 1\.32, 1\.33, 1\.34\), so the image is the chart's v1\.35\.0, which may not match the cluster's minor; set imageTag to a release of the cluster's minor \(v<minor>\.x\)$/,
    );
  });

  test.each([
    ["latest", '"latest"'],
    ["1.34.4", '"1.34.4"'],
    ["v1.34", '"v1.34"'],
    ["V1.34.4", '"V1.34.4"'],
    [1.34, "1.34"],
    [["v1.34.4"], '["v1.34.4"]'],
  ])("rejects imageTag %p", (imageTag, shown) => {
    const s = setup({}, false);
    expect(() => new ClusterAutoscaler(s.platform, "Ca", { connection: s.cluster.connect(s.platform, "Ml"), imageTag: imageTag as any })).toThrow(
      `platform/Ca: invalid imageTag ${shown}: must be a cluster-autoscaler release tag v<major>.<minor>.<patch>, such as "v1.34.4" (no "latest": the image is pinned)`,
    );
  });
});

describe("the elastic-group warning", () => {
  test("names every elastic managed group, once, when no ClusterAutoscaler is installed", () => {
    const s = setup({ systemMaxNodes: 3 }, false);
    s.cluster.addSpotTrainingPool("A10G", { gpu: Gpu.NVIDIA_A10G, maxGpus: 8 });
    s.cluster.addGpuNodePool("L4", { gpu: Gpu.NVIDIA_L4, minNodes: 2, maxNodes: 2 });
    Testing.synth(s.infra, true);
    Testing.synth(s.infra, true);
    const warnings = annotations(s.infra, "warn").filter((w) => w.includes("elastic node groups"));
    expect(warnings).toEqual([
      'infra/Cluster: elastic node groups ["system","nvidia-a10g-spot-training"]: managed node groups grow beyond minNodes only under the Kubernetes Cluster Autoscaler, ' +
        'and no ClusterAutoscaler is installed for this cluster; install it: new ClusterAutoscaler(platform, "ClusterAutoscaler", { connection }) in the platform stack, ' +
        "make the groups fixed-size (minNodes = maxNodes), or use KarpenterGpuNodePools for elastic GPU capacity",
    ]);
  });

  test("says to turn clusterAutoscaler back on when the cluster has no identity for it", () => {
    const s = setup({ systemMaxNodes: 3, clusterAutoscaler: false }, false);
    Testing.synth(s.infra, true);
    expect(annotations(s.infra, "warn").join("\n")).toContain(
      "set clusterAutoscaler: true on the EksCluster and install ClusterAutoscaler in the platform stack",
    );
  });

  test("an autoscaler installed for another cluster does not count", () => {
    const s = setup({ systemMaxNodes: 3 }, false);
    const other = new EksCluster(s.infra, "Other", { clusterName: "other", subnetIds: ["subnet-a", "subnet-b"] });
    new ClusterAutoscaler(s.platform, "OtherCa", { connection: other.connect(s.platform, "Other") });
    Testing.synth(s.infra, true);
    expect(annotations(s.infra, "warn").join("\n")).toContain('infra/Cluster: elastic node groups ["system"]');
    expect(annotations(s.infra, "warn").join("\n")).not.toContain("infra/Other:");
  });
});

describe("rejects bad input", () => {
  test("a cluster created with clusterAutoscaler: false", () => {
    const s = setup({ clusterAutoscaler: false }, false);
    expect(() => new ClusterAutoscaler(s.platform, "Ca", { connection: s.cluster.connect(s.platform, "Ml") })).toThrow(
      'platform/Ca: invalid connection "platform/Ml": connects to infra/Cluster, which was created with clusterAutoscaler: false; set clusterAutoscaler: true (the default) on the EksCluster',
    );
  });

  test("a connection to a cluster that is not EKS, or no connection (JavaScript)", () => {
    const app = testApp();
    const onprem = new ExistingCluster(bareStack(app, "infra"), "OnPrem", { clusterName: "dc1", kubeconfigPath: "~/.kube/config", kubeconfigContext: "dc1" });
    const platform = bareStack(app, "platform");
    expect(() => new ClusterAutoscaler(platform, "Ca", { connection: onprem.connect(platform, "OnPrem") })).toThrow(
      'platform/Ca: invalid connection "platform/OnPrem": must connect to an EksCluster (got target "on-prem")',
    );
    expect(() => new ClusterAutoscaler(platform, "Ca2", {} as any)).toThrow("platform/Ca2: invalid connection undefined: must connect to an EksCluster");
  });

  test("an expander in the wrong case, scale-down minutes out of range", () => {
    const s = setup({}, false);
    const connection = s.cluster.connect(s.platform, "Ml");
    expect(() => new ClusterAutoscaler(s.platform, "A", { connection, expander: "LEAST_WASTE" as any })).toThrow(
      'platform/A: invalid expander "LEAST_WASTE": must be one of ClusterAutoscalerExpander.LEAST_WASTE ("least-waste"), ClusterAutoscalerExpander.MOST_PODS ("most-pods"), ' +
        'ClusterAutoscalerExpander.RANDOM ("random") ("LEAST_WASTE" names the member ClusterAutoscalerExpander.LEAST_WASTE; give its value "least-waste")',
    );
    expect(() => new ClusterAutoscaler(s.platform, "B", { connection, scaleDownUnneededMinutes: 0 })).toThrow(
      "platform/B: invalid scaleDownUnneededMinutes 0: must be an integer from 1 to 1440",
    );
  });

  test("two autoscalers for one cluster", () => {
    const s = setup();
    expect(() => new ClusterAutoscaler(s.platform, "Again", { connection: s.cluster.connect(s.platform, "Ml2", { alias: "second" }) })).toThrow(
      'platform/Again: invalid connection "platform/Ml2": is the cluster of platform/ClusterAutoscaler, which already installs the Cluster Autoscaler',
    );
  });

  test("clusterAutoscaler must be a boolean (JavaScript callers)", () => {
    expect(() => setup({ clusterAutoscaler: "yes" as any }, false)).toThrow('infra/Cluster: invalid clusterAutoscaler "yes": must be true or false');
  });
});

describe("instance shapes for one-shape spot groups", () => {
  test("the machine-shape catalog agrees with the GPU catalog on every GPU instance type", () => {
    for (const gpu of Gpu.all()) {
      for (const t of gpu.awsInstanceTypes) {
        expect({ type: t.instanceType, ...tryMachineShape(t.instanceType) }).toMatchObject({ type: t.instanceType, vcpus: t.vcpus, memoryGiB: t.memoryGiB });
      }
    }
    expect(tryMachineShape("m7i-large")).toBeUndefined();
  });
});
