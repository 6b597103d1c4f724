import { isDeepStrictEqual } from "util";
import { App, TerraformStack, Testing } from "cdktf";
import { buildAwsExample } from "../../examples/aws/main";
import { buildGcpExample } from "../../examples/gcp/main";
import { buildHybridExample } from "../../examples/hybrid/main";
import { buildOnPremExample } from "../../examples/onprem/main";
import { CapacityType, IKubernetesCluster, NodePoolInfo, NodePoolPurpose, TaintEffect } from "../../lib/core/cluster";
import { Scheduling } from "../../lib/core/scheduling";

/**
 * The scheduling contract across layers, checked on every reference architecture: pools carry
 * the taints their purpose needs, serving never lands on spot capacity, and every Kueue flavor
 * and Karpenter NodePool matches the pool it stands for.
 */
function manifests(stack: TerraformStack): any[] {
  const json = JSON.parse(Testing.synth(stack));
  return Object.values(json.resource?.kubernetes_manifest ?? {}).map((r: any) => r.manifest);
}

const examples: { name: string; build: (app: App) => { clusters: IKubernetesCluster[]; workloads: TerraformStack } }[] = [
  { name: "aws", build: (app) => { const e = buildAwsExample(app); return { clusters: [e.cluster], workloads: e.workloads }; } },
  { name: "gcp", build: (app) => { const e = buildGcpExample(app); return { clusters: [e.cluster], workloads: e.workloads }; } },
  { name: "onprem", build: (app) => { const e = buildOnPremExample(app); return { clusters: [e.cluster], workloads: e.workloads }; } },
  { name: "hybrid", build: (app) => { const e = buildHybridExample(app); return { clusters: [e.cloud, e.onprem], workloads: e.workloads }; } },
];

describe.each(examples)("scheduling contract: $name example", ({ build }) => {
  let clusters: IKubernetesCluster[];
  let pools: NodePoolInfo[];
  let objects: any[];

  beforeAll(() => {
    const built = build(Testing.app());
    clusters = built.clusters;
    pools = clusters.flatMap((c) => c.nodePools);
    objects = manifests(built.workloads);
  });

  test("has GPU inference and training capacity", () => {
    expect(pools.some((p) => p.gpu && p.purpose === NodePoolPurpose.TRAINING)).toBe(true);
    expect(clusters.some((c) => Scheduling.servingPools(c, true, false).length > 0)).toBe(true);
  });

  test("every GPU pool is tainted nvidia.com/gpu=present:NoSchedule", () => {
    for (const pool of pools.filter((p) => p.gpu)) {
      expect({ pool: pool.name, taints: pool.taints }).toEqual({ pool: pool.name, taints: expect.arrayContaining([Scheduling.gpuTaint()]) });
    }
  });

  test("every training pool carries the training taint; cloud training pools are spot and scale to zero", () => {
    for (const pool of pools.filter((p) => p.purpose === NodePoolPurpose.TRAINING)) {
      expect({ pool: pool.name, taints: pool.taints }).toEqual({ pool: pool.name, taints: expect.arrayContaining([Scheduling.trainingTaint()]) });
      if (pool.capacityType === CapacityType.SPOT) expect({ pool: pool.name, min: pool.minNodes }).toEqual({ pool: pool.name, min: 0 });
    }
  });

  test("serving pools are never spot, and a serving pod cannot land on a training pool", () => {
    for (const cluster of clusters) {
      for (const pool of Scheduling.servingPools(cluster, true, false)) {
        expect(pool.capacityType).toBe(CapacityType.ON_DEMAND);
        expect(pool.taints.some((t) => t.key === "workload")).toBe(false);
      }
    }
  });

  test("every Kueue ResourceFlavor selects one pool and tolerates exactly its taints", () => {
    const flavors = objects.filter((o) => o.kind === "ResourceFlavor");
    expect(flavors.length).toBeGreaterThan(0);
    for (const flavor of flavors) {
      const pool = pools.find((p) => isDeepStrictEqual(p.labels, flavor.spec.nodeLabels));
      expect({ flavor: flavor.metadata.name, matched: pool !== undefined }).toEqual({ flavor: flavor.metadata.name, matched: true });
      expect(flavor.spec.tolerations).toEqual(Scheduling.tolerationsFor(pool!));
    }
  });

  test("every ClusterQueue tries spot flavors before on-demand ones", () => {
    const capacityOf = (flavorName: string) => {
      const flavor = objects.find((o) => o.kind === "ResourceFlavor" && o.metadata.name === flavorName);
      return pools.find((p) => isDeepStrictEqual(p.labels, flavor.spec.nodeLabels))!.capacityType;
    };
    for (const queue of objects.filter((o) => o.kind === "ClusterQueue")) {
      const order = queue.spec.resourceGroups[0].flavors.map((f: any) => capacityOf(f.name));
      const firstOnDemand = order.indexOf(CapacityType.ON_DEMAND);
      if (firstOnDemand >= 0) expect(order.slice(firstOnDemand)).not.toContain(CapacityType.SPOT);
    }
  });

  test("every Karpenter NodePool carries the taints and labels of its registered pool", () => {
    for (const nodePool of objects.filter((o) => o.kind === "NodePool")) {
      const labels = nodePool.spec.template.metadata.labels;
      const pool = pools.find((p) => p.labels["strata.io/pool"] === labels["strata.io/pool"]);
      expect(pool).toBeDefined();
      const taints = nodePool.spec.template.spec.taints.map((t: any) => ({ key: t.key, value: t.value, effect: t.effect as TaintEffect }));
      expect(taints).toEqual(pool!.taints);
    }
  });
});

// The documented exceptions: grants an S3-compatible store cannot enforce (on-prem, hybrid), the
// ElastiCache AUTH token that Feast needs passing through Terraform state (AWS; quoted in its README),
// the one-time creation of GCP service agents granted a CMEK key (GCP; docs/data.md), and the
// pipeline's CPU steps without a GENERAL pool (no example cluster can declare one yet: the
// compute layer has no CPU node pool; quoted in each README).
const DOCUMENTED = [
  /is not enforced by Terraform/,
  /^aws-infra\/OnlineStore: the AUTH token from .* is stored \(marked sensitive\) in Terraform state/,
  /service agent is granted the CMEK key but may not exist yet in a fresh project.*gcloud beta services identity create/,
  /^[a-z]+-workloads\/Ctr: connection\.cluster \[.*\]: the cluster declares no on-demand GENERAL pool: pipeline steps run on any node that is not a GPU pool/,
];

describe("examples synthesize without warnings, except the documented grant, AUTH-token and pipeline-placement notes", () => {
  test.each(["aws", "gcp", "hybrid", "onprem"])("%s", (name) => {
    const app = Testing.app();
    const build = { aws: buildAwsExample, gcp: buildGcpExample, hybrid: buildHybridExample, onprem: buildOnPremExample }[name]!;
    build(app);
    const warnings = app.node
      .findAll()
      .flatMap((c) => c.node.metadata.filter((m) => m.type === "@cdktf/warn").map((m) => String(m.data)))
      .filter((w) => !DOCUMENTED.some((d) => d.test(w)));
    expect(warnings).toEqual([]);
  });
});
