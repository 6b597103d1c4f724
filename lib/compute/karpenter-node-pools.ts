import { Construct } from "constructs";
import { Aspects, TerraformStack, Token } from "cdktf";
import { CapacityType, NodePoolInfo, NodePoolPurpose, NodeTaint } from "../core/cluster";
import { ClusterConnection } from "../core/connection";
import { CustomResource } from "../core/custom-resource";
import { Gpu } from "../core/gpu";
import { MANAGED_BY_LABELS } from "../core/labels";
import { Scheduling } from "../core/scheduling";
import { StrataTags } from "../core/tags";
import { describeValue, invalid, isUnresolved, validateBoolean, validateInteger, validateList, validateRecord } from "../core/validation";
import { EksCluster } from "./eks-cluster";
import { checkAwsRegionOffers } from "./eks-internal";
import type { KarpenterInfra } from "./karpenter";

/** API version of Karpenter's NodePool (Karpenter 1.14). */
const NODE_POOL_API = "karpenter.sh/v1";
/** API group and version of Karpenter's EC2NodeClass (Karpenter 1.14). */
const NODE_CLASS_GROUP = "karpenter.k8s.aws";
const NODE_CLASS_API = `${NODE_CLASS_GROUP}/v1`;
/** Name of the EC2NodeClass the GPU pools share. */
const NODE_CLASS_NAME = "gpu";
/** An AL2023 alias Karpenter accepts: a pinned EKS AMI release (`vYYYYMMDD`) or `latest`. */
const AL2023_ALIAS = /^al2023@(latest|v\d{8})$/;
/** A Kubernetes label value. */
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
/** Characters AWS allows in tag keys and values (EC2 and IAM alike). */
const AWS_TAG_CHARS = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;
/**
 * Most tags a user may give: EC2 allows 50 per resource, and Karpenter adds up to 6 of its own (`Name`,
 * `karpenter.sh/nodepool`, `karpenter.sh/nodeclaim`, `karpenter.k8s.aws/ec2nodeclass`,
 * `kubernetes.io/cluster/<name>`, `eks:eks-cluster-name`).
 */
const MAX_TAGS = 44;

/**
 * Disruption budgets of the training (spot) NodePool: no node is disrupted for being underutilized, so
 * that consolidation never evicts a running training job to pack it elsewhere; empty and drifted nodes
 * go at most 10% at a time (Karpenter's default budget).
 */
function trainingBudgets(): { nodes: string; reasons?: string[] }[] {
  return [{ nodes: "0", reasons: ["Underutilized"] }, { nodes: "10%" }];
}

/**
 * Disruption budgets of the on-demand (serving) NodePool: from `schedule` (UTC) for `duration`, no node is
 * disrupted for being underutilized, so that consolidation does not evict busy model servers to pack them
 * tighter during business hours; empty and drifted nodes, and underutilized ones outside the window, go at
 * most 10% at a time (Karpenter's default budget).
 */
function servingBudgets(schedule: string, duration: string): { nodes: string; reasons?: string[]; schedule?: string; duration?: string }[] {
  return [{ nodes: "0", reasons: ["Underutilized"], schedule, duration }, { nodes: "10%" }];
}

/** The macros a Karpenter budget schedule (Go cron) accepts instead of five fields. */
const CRON_MACRO = /^@(annually|yearly|monthly|weekly|daily|midnight|hourly)$/;
/** One item of a cron field: `*`, a number or name, or a range, optionally with a step. */
const CRON_ITEM = /^(\*|[0-9]+|[A-Za-z]{3})(-([0-9]+|[A-Za-z]{3}))?(\/[0-9]+)?$/;
/** Names and numeric ranges of the five cron fields. */
const CRON_FIELDS: { name: string; min: number; max: number; names?: string[] }[] = [
  { name: "minute", min: 0, max: 59 },
  { name: "hour", min: 0, max: 23 },
  { name: "day of month", min: 1, max: 31 },
  { name: "month", min: 1, max: 12, names: ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"] },
  { name: "day of week", min: 0, max: 7, names: ["sun", "mon", "tue", "wed", "thu", "fri", "sat"] },
];

/** What is wrong with a five-field cron schedule (or macro), or undefined when it is well-formed. */
function cronProblem(schedule: string): string | undefined {
  if (CRON_MACRO.test(schedule)) return undefined;
  const fields = schedule.trim().split(/\s+/);
  if (fields.length !== 5) return `has ${fields.length} fields`;
  for (const [i, field] of fields.entries()) {
    const spec = CRON_FIELDS[i];
    for (const item of field.split(",")) {
      const m = CRON_ITEM.exec(item);
      if (!m) return `has an invalid ${spec.name} field "${field}"`;
      for (const part of [m[1], m[3]]) {
        if (part === undefined || part === "*") continue;
        const named = spec.names?.includes(part.toLowerCase());
        if (/^[A-Za-z]{3}$/.test(part) && !named) return `has an unknown name "${part}" in the ${spec.name} field`;
        if (/^[0-9]+$/.test(part) && (Number(part) < spec.min || Number(part) > spec.max)) {
          return `has ${part} in the ${spec.name} field (${spec.min}-${spec.max})`;
        }
      }
    }
  }
  return undefined;
}

/** A duration of hours and minutes as Karpenter budgets accept it (`10h`, `90m`, `9h30m`). */
const BUDGET_DURATION = /^(([0-9]+)h)?(([0-9]+)m)?$/;

/** Node label Karpenter sets to the name of the NodePool that launched the node. */
const KARPENTER_NODEPOOL_LABEL = "karpenter.sh/nodepool";

/** Props of `KarpenterGpuNodePools`. */
export interface KarpenterGpuNodePoolsProps {
  /** Connection to the EKS cluster in the workloads stack (a later stack than `KarpenterController`). */
  readonly connection: ClusterConnection;
  /** The EKS cluster (infra stack). */
  readonly cluster: EksCluster;
  /** The AWS side of Karpenter for the cluster. */
  readonly infra: KarpenterInfra;
  /**
   * Most GPUs the nodes of each pool may carry together (Karpenter's `limits` on `nvidia.com/gpu`, per
   * NodePool): with both pools the cluster may reach twice this number. An integer >= 1.
   */
  readonly maxGpus: number;
  /**
   * GPU models the pools may launch (each must be offered on AWS). Karpenter picks the cheapest instance
   * type available among them.
   * @default [Gpu.NVIDIA_L4]
   */
  readonly gpus?: Gpu[];
  /**
   * GPUs per node (1-16): only catalog instance types with exactly this many GPUs are allowed.
   * @default 1
   */
  readonly gpusPerNode?: number;
  /**
   * Create the on-demand pool `gpu-on-demand` (purpose inference, tainted `nvidia.com/gpu`).
   * @default true
   */
  readonly onDemand?: boolean;
  /**
   * Create the spot pool `gpu-spot` (purpose training, tainted `nvidia.com/gpu` and `workload=training`).
   * @default true
   */
  readonly spot?: boolean;
  /**
   * AMI alias of the EC2NodeClass: `al2023@v<YYYYMMDD>` (an EKS AMI release) or `al2023@latest`. Karpenter
   * resolves the alias to the NVIDIA variant of that release for GPU instance types by itself.
   * @default KarpenterGpuNodePools.DEFAULT_AMI_ALIAS
   */
  readonly amiAlias?: string;
  /**
   * Root volume size in GiB (20-16384), gp3, encrypted with the cluster's KMS key.
   * @default 100
   */
  readonly diskSizeGiB?: number;
  /**
   * Minutes a node stays empty (or, in the on-demand pool, underutilized) before Karpenter consolidates it (0-1440).
   * @default 10
   */
  readonly consolidateAfterMinutes?: number;
  /**
   * Hours after which Karpenter replaces a node of the on-demand pool, whatever runs on it (1-8760;
   * `spec.template.spec.expireAfter`). Spot training nodes never expire (`expireAfter: Never`), so that no
   * multi-hour run is cut short.
   * @default 720 (30 days: nodes pick up new AMIs within a month)
   */
  readonly expireAfterHours?: number;
  /**
   * When the busy hours of serving begin: a cron schedule in UTC (Karpenter budget schedules have no time
   * zone), five fields or a macro such as `@daily`. From then, for `servingBusyHoursDuration`, Karpenter does
   * not consolidate underutilized nodes of the on-demand pool (a `nodes: "0"` budget for the
   * `Underutilized` reason), so model servers are not evicted for bin packing; empty nodes still go.
   * @default "0 8 * * mon-fri" (08:00 UTC on weekdays)
   */
  readonly servingBusyHoursSchedule?: string;
  /**
   * How long the busy hours last from each `servingBusyHoursSchedule` hit: hours and minutes as Karpenter
   * accepts them (`10h`, `90m`, `9h30m`), more than zero and at most 168h.
   * @default "10h" (until 18:00 UTC with the default schedule)
   */
  readonly servingBusyHoursDuration?: string;
  /**
   * Tags of the EC2 resources Karpenter launches for the pools (instances, volumes, launch templates):
   * the EC2NodeClass `spec.tags`. Keys of 1-128 characters and values of at most 256, in the characters
   * AWS allows (letters, digits, spaces, `_ . : / = + - @`), at most 44 tags; keys Karpenter or AWS set
   * are rejected: `aws:*`, `eks:eks-cluster-name`, `kubernetes.io/cluster*`, and the `karpenter.sh` and
   * `karpenter.k8s.aws` domains.
   * @default - the tags of the `StrataTags` aspect applied to the cluster's stack (or to a construct
   * between that stack and the cluster) when this construct is created; none without one
   */
  readonly tags?: { [key: string]: string };
}

/**
 * GPU node pools that Karpenter scales from zero (workloads stack): one `EC2NodeClass` (the Karpenter node
 * role, subnets tagged `karpenter.sh/discovery=<cluster>`, the cluster security group, IMDSv2 with hop
 * limit 1, an encrypted gp3 root volume, a pinned AL2023 alias) and up to two `NodePool`s restricted to
 * the catalog's instance types of the chosen GPUs: `gpu-on-demand` for inference and `gpu-spot` for
 * training, each tainted, labelled and limited as the `Scheduling` contract says. Both are registered on the
 * cluster as node pools with `minNodes` 0.
 *
 * Disruption: both pools use `consolidationPolicy: WhenEmptyOrUnderutilized`. The on-demand (serving)
 * pool is consolidated when empty, and when underutilized outside its busy hours (by default weekdays
 * 08:00-18:00 UTC, `servingBusyHoursSchedule` and `servingBusyHoursDuration`: a budget of 0 nodes for the
 * `Underutilized` reason then), at most 10% of its nodes at a time; its nodes expire after
 * `expireAfterHours`. The spot training
 * pool never expires its nodes (`expireAfter: Never`) and has a disruption budget of 0 nodes for the
 * `Underutilized` reason (10% otherwise), so only empty training nodes are consolidated; annotate training
 * pods `karpenter.sh/do-not-disrupt: "true"` to also keep drift (e.g. a new AMI alias) from evicting them.
 *
 * The EC2NodeClass tags what Karpenter launches with `tags`, by default the `StrataTags` of the cluster's
 * stack: apply `StrataTags` to that stack before creating the pools.
 *
 * With several GPU models a pool can launch any of them; its `NodePoolInfo.gpu` is then the first of
 * `gpus`, and the `strata.io/gpu` label is left out (select a model with `karpenter.k8s.aws/instance-gpu-name`).
 *
 * @example
 * new KarpenterGpuNodePools(workloads, "GpuPools", {
 *   connection: cluster.connect(workloads, "Ml"), cluster, infra: karpenter, maxGpus: 16,
 * });
 */
export class KarpenterGpuNodePools extends Construct {
  /**
   * The default AMI alias: the EKS AL2023 release v20260714 (awslabs/amazon-eks-ami), which has NVIDIA
   * AMIs for Kubernetes 1.30 to 1.36. Pinned so that a new AMI release does not replace every GPU node.
   */
  public static readonly DEFAULT_AMI_ALIAS = "al2023@v20260714";

  /** The EC2NodeClass. */
  public readonly nodeClass: CustomResource;
  /** The NodePools (on-demand first). */
  public readonly nodePools: CustomResource[];
  /** The pools as registered on the cluster. */
  public readonly pools: NodePoolInfo[];
  /** The tags of the EC2 resources Karpenter launches (EC2NodeClass `spec.tags`). */
  public readonly tags: { [key: string]: string };

  /**
   * True when Karpenter launches `pool`'s nodes: its labels include `karpenter.sh/nodepool`, which
   * Karpenter sets on every node it launches (and which `KarpenterGpuNodePools` records on the pools
   * it registers). A label rather than object identity, so the answer survives jsii's by-value structs.
   */
  public static isKarpenterPool(pool: NodePoolInfo): boolean {
    return pool.labels[KARPENTER_NODEPOOL_LABEL] !== undefined;
  }

  constructor(scope: Construct, id: string, props: KarpenterGpuNodePoolsProps) {
    super(scope, id);
    const gpus = props.gpus ?? [Gpu.NVIDIA_L4];
    const gpusPerNode = props.gpusPerNode ?? 1;
    const onDemand = props.onDemand ?? true;
    const spot = props.spot ?? true;
    const amiAlias = props.amiAlias ?? KarpenterGpuNodePools.DEFAULT_AMI_ALIAS;
    const diskSize = props.diskSizeGiB ?? 100;
    const consolidateAfter = props.consolidateAfterMinutes ?? 10;
    const expireAfter = props.expireAfterHours ?? 720;
    const busySchedule = props.servingBusyHoursSchedule ?? "0 8 * * mon-fri";
    const busyDuration = props.servingBusyHoursDuration ?? "10h";
    const maxGpus = props.maxGpus;

    const cluster = props.cluster;
    if (!(cluster instanceof EksCluster)) {
      invalid(
        this,
        "cluster",
        (cluster as any)?.node?.path,
        `must be an EksCluster (got target ${JSON.stringify((cluster as any)?.target)}): Karpenter launches EC2 instances for Amazon EKS only`,
      );
    }
    const infraPath = (props.infra as any)?.node?.path;
    if (props.infra === undefined || props.infra === null || typeof props.infra.nodeRoleName !== "string" || infraPath === undefined) {
      invalid(
        this,
        "infra",
        infraPath ?? props.infra,
        "must be a KarpenterInfra: create the EksCluster with karpenter: true and pass KarpenterInfra.of(cluster) (or cluster.karpenter), " +
          "or create one with new KarpenterInfra(infra, id, { cluster })",
      );
    }
    if (props.infra.cluster !== cluster) {
      invalid(this, "infra", props.infra.node.path, `must be the KarpenterInfra of the same cluster (${cluster.node.path})`);
    }
    if (props.connection.cluster !== cluster) {
      invalid(this, "connection", props.connection.node.path, `must connect to the same cluster (${cluster.node.path})`);
    }
    for (const [prop, value] of [["maxGpus", maxGpus], ["gpusPerNode", gpusPerNode]] as const) {
      if (isUnresolved(value)) {
        invalid(this, prop, "<token>", "must be a literal number: instance types and the GPU limit are chosen at synth time");
      }
    }
    validateInteger(this, "maxGpus", maxGpus, 1);
    validateInteger(this, "gpusPerNode", gpusPerNode, 1, 16);
    if (maxGpus < gpusPerNode) {
      invalid(this, "maxGpus", maxGpus, `must be at least gpusPerNode (${gpusPerNode}): no node would fit under the limit`);
    }
    if (maxGpus % gpusPerNode !== 0) {
      invalid(
        this,
        "maxGpus",
        maxGpus,
        `must be a multiple of gpusPerNode (${gpusPerNode}): nodes come whole; use ${Math.floor(maxGpus / gpusPerNode) * gpusPerNode} or ${Math.ceil(maxGpus / gpusPerNode) * gpusPerNode}`,
      );
    }
    validateBoolean(this, "onDemand", onDemand);
    validateBoolean(this, "spot", spot);
    if (!onDemand && !spot) {
      invalid(this, "spot", spot, "must be true when onDemand is false: at least one of the two pools is needed");
    }
    validateList(this, "gpus", gpus, "[Gpu.NVIDIA_L4]");
    if (gpus.length === 0) {
      invalid(this, "gpus", gpus.map((g) => g.id), "must list at least one GPU");
    }
    gpus.forEach((gpu, i) => {
      if (!(gpu instanceof Gpu)) invalid(this, `gpus[${i}]`, gpu, "must be a Gpu of the catalog, such as Gpu.NVIDIA_L4");
    });
    const onAws = Gpu.all().filter((g) => g.offeredOnAws).map((g) => g.id);
    gpus.forEach((gpu, i) => {
      if (!gpu.offeredOnAws) {
        invalid(this, `gpus[${i}]`, gpu.id, `is not offered on AWS (no EC2 instance types in the catalog); AWS GPUs: ${onAws.join(", ")}`);
      }
      if (gpu.awsInstanceTypesWith(gpusPerNode).length === 0) {
        const counts = [...new Set(gpu.awsInstanceTypes.map((t) => t.gpuCount))].sort((a, b) => a - b);
        invalid(this, `gpus[${i}]`, gpu.id, `has no AWS instance type with ${gpusPerNode} GPU(s); set gpusPerNode to one of ${counts.join(", ")}`);
      }
    });
    gpus.forEach((gpu, i) => checkAwsRegionOffers(this, cluster, `gpus[${i}]`, gpu));
    if (gpus.length === 1 && !LABEL_VALUE.test(gpus[0].id)) {
      invalid(this, "gpus[0].id", gpus[0].id, "must be a valid Kubernetes label value (it labels the nodes)");
    }
    if (!isUnresolved(amiAlias) && !AL2023_ALIAS.test(amiAlias)) {
      invalid(
        this,
        "amiAlias",
        amiAlias,
        `must be "al2023@v<YYYYMMDD>" (an EKS AMI release, e.g. "${KarpenterGpuNodePools.DEFAULT_AMI_ALIAS}") or "al2023@latest" ` +
          "(not recommended: every AMI release replaces the nodes)",
      );
    }
    validateInteger(this, "diskSizeGiB", diskSize, 20, 16384);
    validateInteger(this, "consolidateAfterMinutes", consolidateAfter, 0, 1440);
    validateInteger(this, "expireAfterHours", expireAfter, 1, 8760);
    if (!isUnresolved(busySchedule)) {
      const problem = typeof busySchedule === "string" ? cronProblem(busySchedule) : "is not a string";
      if (problem !== undefined) {
        invalid(
          this,
          "servingBusyHoursSchedule",
          busySchedule,
          `must be a cron schedule of five fields (minute hour day-of-month month day-of-week, UTC) or a macro such as "@daily"; it ${problem}`,
        );
      }
    }
    if (!isUnresolved(busyDuration)) {
      const m = typeof busyDuration === "string" ? BUDGET_DURATION.exec(busyDuration) : null;
      const minutes = m ? Number(m[2] ?? 0) * 60 + Number(m[4] ?? 0) : 0;
      if (!m || busyDuration === "" || minutes <= 0 || minutes > 168 * 60) {
        invalid(
          this,
          "servingBusyHoursDuration",
          busyDuration,
          'must be a duration of hours and minutes as Karpenter budgets accept it ("10h", "90m", "9h30m"), more than zero and at most 168h',
        );
      }
    }
    const strataTags = clusterStackTags(cluster);
    const tags = props.tags ?? strataTags;
    if (props.tags !== undefined) {
      validateRecord(this, "tags", props.tags);
      validateTags(this, props.tags);
    } else {
      // A StrataTags applied after this construct would tag the cluster but not what Karpenter launches.
      this.node.addValidation({
        validate: () => {
          const now = clusterStackTags(cluster);
          return describeValue(now) === describeValue(strataTags)
            ? []
            : [
                `${this.node.path}: invalid tags ${describeValue(strataTags)}: a StrataTags aspect applied to ${TerraformStack.of(cluster).node.path} ` +
                  `after this construct was created gives ${describeValue(now)}; apply StrataTags before creating KarpenterGpuNodePools, or pass tags`,
              ];
        },
      });
    }
    this.tags = { ...tags };

    const subnetSelectorTerms =
      cluster.vpc !== undefined || isUnresolved(cluster.subnetIds)
        ? [{ tags: { "karpenter.sh/discovery": cluster.clusterName } }]
        : cluster.subnetIds.map((subnet) => ({ id: subnet }));
    this.nodeClass = new CustomResource(this, "NodeClass", {
      connection: props.connection,
      manifest: {
        apiVersion: NODE_CLASS_API,
        kind: "EC2NodeClass",
        metadata: { name: NODE_CLASS_NAME, labels: { ...MANAGED_BY_LABELS } },
        spec: {
          role: props.infra.nodeRoleName,
          amiSelectorTerms: [{ alias: amiAlias }],
          subnetSelectorTerms,
          securityGroupSelectorTerms: [{ id: cluster.resource.vpcConfig.clusterSecurityGroupId }],
          metadataOptions: { httpEndpoint: "enabled", httpProtocolIPv6: "disabled", httpPutResponseHopLimit: 1, httpTokens: "required" },
          tags: Object.keys(tags).length > 0 ? { ...tags } : undefined,
          blockDeviceMappings: [
            {
              deviceName: "/dev/xvda",
              rootVolume: true,
              ebs: {
                volumeSize: `${diskSize}Gi`,
                volumeType: "gp3",
                encrypted: true,
                kmsKeyID: cluster.volumesKey.arn,
                deleteOnTermination: true,
              },
            },
          ],
        },
      },
    });

    const instanceTypes = [...new Set(gpus.flatMap((g) => g.awsInstanceTypesWith(gpusPerNode).map((t) => t.instanceType)))];
    const maxNodes = maxGpus / gpusPerNode;
    const specs = [
      ...(onDemand ? [{ name: "gpu-on-demand", capacity: CapacityType.ON_DEMAND, purpose: NodePoolPurpose.INFERENCE, taints: [Scheduling.gpuTaint()] }] : []),
      ...(spot
        ? [{ name: "gpu-spot", capacity: CapacityType.SPOT, purpose: NodePoolPurpose.TRAINING, taints: [Scheduling.gpuTaint(), Scheduling.trainingTaint()] }]
        : []),
    ];
    this.nodePools = [];
    this.pools = [];
    for (const spec of specs) {
      const training = spec.capacity === CapacityType.SPOT;
      const labels: { [key: string]: string } = {
        [Scheduling.POOL_LABEL]: spec.name,
        [Scheduling.PURPOSE_LABEL]: spec.purpose,
        [Scheduling.CAPACITY_TYPE_LABEL]: spec.capacity,
        ...(gpus.length === 1 ? { [Scheduling.GPU_LABEL]: gpus[0].id } : {}),
      };
      this.nodePools.push(
        new CustomResource(this, spec.capacity === CapacityType.SPOT ? "SpotPool" : "OnDemandPool", {
          connection: props.connection,
          manifest: {
            apiVersion: NODE_POOL_API,
            kind: "NodePool",
            metadata: { name: spec.name, labels: { ...MANAGED_BY_LABELS } },
            spec: {
              template: {
                metadata: { labels },
                spec: {
                  nodeClassRef: { group: NODE_CLASS_GROUP, kind: "EC2NodeClass", name: NODE_CLASS_NAME },
                  requirements: [
                    { key: "karpenter.sh/capacity-type", operator: "In", values: [spec.capacity] },
                    { key: "node.kubernetes.io/instance-type", operator: "In", values: instanceTypes },
                    { key: "karpenter.k8s.aws/instance-gpu-manufacturer", operator: "In", values: ["nvidia"] },
                    { key: "kubernetes.io/arch", operator: "In", values: ["amd64"] },
                    { key: "kubernetes.io/os", operator: "In", values: ["linux"] },
                  ],
                  taints: spec.taints.map(taintManifest),
                  expireAfter: training ? "Never" : `${expireAfter}h`,
                },
              },
              limits: { [Scheduling.GPU_RESOURCE]: maxGpus },
              disruption: {
                consolidationPolicy: "WhenEmptyOrUnderutilized",
                consolidateAfter: `${consolidateAfter}m`,
                budgets: training ? trainingBudgets() : servingBudgets(busySchedule, busyDuration),
              },
            },
          },
        }),
      );
      const pool: NodePoolInfo = {
        name: spec.name,
        purpose: spec.purpose,
        capacityType: spec.capacity,
        // Karpenter labels its nodes with their NodePool (a label a NodePool template may not set itself).
        labels: { ...labels, [KARPENTER_NODEPOOL_LABEL]: spec.name },
        taints: spec.taints,
        minNodes: 0,
        maxNodes,
        gpu: gpus[0],
        gpusPerNode,
        instanceTypes,
      };
      cluster.registerNodePool(pool);
      this.pools.push(pool);
    }
  }
}

/**
 * The tags of the `StrataTags` aspects applied to the cluster's stack or to a construct between it and the
 * cluster; on a conflict the outer aspect wins, as it does on the cluster's own resources.
 */
function clusterStackTags(cluster: EksCluster): { [key: string]: string } {
  const stack = TerraformStack.of(cluster);
  const scopes = cluster.node.scopes;
  let tags: { [key: string]: string } = {};
  for (const scope of scopes.slice(scopes.indexOf(stack))) {
    for (const aspect of Aspects.of(scope).all) {
      if (aspect instanceof StrataTags) tags = { ...aspect.tags, ...tags };
    }
  }
  return tags;
}

/** EC2NodeClass `spec.tags`: the CEL rules of the CRD, the keys Karpenter owns, and AWS's tag limits. */
function validateTags(scope: Construct, tags: { [key: string]: string }): void {
  if (isUnresolved(tags)) return;
  const entries = Object.entries(tags);
  if (entries.length > MAX_TAGS) {
    invalid(scope, "tags (count)", entries.length, `must have at most ${MAX_TAGS} tags: EC2 allows 50 per resource and Karpenter adds up to 6`);
  }
  for (const [key, value] of entries) {
    const prop = "tags key";
    if (Token.isUnresolved(key)) invalid(scope, prop, key, "must be a literal string (a token cannot be checked against the keys Karpenter reserves)");
    if (key.length === 0 || key.length > 128) invalid(scope, prop, key, "must be 1 to 128 characters long");
    if (!AWS_TAG_CHARS.test(key)) invalid(scope, prop, key, "may contain only letters, digits, spaces and _ . : / = + - @ (AWS tag keys)");
    if (key.toLowerCase().startsWith("aws:")) invalid(scope, prop, key, 'must not start with "aws:", which AWS reserves');
    if (key === "eks:eks-cluster-name" || key.startsWith("kubernetes.io/cluster")) {
      invalid(scope, prop, key, "is set by Karpenter to own the instances; the EC2NodeClass rejects it (eks:eks-cluster-name, kubernetes.io/cluster*)");
    }
    const domain = key.includes("/") ? key.slice(0, key.indexOf("/")) : "";
    if (domain.endsWith("karpenter.sh") || domain.endsWith("karpenter.k8s.aws")) {
      invalid(
        scope,
        prop,
        key,
        "is in a domain Karpenter reserves (karpenter.sh, karpenter.k8s.aws) for the tags it uses to find its instances " +
          "(karpenter.sh/nodepool, karpenter.sh/nodeclaim and karpenter.k8s.aws/ec2nodeclass are rejected by the EC2NodeClass)",
      );
    }
    if (isUnresolved(value)) continue;
    if (value.length > 256 || !AWS_TAG_CHARS.test(value)) {
      invalid(scope, `tags["${key}"]`, value, "must be at most 256 characters of letters, digits, spaces and _ . : / = + - @ (AWS tag values)");
    }
  }
}

function taintManifest(taint: NodeTaint): { [key: string]: string } {
  return taint.value === undefined ? { key: taint.key, effect: taint.effect } : { key: taint.key, value: taint.value, effect: taint.effect };
}
