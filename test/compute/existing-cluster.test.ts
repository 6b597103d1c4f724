import { PgBackend, TerraformStack, Testing } from "cdktf";
import { KubernetesProvider } from "@cdktf/provider-kubernetes/lib/provider";
import { HelmProvider } from "@cdktf/provider-helm/lib/provider";
import { ServiceAccountV1 } from "@cdktf/provider-kubernetes/lib/service-account-v1";
import {
  CapacityType,
  ClusterAuthentication,
  ClusterTarget,
  NodePoolPurpose,
  TaintEffect,
  WorkloadIdentityKind,
} from "../../lib/core/cluster";
import { Gpu } from "../../lib/core/gpu";
import { ExistingCluster, ExistingClusterProps } from "../../lib/compute/existing-cluster";

function pgStack(app = Testing.app(), id = "onprem-infra"): TerraformStack {
  const stack = new TerraformStack(app, id);
  new PgBackend(stack, { connStr: "postgres://terraform@state.internal/tf?sslmode=verify-full", schemaName: id.replace(/-/g, "_") });
  return stack;
}

const base: ExistingClusterProps = { clusterName: "dc1", kubeconfigContext: "dc1-admin" };

describe("ExistingCluster", () => {
  test("creates no resources and needs no cloud provider", () => {
    const stack = pgStack();
    new ExistingCluster(stack, "Cluster", { ...base, gpuNodes: [{ name: "l4", gpu: Gpu.NVIDIA_L4, nodeCount: 2, gpusPerNode: 1 }] });
    const json = JSON.parse(Testing.synth(stack));
    expect(json.resource).toBeUndefined();
    expect(json.provider).toBeUndefined();
  });

  test("declares GPU nodes by the nvidia.com/gpu.product label", () => {
    const cluster = new ExistingCluster(pgStack(), "Cluster", {
      ...base,
      gpuNodes: [
        { name: "l40s", gpu: Gpu.NVIDIA_L40S, nodeCount: 4, gpusPerNode: 8 },
        {
          name: "a100-training",
          gpu: Gpu.NVIDIA_A100_80GB,
          nodeCount: 2,
          gpusPerNode: 8,
          purpose: NodePoolPurpose.TRAINING,
          taints: [{ key: "workload", value: "training", effect: TaintEffect.NO_SCHEDULE }],
        },
      ],
    });
    expect(cluster.target).toBe(ClusterTarget.ON_PREM);
    expect(cluster.nodePools).toEqual([
      expect.objectContaining({
        name: "l40s",
        purpose: NodePoolPurpose.INFERENCE,
        capacityType: CapacityType.ON_DEMAND,
        labels: { "nvidia.com/gpu.product": "NVIDIA-L40S" },
        taints: [],
        minNodes: 4,
        maxNodes: 4,
        gpu: Gpu.NVIDIA_L40S,
        gpusPerNode: 8,
      }),
      expect.objectContaining({
        name: "a100-training",
        purpose: NodePoolPurpose.TRAINING,
        labels: { "nvidia.com/gpu.product": "NVIDIA-A100-SXM4-80GB" },
        taints: [{ key: "workload", value: "training", effect: "NoSchedule" }],
      }),
    ]);
  });

  test("addGpuNodes and a custom node selector that keeps the product label", () => {
    const cluster = new ExistingCluster(pgStack(), "Cluster", base);
    cluster.addGpuNodes({
      name: "h100",
      gpu: Gpu.NVIDIA_H100_80GB,
      nodeCount: 1,
      gpusPerNode: 8,
      nodeSelector: { "nvidia.com/gpu.product": "NVIDIA-H100-80GB-HBM3", "topology.kubernetes.io/zone": "rack-7" },
    });
    expect(cluster.nodePools[0].labels).toEqual({
      "nvidia.com/gpu.product": "NVIDIA-H100-80GB-HBM3",
      "topology.kubernetes.io/zone": "rack-7",
    });
  });

  test("connect wires kubernetes and helm providers to the kubeconfig path and context", () => {
    const app = Testing.app();
    const cluster = new ExistingCluster(pgStack(app), "Cluster", { ...base, kubeconfigPath: "~/.kube/dc1" });
    const platform = pgStack(app, "onprem-platform");
    const conn = cluster.connect(platform, "Dc1");
    conn.addNamespace("ml-serving");
    const synth = Testing.synth(platform);
    expect(synth).toHaveProviderWithProperties(KubernetesProvider, { config_path: "~/.kube/dc1", config_context: "dc1-admin" });
    expect(synth).toHaveProviderWithProperties(HelmProvider, {
      kubernetes: { config_path: "~/.kube/dc1", config_context: "dc1-admin" },
    });
    const json = JSON.parse(synth);
    expect(json.provider.kubernetes[0].exec).toBeUndefined();
    expect(json.data).toBeUndefined(); // no cross-stack state needed on-prem
  });

  test("on-prem may connect from the same stack (no resources are created there)", () => {
    const stack = pgStack();
    const cluster = new ExistingCluster(stack, "Cluster", base);
    expect(() => cluster.connect(stack, "Dc1")).not.toThrow();
  });

  test("the kubeconfig is used whatever the authentication option", () => {
    const cluster = new ExistingCluster(pgStack(), "Cluster", base);
    expect(cluster.accessFor(cluster, ClusterAuthentication.DATA_SOURCE_TOKEN)).toEqual({
      configPath: "~/.kube/config",
      configContext: "dc1-admin",
    });
  });

  test("workload identity is a credentials Secret, with no annotations", () => {
    const app = Testing.app();
    const cluster = new ExistingCluster(pgStack(app), "Cluster", base);
    const trainer = cluster.addWorkloadIdentity("Trainer", { namespace: "ml-training", serviceAccountName: "trainer" });
    const custom = cluster.addWorkloadIdentity("Server", {
      namespace: "ml-serving",
      serviceAccountName: "model-server",
      credentialsSecretName: "minio-serving",
    });
    expect(trainer.kind).toBe(WorkloadIdentityKind.KUBERNETES_SECRET);
    expect(trainer.credentialsSecretName).toBe("trainer-credentials");
    expect(custom.credentialsSecretName).toBe("minio-serving");
    expect(trainer.awsRoleArn).toBeUndefined();
    expect(trainer.gcpServiceAccountEmail).toBeUndefined();
    const platform = pgStack(app, "onprem-platform");
    cluster.connect(platform, "Dc1").addServiceAccount(trainer);
    const synth = Testing.synth(platform);
    expect(synth).toHaveResourceWithProperties(ServiceAccountV1, {
      metadata: { name: "trainer", namespace: "ml-training", labels: { "app.kubernetes.io/managed-by": "strata" } },
      automount_service_account_token: false,
    });
    expect(JSON.stringify(JSON.parse(synth).resource.kubernetes_service_account_v1)).not.toContain("annotations");
  });

  describe("rejects bad input with the construct path, prop, value and what is allowed", () => {
    const make = (props: Partial<ExistingClusterProps>) => () =>
      new ExistingCluster(pgStack(), "Cluster", { ...base, ...props } as ExistingClusterProps);

    test("cluster name", () => {
      expect(make({ clusterName: "DC_1" })).toThrow(
        /^onprem-infra\/Cluster: invalid clusterName "DC_1": must be a DNS-1123 label/,
      );
    });
    test("missing kubeconfig context", () => {
      expect(make({ kubeconfigContext: undefined })).toThrow(
        'onprem-infra/Cluster: invalid kubeconfigContext undefined: is required: name the kubeconfig context that reaches the cluster',
      );
    });
    test("empty kubeconfig context and path", () => {
      expect(make({ kubeconfigContext: " " })).toThrow('invalid kubeconfigContext " ": must be a non-empty string');
      expect(make({ kubeconfigPath: "" })).toThrow('invalid kubeconfigPath "": must be a non-empty string');
    });
    test("node count and GPUs per node", () => {
      expect(make({ gpuNodes: [{ name: "l4", gpu: Gpu.NVIDIA_L4, nodeCount: 0, gpusPerNode: 1 }] })).toThrow(
        "onprem-infra/Cluster: invalid gpuNodes[0].nodeCount 0: must be an integer >= 1",
      );
      expect(make({ gpuNodes: [{ name: "l4", gpu: Gpu.NVIDIA_L4, nodeCount: 1, gpusPerNode: 17 }] })).toThrow(
        "invalid gpuNodes[0].gpusPerNode 17: must be an integer from 1 to 16",
      );
      expect(make({ gpuNodes: [{ name: "l4", gpu: Gpu.NVIDIA_L4, nodeCount: 1.5, gpusPerNode: 1 }] })).toThrow(
        "invalid gpuNodes[0].nodeCount 1.5",
      );
    });
    test("node selector without or with a mismatching product label", () => {
      expect(
        make({ gpuNodes: [{ name: "l4", gpu: Gpu.NVIDIA_L4, nodeCount: 1, gpusPerNode: 1, nodeSelector: { rack: "7" } }] }),
      ).toThrow('invalid gpuNodes[0].nodeSelector {"rack":"7"}: must include the "nvidia.com/gpu.product" label');
      expect(
        make({
          gpuNodes: [
            { name: "l4", gpu: Gpu.NVIDIA_L4, nodeCount: 1, gpusPerNode: 1, nodeSelector: { "nvidia.com/gpu.product": "Tesla-T4" } },
          ],
        }),
      ).toThrow('invalid gpuNodes[0].nodeSelector["nvidia.com/gpu.product"] "Tesla-T4": does not match the GPU NVIDIA L4, whose nodes carry "NVIDIA-L4"');
    });
    test("duplicate and invalid pool names", () => {
      expect(
        make({
          gpuNodes: [
            { name: "gpu", gpu: Gpu.NVIDIA_L4, nodeCount: 1, gpusPerNode: 1 },
            { name: "gpu", gpu: Gpu.NVIDIA_T4, nodeCount: 1, gpusPerNode: 1 },
          ],
        }),
      ).toThrow('onprem-infra/Cluster: invalid node pool name "gpu": must be unique in the cluster');
      expect(make({ gpuNodes: [{ name: "GPU pool", gpu: Gpu.NVIDIA_L4, nodeCount: 1, gpusPerNode: 1 }] })).toThrow(
        'invalid node pool name "GPU pool"',
      );
    });
    test("workload identity names and EKS-only props", () => {
      const cluster = new ExistingCluster(pgStack(), "Cluster", base);
      expect(() => cluster.addWorkloadIdentity("Bad", { namespace: "ML", serviceAccountName: "x" })).toThrow(
        'onprem-infra/Cluster/Bad: invalid namespace "ML": must be a DNS-1123 label',
      );
      expect(() =>
        cluster.addWorkloadIdentity("BadSecret", { namespace: "ml", serviceAccountName: "x", credentialsSecretName: "Not_Valid" }),
      ).toThrow('onprem-infra/Cluster/BadSecret: invalid credentialsSecretName "Not_Valid"');
    });
  });
});

describe("workload identities are one per service account", () => {
  test("a second identity for the same namespace/service account is rejected", () => {
    const cluster = new ExistingCluster(pgStack(), "Cluster", base);
    cluster.addWorkloadIdentity("A", { namespace: "ml", serviceAccountName: "trainer" });
    expect(() => cluster.addWorkloadIdentity("B", { namespace: "ml", serviceAccountName: "trainer" })).toThrow(
      'onprem-infra/Cluster: invalid workload identity "ml/trainer": is already bound by onprem-infra/Cluster/A; a service account has exactly one workload identity',
    );
    expect(() => cluster.addWorkloadIdentity("C", { namespace: "other", serviceAccountName: "trainer" })).not.toThrow();
  });
});
