import * as fs from "fs";
import * as path from "path";
import { App, Fn, Testing, TerraformStack, Token } from "cdktf";
import { CloudwatchEventRule } from "@cdktf/provider-aws/lib/cloudwatch-event-rule";
import { EksAccessEntry } from "@cdktf/provider-aws/lib/eks-access-entry";
import { EksPodIdentityAssociation } from "@cdktf/provider-aws/lib/eks-pod-identity-association";
import { SqsQueue } from "@cdktf/provider-aws/lib/sqs-queue";
import { Release } from "@cdktf/provider-helm/lib/release";
import { CapacityType, NodePoolPurpose, TaintEffect } from "../../lib/core/cluster";
import { Gpu } from "../../lib/core/gpu";
import { Scheduling } from "../../lib/core/scheduling";
import { StrataTags } from "../../lib/core/tags";
import { EksCluster, EksClusterProps, EksIdentityMode } from "../../lib/compute/eks-cluster";
import { ExistingCluster } from "../../lib/compute/existing-cluster";
import {
  KarpenterController,
  KarpenterGpuNodePools,
  KarpenterGpuNodePoolsProps,
  KarpenterInfra,
} from "../../lib/compute/karpenter";
import { PINNED_CHART_VALUES } from "../support/charts";
import { checkHelmReleases, conformanceRoot, describeConformance, helmReleaseValues, validateStackManifests } from "../support/conformance";
import { awsStack, bareStack, onlyResource, prepareApp, resourcesOfType, SynthJson, synthJson, testApp } from "../support/synth";

type PoolOptions = Partial<Omit<KarpenterGpuNodePoolsProps, "connection" | "cluster" | "infra">>;

interface Setup {
  app: App;
  infra: TerraformStack;
  platform: TerraformStack;
  workloads: TerraformStack;
  cluster: EksCluster;
  karpenter: KarpenterInfra;
  pools: KarpenterGpuNodePools;
}

/** The three staged stacks: cluster + KarpenterInfra, the controller, the GPU pools. */
function setup(options: { cluster?: Partial<EksClusterProps>; pools?: PoolOptions; strataTags?: boolean } = {}): Setup {
  const app = testApp();
  const infra = awsStack(app, "infra");
  if (options.strataTags) StrataTags.apply(infra, { owner: "ml-platform", costCentre: "cc-4200", environment: "prod" });
  const cluster = new EksCluster(infra, "Cluster", { clusterName: "ml-prod", ...options.cluster });
  const karpenter = new KarpenterInfra(infra, "Karpenter", { cluster });
  const platform = bareStack(app, "platform");
  new KarpenterController(platform, "Karpenter", { connection: cluster.connect(platform, "Ml"), infra: karpenter });
  const workloads = bareStack(app, "workloads");
  const pools = new KarpenterGpuNodePools(workloads, "GpuPools", {
    connection: cluster.connect(workloads, "Ml"),
    cluster,
    infra: karpenter,
    maxGpus: 8,
    ...options.pools,
  });
  return { app, infra, platform, workloads, cluster, karpenter, pools };
}

/** The kubernetes_manifest bodies of a stack, by kind and name. */
function manifests(json: SynthJson): Record<string, any> {
  const out: Record<string, any> = {};
  for (const body of Object.values(resourcesOfType(json, "kubernetes_manifest"))) {
    out[`${body.manifest.kind}/${body.manifest.metadata.name}`] = body.manifest;
  }
  return out;
}

/** The one resource of `type` whose logical id starts with `prefix`. */
function resourceById(json: SynthJson, type: string, prefix: string): any {
  const found = Object.entries(resourcesOfType(json, type)).filter(([id]) => id.startsWith(prefix));
  if (found.length !== 1) throw new Error(`expected one ${type} ${prefix}*, found ${found.length}`);
  return found[0][1];
}

function statementsOf(policy: string): any[] {
  return JSON.parse(policy).Statement;
}

const asList = (v: unknown): string[] => (Array.isArray(v) ? v : [v]) as string[];

/** A cross-stack reference to an output of the infra stack (there: the cluster's region). */
const REGION_REFERENCE = /^\$\{data\.terraform_remote_state\.cross-stack-reference-input-infra\.outputs\.cross-stack-output-[A-Za-z0-9_.]+\}$/;

describe("Karpenter on EKS (staged stacks)", () => {
  let s: Setup;
  let infraJson: SynthJson;
  let infraSynth: string;
  let platformSynth: string;
  let workloadsJson: SynthJson;
  let workloadsSynth: string;
  let policy: any[];

  beforeAll(() => {
    s = setup();
    prepareApp(s.app);
    infraSynth = Testing.synth(s.infra);
    infraJson = JSON.parse(infraSynth);
    platformSynth = Testing.synth(s.platform);
    workloadsSynth = Testing.synth(s.workloads);
    workloadsJson = JSON.parse(workloadsSynth);
    policy = statementsOf(resourceById(infraJson, "aws_iam_role_policy", "Karpenter_ControllerPolicy_").policy);
  });

  describe("KarpenterInfra", () => {
    test("exposes the queue name, the controller role and the node role name", () => {
      expect(s.karpenter.queueName).toBe("ml-prod-karpenter");
      expect(s.karpenter.nodeRoleName).toBe("ml-prod-karpenter-node");
      expect(s.karpenter.controllerRole.node.path).toBe("infra/Cluster/KarpenterController/Role");
      expect(s.karpenter.controllerIdentity.namespace).toBe("kube-system");
      expect(s.karpenter.controllerIdentity.serviceAccountName).toBe("karpenter");
    });

    test("the controller identity is an EKS Pod Identity association for kube-system/karpenter", () => {
      expect(infraSynth).toHaveResourceWithProperties(EksPodIdentityAssociation, {
        namespace: "kube-system",
        service_account: "karpenter",
        role_arn: "${aws_iam_role.Cluster_KarpenterController_Role_252613A2.arn}",
      });
      const role = resourcesOfType(infraJson, "aws_iam_role").Cluster_KarpenterController_Role_252613A2;
      expect(statementsOf(role.assume_role_policy)[0].Principal).toEqual({ Service: "pods.eks.amazonaws.com" });
      const inline = resourceById(infraJson, "aws_iam_role_policy", "Karpenter_ControllerPolicy_");
      expect(inline.role).toBe("${aws_iam_role.Cluster_KarpenterController_Role_252613A2.name}");
    });

    test("nodes get their own role (EC2 trust, worker and ECR pull policies) with an EC2_LINUX access entry", () => {
      const role = resourcesOfType(infraJson, "aws_iam_role").Karpenter_NodeRole_015FD185;
      expect(role.name).toBe("ml-prod-karpenter-node");
      expect(statementsOf(role.assume_role_policy)).toEqual([
        { Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" },
      ]);
      const attached = Object.values(resourcesOfType(infraJson, "aws_iam_role_policy_attachment"))
        .filter((a: any) => a.role === "${aws_iam_role.Karpenter_NodeRole_015FD185.name}")
        .map((a: any) => a.policy_arn.split("/").pop());
      expect(attached.sort()).toEqual(["AmazonEC2ContainerRegistryPullOnly", "AmazonEKSWorkerNodePolicy"]);
      expect(infraSynth).toHaveResourceWithProperties(EksAccessEntry, {
        cluster_name: "${aws_eks_cluster.Cluster_EB0386A7.name}",
        principal_arn: "${aws_iam_role.Karpenter_NodeRole_015FD185.arn}",
        type: "EC2_LINUX",
      });
      // The system node group's role keeps the access entry EKS made for it; a principal has only one entry.
      const entries = Object.values(resourcesOfType(infraJson, "aws_eks_access_entry")).map((e: any) => e.principal_arn);
      expect(entries).not.toContain("${aws_iam_role.Cluster_NodeRole_D6BFCFE8.arn}");
    });

    test("the interruption queue keeps messages 5 minutes, with SQS-managed encryption", () => {
      expect(infraSynth).toHaveResourceWithProperties(SqsQueue, {
        name: "ml-prod-karpenter",
        message_retention_seconds: 300,
        sqs_managed_sse_enabled: true,
      });
    });

    test("the queue policy lets only the rules (and SQS) send, and denies non-TLS access", () => {
      const queuePolicy = onlyResource(infraJson, "aws_sqs_queue_policy");
      expect(queuePolicy.queue_url).toBe("${aws_sqs_queue.Karpenter_InterruptionQueue_D68B7CB0.url}");
      const [events, sqs, deny] = statementsOf(queuePolicy.policy);
      const queueArn = "${aws_sqs_queue.Karpenter_InterruptionQueue_D68B7CB0.arn}";
      expect(events).toMatchObject({ Effect: "Allow", Principal: { Service: "events.amazonaws.com" }, Action: "sqs:SendMessage", Resource: queueArn });
      const ruleArns = Object.keys(resourcesOfType(infraJson, "aws_cloudwatch_event_rule")).map((id) => `\${aws_cloudwatch_event_rule.${id}.arn}`);
      expect([...events.Condition.ArnEquals["aws:SourceArn"]].sort()).toEqual(ruleArns.sort());
      expect(sqs).toMatchObject({ Effect: "Allow", Principal: { Service: "sqs.amazonaws.com" }, Action: "sqs:SendMessage", Resource: queueArn });
      expect(deny).toEqual({
        Sid: "DenyNonTls",
        Effect: "Deny",
        Principal: "*",
        Action: "sqs:*",
        Resource: queueArn,
        Condition: { Bool: { "aws:SecureTransport": "false" } },
      });
    });

    test("EventBridge rules for every interruption event Karpenter handles, each targeting the queue", () => {
      const rules = resourcesOfType(infraJson, "aws_cloudwatch_event_rule");
      const patterns = Object.values(rules).map((r: any) => JSON.parse(r.event_pattern));
      expect(patterns.map((p) => `${p.source[0]}: ${p["detail-type"][0]}`).sort()).toEqual([
        "aws.ec2: EC2 Capacity Reservation Instance Interruption Warning",
        "aws.ec2: EC2 Instance Rebalance Recommendation",
        "aws.ec2: EC2 Instance State-change Notification",
        "aws.ec2: EC2 Spot Instance Interruption Warning",
        "aws.health: AWS Health Event",
      ]);
      expect(patterns.find((p) => p.source[0] === "aws.health").detail).toEqual({ service: ["EC2"], eventTypeCategory: ["scheduledChange"] });
      expect(patterns.find((p) => p["detail-type"][0].includes("State-change")).detail.state).toEqual([
        "stopping",
        "stopped",
        "shutting-down",
        "terminated",
      ]);
      expect(infraSynth).toHaveResourceWithProperties(CloudwatchEventRule, { name: "ml-prod-karpenter-spot-interruption" });
      const targets = Object.values(resourcesOfType(infraJson, "aws_cloudwatch_event_target")) as any[];
      expect(targets.map((t) => t.rule).sort()).toEqual(Object.keys(rules).map((id) => `\${aws_cloudwatch_event_rule.${id}.name}`).sort());
      for (const t of targets) expect(t.arn).toBe("${aws_sqs_queue.Karpenter_InterruptionQueue_D68B7CB0.arn}");
    });

    describe("controller policy", () => {
      const sid = (name: string) => {
        const st = policy.find((p) => p.Sid === name);
        if (!st) throw new Error(`no statement ${name}`);
        return st;
      };
      const clusterOwned = { "aws:ResourceTag/kubernetes.io/cluster/ml-prod": "owned" };

      test("only allows, with no service-wide wildcard actions", () => {
        for (const st of policy) {
          expect(st.Effect).toBe("Allow");
          for (const action of asList(st.Action)) expect(action).not.toMatch(/(^\*$|:\*$)/);
        }
      });

      test("unscoped resources only for reads", () => {
        const unscoped = policy.filter((st) => asList(st.Resource).includes("*")).flatMap((st) => asList(st.Action));
        for (const action of unscoped) expect(action).toMatch(/^(ec2:Describe|pricing:GetProducts$|iam:ListInstanceProfiles$)/);
        expect(sid("RegionalReads").Condition).toEqual({ StringEquals: { "aws:RequestedRegion": "${data.aws_region.Cluster_Region_7C269833.region}" } });
      });

      test("launch, tag and delete only what carries the cluster and NodePool tags", () => {
        expect(sid("LaunchFromClusterLaunchTemplates").Condition).toEqual({
          StringEquals: clusterOwned,
          StringLike: { "aws:ResourceTag/karpenter.sh/nodepool": "*" },
        });
        for (const name of ["CreateClusterTaggedResources", "TagOnCreate"]) {
          expect(sid(name).Condition.StringEquals).toMatchObject({
            "aws:RequestTag/kubernetes.io/cluster/ml-prod": "owned",
            "aws:RequestTag/eks:eks-cluster-name": "ml-prod",
          });
          expect(sid(name).Condition.StringLike).toEqual({ "aws:RequestTag/karpenter.sh/nodepool": "*" });
        }
        expect(sid("TagOnCreate").Condition.StringEquals["ec2:CreateAction"]).toEqual(["RunInstances", "CreateFleet", "CreateLaunchTemplate"]);
        expect(sid("TagClusterInstances").Condition["ForAllValues:StringEquals"]).toEqual({
          "aws:TagKeys": ["eks:eks-cluster-name", "karpenter.sh/nodeclaim", "Name"],
        });
        expect(sid("DeleteClusterResources")).toMatchObject({
          Action: ["ec2:TerminateInstances", "ec2:DeleteLaunchTemplate"],
          Condition: { StringEquals: clusterOwned, StringLike: { "aws:ResourceTag/karpenter.sh/nodepool": "*" } },
        });
        // Every EC2 write is conditioned on tags, except launching from AMIs, snapshots, subnets and security groups.
        for (const st of policy.filter((p) => asList(p.Action).some((a) => /^ec2:(?!Describe)/.test(a)))) {
          if (st.Sid === "LaunchFromSharedResources") {
            for (const r of st.Resource) expect(r).toMatch(/:(image|snapshot|security-group|subnet|capacity-reservation|placement-group)\/\*$/);
          } else {
            expect(JSON.stringify(st.Condition)).toContain("kubernetes.io/cluster/ml-prod");
          }
        }
      });

      test("iam:PassRole only for the node role, to EC2", () => {
        const pass = policy.filter((p) => asList(p.Action).includes("iam:PassRole"));
        expect(pass).toEqual([
          {
            Sid: "PassNodeRole",
            Effect: "Allow",
            Action: "iam:PassRole",
            Resource: "${aws_iam_role.Karpenter_NodeRole_015FD185.arn}",
            Condition: { StringEquals: { "iam:PassedToService": ["ec2.amazonaws.com", "ec2.amazonaws.com.cn"] } },
          },
        ]);
      });

      test("instance profiles are managed only when tagged for the cluster, region and an EC2NodeClass", () => {
        expect(sid("CreateInstanceProfiles").Condition).toEqual({
          StringEquals: {
            "aws:RequestTag/kubernetes.io/cluster/ml-prod": "owned",
            "aws:RequestTag/eks:eks-cluster-name": "ml-prod",
            "aws:RequestTag/topology.kubernetes.io/region": "${data.aws_region.Cluster_Region_7C269833.region}",
          },
          StringLike: { "aws:RequestTag/karpenter.k8s.aws/ec2nodeclass": "*" },
        });
        for (const name of ["TagInstanceProfiles", "ManageInstanceProfiles"]) {
          expect(sid(name).Condition.StringEquals).toMatchObject({ "aws:ResourceTag/kubernetes.io/cluster/ml-prod": "owned" });
          expect(sid(name).Condition.StringLike).toMatchObject({ "aws:ResourceTag/karpenter.k8s.aws/ec2nodeclass": "*" });
        }
        expect(sid("ManageInstanceProfiles").Resource).toMatch(/:instance-profile\/\*$/);
      });

      test("the queue, the cluster, SSM AMI parameters and the cluster key (through EC2 only)", () => {
        expect(sid("InterruptionQueue")).toMatchObject({
          Action: ["sqs:DeleteMessage", "sqs:GetQueueUrl", "sqs:ReceiveMessage"],
          Resource: "${aws_sqs_queue.Karpenter_InterruptionQueue_D68B7CB0.arn}",
        });
        expect(sid("DescribeCluster")).toMatchObject({ Action: "eks:DescribeCluster", Resource: "${aws_eks_cluster.Cluster_EB0386A7.arn}" });
        expect(sid("ReadAmiParameters").Resource).toMatch(/:ssm:\$\{data\.aws_region\.[^}]+\}::parameter\/aws\/service\/\*$/);
        expect(sid("ReadPrices").Action).toBe("pricing:GetProducts");
        for (const name of ["EncryptNodeVolumes", "GrantNodeVolumeKey"]) {
          expect(sid(name).Resource).toBe("${aws_kms_key.Cluster_VolumesKey_A5D6A601.arn}");
          expect(sid(name).Condition.StringEquals["kms:ViaService"]).toBe(
            "ec2.${data.aws_region.Cluster_Region_7C269833.region}.${data.aws_partition.Cluster_Partition_66B445A2.dns_suffix}",
          );
        }
        expect(sid("GrantNodeVolumeKey").Condition.Bool).toEqual({ "kms:GrantIsForAWSResource": "true" });
      });

      test("fits IAM's 10,240-character limit for a role's inline policies once references resolve", () => {
        const rendered = resourceById(infraJson, "aws_iam_role_policy", "Karpenter_ControllerPolicy_")
          .policy.replace(/\$\{data\.aws_partition\.[^}]+\}/g, "aws-us-gov")
          .replace(/\$\{data\.aws_region\.[^}]+\}/g, "ap-southeast-2")
          .replace(/\$\{data\.aws_caller_identity\.[^}]+\}/g, "123456789012")
          .replace(/\$\{aws_[^}]+\.arn\}/g, `arn:aws-us-gov:iam::123456789012:role/${"x".repeat(64)}`);
        expect(rendered).not.toContain("${");
        expect(rendered.length).toBeLessThan(10240);
      });
    });
  });

  describe("KarpenterController", () => {
    test("installs the pinned chart into kube-system without creating the namespace", () => {
      expect(platformSynth).toHaveResourceWithProperties(Release, {
        name: "karpenter",
        namespace: "kube-system",
        chart: "karpenter",
        repository: "oci://public.ecr.aws/karpenter",
        version: "1.14.1",
        create_namespace: false,
      });
      expect(platformSynth).not.toContain("kubernetes_namespace");
    });

    test("values: cluster, queue, service account, region, two replicas with resources, on the system pool", () => {
      const [release] = helmReleaseValues(platformSynth);
      const system = s.cluster.nodePools.find((p) => p.purpose === NodePoolPurpose.SYSTEM)!;
      expect(release.values).toEqual([
        {
          settings: { clusterName: "ml-prod", interruptionQueue: "ml-prod-karpenter" },
          serviceAccount: { name: "karpenter" },
          replicas: 2,
          controller: {
            env: [{ name: "AWS_REGION", value: expect.stringMatching(REGION_REFERENCE) }],
            resources: { requests: { cpu: "1", memory: "1Gi" }, limits: { cpu: "1", memory: "1Gi" } },
          },
          nodeSelector: system.labels,
        },
      ]);
      expect(system.labels[Scheduling.POOL_LABEL]).toBe("system");
    });

    test("AWS_REGION is the cluster's region, read from the infra stack (Karpenter must not need IMDS)", () => {
      const [release] = helmReleaseValues(platformSynth);
      const env = (release.values[0] as any).controller.env;
      expect(env).toEqual([{ name: "AWS_REGION", value: expect.stringMatching(REGION_REFERENCE) }]);
      // The infra stack exports exactly the region data source's attribute for it.
      const outputs = (infraJson as any).output as Record<string, { value: string }>;
      const exported = Object.entries(outputs).filter(([, o]) => o.value === "${data.aws_region.Cluster_Region_7C269833.region}");
      expect(exported.length).toBe(1);
      expect(env[0].value).toContain(exported[0][0]);
    });

    test("the controller image is the pinned chart's own (tag and digest written by Karpenter's release)", () => {
      const [release] = helmReleaseValues(platformSynth);
      expect((release.values[0] as any).controller.image).toBeUndefined();
      expect((release.values[0] as any).image).toBeUndefined();
    });

    test("in IRSA mode the service account is annotated with the role ARN (a cross-stack reference)", () => {
      const irsa = setup({ cluster: { identityMode: EksIdentityMode.IRSA } });
      prepareApp(irsa.app);
      const [release] = helmReleaseValues(Testing.synth(irsa.platform));
      const sa = (release.values[0] as any).serviceAccount;
      expect(sa.name).toBe("karpenter");
      expect(sa.annotations["eks.amazonaws.com/role-arn"]).toMatch(
        /^\$\{data\.terraform_remote_state\.cross-stack-reference-input-infra\.outputs\.cross-stack-output-aws_iam_roleCluster_KarpenterController_Role_[0-9A-F]+arn\}$/,
      );
      const associations = Object.keys(resourcesOfType(synthJson(irsa.infra), "aws_eks_pod_identity_association"));
      expect(associations.filter((id) => id.includes("KarpenterController"))).toEqual([]);
    });
  });

  describe("KarpenterGpuNodePools", () => {
    let m: Record<string, any>;
    beforeAll(() => {
      m = manifests(workloadsJson);
    });

    test("one EC2NodeClass and two NodePools", () => {
      expect(Object.keys(m).sort()).toEqual(["EC2NodeClass/gpu", "NodePool/gpu-on-demand", "NodePool/gpu-spot"]);
      expect(s.pools.nodePools.map((p) => p.name)).toEqual(["gpu-on-demand", "gpu-spot"]);
      expect(s.pools.nodeClass.apiVersion).toBe("karpenter.k8s.aws/v1");
    });

    test("EC2NodeClass: node role, discovery-tagged subnets, cluster security group, IMDSv2, encrypted gp3, pinned alias", () => {
      const remote = "${data.terraform_remote_state.cross-stack-reference-input-infra.outputs.cross-stack-output-";
      expect(m["EC2NodeClass/gpu"].spec).toEqual({
        role: "ml-prod-karpenter-node",
        amiSelectorTerms: [{ alias: "al2023@v20260714" }],
        subnetSelectorTerms: [{ tags: { "karpenter.sh/discovery": "ml-prod" } }],
        securityGroupSelectorTerms: [{ id: `${remote}aws_eks_clusterCluster_EB0386A7vpc_config0cluster_security_group_id}` }],
        metadataOptions: { httpEndpoint: "enabled", httpProtocolIPv6: "disabled", httpPutResponseHopLimit: 1, httpTokens: "required" },
        blockDeviceMappings: [
          {
            deviceName: "/dev/xvda",
            rootVolume: true,
            ebs: {
              volumeSize: "100Gi",
              volumeType: "gp3",
              encrypted: true,
              kmsKeyID: `${remote}aws_kms_keyCluster_VolumesKey_A5D6A601arn}`,
              deleteOnTermination: true,
            },
          },
        ],
      });
      expect(KarpenterGpuNodePools.DEFAULT_AMI_ALIAS).toBe("al2023@v20260714");
      // The discovery tag the selector relies on is on the cluster's private subnets.
      const privateSubnets = Object.values(resourcesOfType(infraJson, "aws_subnet")).filter((sn: any) => sn.tags["karpenter.sh/discovery"]);
      expect(privateSubnets).toHaveLength(3);
      for (const sn of privateSubnets as any[]) expect(sn.tags["karpenter.sh/discovery"]).toBe("ml-prod");
    });

    test("with the cluster in existing subnets, the node class selects them by id", () => {
      const own = setup({ cluster: { subnetIds: ["subnet-0a1b2c", "subnet-0d4e5f"] } });
      expect(own.pools.nodeClass.manifest.spec.subnetSelectorTerms).toEqual([{ id: "subnet-0a1b2c" }, { id: "subnet-0d4e5f" }]);
    });

    test("NodePools: capacity type, catalog instance types, NVIDIA, amd64, GPU limit", () => {
      const l4Types = Gpu.NVIDIA_L4.awsInstanceTypesWith(1).map((t) => t.instanceType);
      for (const [name, capacity] of [
        ["gpu-on-demand", "on-demand"],
        ["gpu-spot", "spot"],
      ]) {
        const spec = m[`NodePool/${name}`].spec;
        expect(spec.template.spec.nodeClassRef).toEqual({ group: "karpenter.k8s.aws", kind: "EC2NodeClass", name: "gpu" });
        expect(spec.template.spec.requirements).toEqual([
          { key: "karpenter.sh/capacity-type", operator: "In", values: [capacity] },
          { key: "node.kubernetes.io/instance-type", operator: "In", values: l4Types },
          { key: "karpenter.k8s.aws/instance-gpu-manufacturer", operator: "In", values: ["nvidia"] },
          { key: "kubernetes.io/arch", operator: "In", values: ["amd64"] },
          { key: "kubernetes.io/os", operator: "In", values: ["linux"] },
        ]);
        expect(spec.limits).toEqual({ "nvidia.com/gpu": 8 });
      }
      expect(l4Types).toEqual(["g6.xlarge", "g6.2xlarge", "g6.4xlarge", "g6.8xlarge", "g6.16xlarge"]);
    });

    test("on-demand pool: consolidated when empty or underutilized, nodes expire after 720h", () => {
      const spec = m["NodePool/gpu-on-demand"].spec;
      expect(spec.disruption).toEqual({
        consolidationPolicy: "WhenEmptyOrUnderutilized",
        consolidateAfter: "10m",
        // Busy serving nodes are not consolidated on weekdays 08:00-18:00 UTC; empty ones still go.
        budgets: [{ nodes: "0", reasons: ["Underutilized"], schedule: "0 8 * * mon-fri", duration: "10h" }, { nodes: "10%" }],
      });
      expect(spec.template.spec.expireAfter).toBe("720h");
    });

    test("spot training pool: nodes never expire, and no underutilized node is disrupted (only empty ones)", () => {
      const spec = m["NodePool/gpu-spot"].spec;
      expect(spec.template.spec.expireAfter).toBe("Never");
      expect(spec.disruption).toEqual({
        consolidationPolicy: "WhenEmptyOrUnderutilized",
        consolidateAfter: "10m",
        budgets: [{ nodes: "0", reasons: ["Underutilized"] }, { nodes: "10%" }],
      });
      // expireAfterHours is for the on-demand pool only.
      const week = setup({ pools: { expireAfterHours: 168 } });
      expect(week.pools.nodePools.map((p) => [p.name, p.manifest.spec.template.spec.expireAfter])).toEqual([
        ["gpu-on-demand", "168h"],
        ["gpu-spot", "Never"],
      ]);
    });

    test("taints and labels follow the Scheduling contract", () => {
      const gpuTaint = { key: "nvidia.com/gpu", value: "present", effect: "NoSchedule" };
      const trainingTaint = { key: "workload", value: "training", effect: "NoSchedule" };
      expect(Scheduling.gpuTaint()).toEqual(gpuTaint);
      expect(Scheduling.trainingTaint()).toEqual(trainingTaint);
      expect(m["NodePool/gpu-on-demand"].spec.template.spec.taints).toEqual([gpuTaint]);
      expect(m["NodePool/gpu-spot"].spec.template.spec.taints).toEqual([gpuTaint, trainingTaint]);
      expect(m["NodePool/gpu-on-demand"].spec.template.metadata.labels).toEqual({
        [Scheduling.POOL_LABEL]: "gpu-on-demand",
        [Scheduling.PURPOSE_LABEL]: "inference",
        [Scheduling.CAPACITY_TYPE_LABEL]: "on-demand",
        [Scheduling.GPU_LABEL]: "nvidia-l4",
      });
      expect(m["NodePool/gpu-spot"].spec.template.metadata.labels).toEqual({
        [Scheduling.POOL_LABEL]: "gpu-spot",
        [Scheduling.PURPOSE_LABEL]: "training",
        [Scheduling.CAPACITY_TYPE_LABEL]: "spot",
        [Scheduling.GPU_LABEL]: "nvidia-l4",
      });
    });

    test("both pools are registered on the cluster; serving finds only the on-demand one", () => {
      const byName = Object.fromEntries(s.cluster.nodePools.map((p) => [p.name, p]));
      expect(Object.keys(byName).sort()).toEqual(["gpu-on-demand", "gpu-spot", "system"]);
      expect(byName["gpu-on-demand"]).toMatchObject({
        purpose: NodePoolPurpose.INFERENCE,
        capacityType: CapacityType.ON_DEMAND,
        minNodes: 0,
        maxNodes: 8,
        gpu: Gpu.NVIDIA_L4,
        gpusPerNode: 1,
        taints: [{ key: "nvidia.com/gpu", value: "present", effect: TaintEffect.NO_SCHEDULE }],
      });
      expect(byName["gpu-spot"]).toMatchObject({ purpose: NodePoolPurpose.TRAINING, capacityType: CapacityType.SPOT, minNodes: 0 });
      // Registered labels are exactly the labels the nodes get: the template's, plus the NodePool name
      // that Karpenter itself sets (a template may not set karpenter.sh/* labels).
      for (const pool of s.pools.pools) {
        expect({ ...m[`NodePool/${pool.name}`].spec.template.metadata.labels, "karpenter.sh/nodepool": pool.name }).toEqual(
          Scheduling.nodeSelectorFor(pool),
        );
      }
      expect(Scheduling.servingPools(s.cluster, true, false).map((p) => p.name)).toEqual(["gpu-on-demand"]);
      expect(Scheduling.tolerationsFor(byName["gpu-spot"])).toEqual([
        { key: "nvidia.com/gpu", operator: "Equal", value: "present", effect: "NoSchedule" },
        { key: "workload", operator: "Equal", value: "training", effect: "NoSchedule" },
      ]);
    });

    test("the pools are Karpenter pools; the system node group is not", () => {
      const byName = Object.fromEntries(s.cluster.nodePools.map((p) => [p.name, KarpenterGpuNodePools.isKarpenterPool(p)]));
      expect(byName).toEqual({ system: false, "gpu-on-demand": true, "gpu-spot": true });
      // By label, not identity: a copy (as jsii passes structs by value) is still a Karpenter pool;
      // the same pool without the karpenter.sh/nodepool label is not.
      expect(KarpenterGpuNodePools.isKarpenterPool({ ...s.pools.pools[0] })).toBe(true);
      const { ["karpenter.sh/nodepool"]: _dropped, ...otherLabels } = s.pools.pools[0].labels;
      expect(KarpenterGpuNodePools.isKarpenterPool({ ...s.pools.pools[0], labels: otherLabels })).toBe(false);
    });

    test("no tags without StrataTags on the cluster's stack", () => {
      expect(m["EC2NodeClass/gpu"].spec.tags).toBeUndefined();
      expect(s.pools.tags).toEqual({});
    });

    test("tags default to the StrataTags of the cluster's stack", () => {
      const tagged = setup({ strataTags: true });
      const expected = { owner: "ml-platform", "cost-centre": "cc-4200", environment: "prod", "managed-by": "strata" };
      expect(tagged.pools.tags).toEqual(expected);
      prepareApp(tagged.app);
      expect(manifests(synthJson(tagged.workloads))["EC2NodeClass/gpu"].spec.tags).toEqual(expected);
      // The same tags as the cluster's own resources.
      const clusterTags = onlyResource(synthJson(tagged.infra), "aws_eks_cluster").tags;
      expect(clusterTags).toMatchObject(expected);
      expect(() => tagged.workloads.runAllValidations()).not.toThrow();
    });

    test("StrataTags on the workloads stack are not the cluster's; StrataTags on the cluster are", () => {
      const app = testApp();
      const infra = awsStack(app, "infra");
      const cluster = new EksCluster(infra, "Cluster", { clusterName: "ml-prod", subnetIds: ["subnet-a", "subnet-b"], karpenter: true });
      StrataTags.apply(cluster, { owner: "ml", costCentre: "cc-1", environment: "dev", extra: { team: "search" } });
      const workloads = bareStack(app, "workloads");
      StrataTags.apply(workloads, { owner: "other", costCentre: "cc-2", environment: "prod" });
      const pools = new KarpenterGpuNodePools(workloads, "GpuPools", { connection: cluster.connect(workloads, "Ml"), cluster, infra: cluster.karpenter!, maxGpus: 8 });
      expect(pools.tags).toEqual({ team: "search", owner: "ml", "cost-centre": "cc-1", environment: "dev", "managed-by": "strata" });
    });

    test("explicit tags replace the default, {} emits none", () => {
      const own = setup({ strataTags: true, pools: { tags: { Team: "ml-research", "acme.com/cost-centre": "CC 4200", Name: "gpu-node" } } });
      expect(own.pools.nodeClass.manifest.spec.tags).toEqual({ Team: "ml-research", "acme.com/cost-centre": "CC 4200", Name: "gpu-node" });
      const none = setup({ strataTags: true, pools: { tags: {} } });
      expect(none.pools.nodeClass.manifest.spec.tags).toBeUndefined();
    });

    test("StrataTags applied to the cluster's stack after the pools fail synth validation", () => {
      const late = setup();
      StrataTags.apply(late.infra, { owner: "ml-platform", costCentre: "cc-4200", environment: "prod" });
      expect(() => late.workloads.runAllValidations()).toThrow(
        'workloads/GpuPools: invalid tags {}: a StrataTags aspect applied to infra after this construct was created gives ' +
          '{"owner":"ml-platform","cost-centre":"cc-4200","environment":"prod","managed-by":"strata"}; apply StrataTags before creating KarpenterGpuNodePools, or pass tags',
      );
      // With explicit tags there is nothing to miss.
      const explicit = setup({ pools: { tags: { team: "ml" } } });
      StrataTags.apply(explicit.infra, { owner: "ml-platform", costCentre: "cc-4200", environment: "prod" });
      expect(() => explicit.workloads.runAllValidations()).not.toThrow();
    });

    test("spot-only and on-demand-only", () => {
      expect(setup({ pools: { onDemand: false } }).pools.nodePools.map((p) => p.name)).toEqual(["gpu-spot"]);
      const od = setup({ pools: { spot: false } });
      expect(od.pools.nodePools.map((p) => p.name)).toEqual(["gpu-on-demand"]);
      expect(od.cluster.nodePools.map((p) => p.name)).toEqual(["system", "gpu-on-demand"]);
    });

    test("several GPU models: every catalog instance type, no single-model label", () => {
      const multi = setup({ pools: { gpus: [Gpu.NVIDIA_L4, Gpu.NVIDIA_A10G] } });
      const spec = multi.pools.nodePools[0].manifest.spec;
      expect(spec.template.spec.requirements[1].values).toEqual([
        ...Gpu.NVIDIA_L4.awsInstanceTypesWith(1).map((t) => t.instanceType),
        ...Gpu.NVIDIA_A10G.awsInstanceTypesWith(1).map((t) => t.instanceType),
      ]);
      expect(spec.template.metadata.labels[Scheduling.GPU_LABEL]).toBeUndefined();
      expect(multi.pools.pools[0].gpu).toBe(Gpu.NVIDIA_L4);
    });

    test("gpusPerNode picks the multi-GPU instance types and sizes maxNodes", () => {
      expect(() => setup({ pools: { gpusPerNode: 4, maxGpus: 10 } })).toThrow(
        "workloads/GpuPools: invalid maxGpus 10: must be a multiple of gpusPerNode (4): nodes come whole; use 8 or 12",
      );
      const four = setup({ pools: { gpusPerNode: 4, maxGpus: 8, amiAlias: "al2023@latest", diskSizeGiB: 500, consolidateAfterMinutes: 0, expireAfterHours: 168 } });
      const spec = four.pools.nodePools[0].manifest.spec;
      expect(spec.template.spec.requirements[1].values).toEqual(["g6.12xlarge", "g6.24xlarge"]);
      expect(spec.limits).toEqual({ "nvidia.com/gpu": 8 });
      expect(spec.disruption.consolidateAfter).toBe("0m");
      expect(spec.template.spec.expireAfter).toBe("168h");
      expect(four.pools.nodePools[1].manifest.spec.disruption.consolidateAfter).toBe("0m");
      expect(four.pools.nodeClass.manifest.spec.amiSelectorTerms).toEqual([{ alias: "al2023@latest" }]);
      expect(four.pools.nodeClass.manifest.spec.blockDeviceMappings[0].ebs.volumeSize).toBe("500Gi");
      expect(four.pools.pools[0]).toMatchObject({ gpusPerNode: 4, maxNodes: 2 });
    });
  });

  describeConformance("conformance (Karpenter v1.14.1)", () => {
    test("every Helm value key exists in the chart's defaults", () => {
      expect(checkHelmReleases(platformSynth, PINNED_CHART_VALUES)).toEqual([]);
    });

    test("every manifest passes the strict NodePool / EC2NodeClass schemas", () => {
      const results = validateStackManifests(workloadsSynth);
      expect(results).toHaveLength(3);
      expect(results.filter((r) => r.errors.length > 0)).toEqual([]);
    });

    test("with tags (StrataTags and explicit) the EC2NodeClass passes the strict schema too", () => {
      for (const options of [{ strataTags: true }, { pools: { tags: { Team: "ml", "acme.com/app": "trainer" } } }]) {
        const tagged = setup(options);
        prepareApp(tagged.app);
        const results = validateStackManifests(Testing.synth(tagged.workloads));
        expect(results).toHaveLength(3);
        expect(results.filter((r) => r.errors.length > 0)).toEqual([]);
      }
    });

    describe("CEL rules the schemas cannot check", () => {
      /** The quoted names in the `x in [...]` list of the CEL rule with this message at this path. */
      function allowedKeys(kind: string, rulePath: string, message: string): string[] {
        const rules = JSON.parse(fs.readFileSync(path.join(conformanceRoot()!, "schemas", "cel-rules", `${kind}-v1.json`), "utf8"));
        const rule = rules.find((r: any) => r.path === rulePath && r.message === message);
        if (!rule) throw new Error(`no CEL rule "${message}" at ${rulePath}`);
        return [...rule.rule.matchAll(/"([^"]+)"/g)].map((x: RegExpMatchArray) => x[1]);
      }

      test("NodePool requirements: operators with values, no restricted label domains", () => {
        const karpenterSh = allowedKeys("nodepool", "spec/template/spec/requirements/[]/key", 'label domain "karpenter.sh" is restricted');
        const karpenterAws = allowedKeys("nodepool", "spec/template/spec/requirements/[]/key", 'label domain "karpenter.k8s.aws" is restricted');
        expect(karpenterAws).toContain("karpenter.k8s.aws/instance-gpu-manufacturer");
        for (const pool of s.pools.nodePools) {
          for (const r of pool.manifest.spec.template.spec.requirements) {
            if (r.operator === "In") expect(r.values.length).toBeGreaterThan(0);
            expect(["Gt", "Lt", "Gte", "Lte"]).not.toContain(r.operator);
            const domain = r.key.split("/")[0];
            if (domain.endsWith("karpenter.sh")) expect(karpenterSh).toContain(r.key);
            if (domain.endsWith("karpenter.k8s.aws")) expect(karpenterAws).toContain(r.key);
            expect(["karpenter.sh/nodepool", "kubernetes.io/hostname"]).not.toContain(r.key);
          }
          for (const key of Object.keys(pool.manifest.spec.template.metadata.labels)) {
            expect(key.split("/")[0]).not.toMatch(/karpenter\.(sh|k8s\.aws)$/);
            expect(key).not.toBe("kubernetes.io/hostname");
          }
          expect(pool.manifest.spec.replicas).toBeUndefined(); // dynamic NodePools: limits may name GPUs
          for (const t of pool.manifest.spec.template.spec.taints) expect(Object.keys(t).sort()).toEqual(["effect", "key", "value"]);
          const ref = pool.manifest.spec.template.spec.nodeClassRef;
          for (const k of ["group", "kind", "name"]) expect(ref[k]).not.toBe("");
          expect(ref.name).toBe(s.pools.nodeClass.name);
        }
      });

      test("NodePool disruption budgets: schedule with duration, reasons Karpenter knows", () => {
        const rules = JSON.parse(fs.readFileSync(path.join(conformanceRoot()!, "schemas", "cel-rules", "nodepool-v1.json"), "utf8"));
        expect(rules.filter((r: any) => r.path === "spec/disruption/budgets").map((r: any) => r.message)).toEqual(["'schedule' must be set with 'duration'"]);
        const schema = JSON.parse(fs.readFileSync(path.join(conformanceRoot()!, "schemas", "nodepool-v1.json"), "utf8"));
        const budgetSchema = schema.properties.spec.properties.disruption.properties.budgets.items.properties;
        for (const pool of s.pools.nodePools) {
          const budgets = pool.manifest.spec.disruption.budgets;
          expect(budgets.length).toBeGreaterThan(0);
          for (const b of budgets) {
            expect("schedule" in b).toBe("duration" in b);
            expect(b.nodes).toMatch(new RegExp(budgetSchema.nodes.pattern));
            if (b.schedule !== undefined) expect(b.schedule).toMatch(new RegExp(budgetSchema.schedule.pattern));
            if (b.duration !== undefined) expect(b.duration).toMatch(new RegExp(budgetSchema.duration.pattern));
            for (const reason of b.reasons ?? []) expect(budgetSchema.reasons.items.enum).toContain(reason);
          }
        }
        const spot = s.pools.nodePools.find((p) => p.name === "gpu-spot")!.manifest.spec;
        const expirePattern = new RegExp(schema.properties.spec.properties.template.properties.spec.properties.expireAfter.pattern);
        expect(spot.template.spec.expireAfter).toMatch(expirePattern);
      });

      test("EC2NodeClass tags: the CRD's restricted keys are rejected before synth", () => {
        const rules = JSON.parse(fs.readFileSync(path.join(conformanceRoot()!, "schemas", "cel-rules", "ec2nodeclass-v1.json"), "utf8"));
        const tagRules = rules.filter((r: any) => r.path === "spec/tags");
        expect(tagRules.map((r: any) => r.message)).toEqual([
          "empty tag keys aren't supported",
          "tag contains a restricted tag matching eks:eks-cluster-name",
          "tag contains a restricted tag matching kubernetes.io/cluster/",
          "tag contains a restricted tag matching karpenter.sh/nodepool",
          "tag contains a restricted tag matching karpenter.sh/nodeclaim",
          "tag contains a restricted tag matching karpenter.k8s.aws/ec2nodeclass",
        ]);
        // Each rule's forbidden key, as the rule spells it: rejected by the construct.
        const forbidden = tagRules.map((r: any) => {
          const literal = /'([^']*)'/.exec(r.rule)![1];
          return r.rule.includes("startsWith") ? `${literal}/ml-prod` : literal;
        });
        expect(forbidden).toEqual(["", "eks:eks-cluster-name", "kubernetes.io/cluster/ml-prod", "karpenter.sh/nodepool", "karpenter.sh/nodeclaim", "karpenter.k8s.aws/ec2nodeclass"]);
        const app = testApp();
        const infra = awsStack(app, "infra");
        const cluster = new EksCluster(infra, "Cluster", { clusterName: "ml-prod", subnetIds: ["subnet-a", "subnet-b"], karpenter: true });
        const workloads = bareStack(app, "workloads");
        const connection = cluster.connect(workloads, "Ml");
        forbidden.forEach((key: string, i: number) => {
          expect(() => new KarpenterGpuNodePools(workloads, `P${i}`, { connection, cluster, infra: cluster.karpenter!, maxGpus: 8, tags: { [key]: "x" } })).toThrow(
            `workloads/P${i}: invalid tags key ${JSON.stringify(key)}`,
          );
        });
        // Tags that pass the construct pass every CEL rule.
        const tagged = setup({ strataTags: true, pools: { tags: { team: "ml", "acme.com/app": "trainer", Name: "gpu" } } });
        for (const key of Object.keys(tagged.pools.nodeClass.manifest.spec.tags)) {
          expect(key).not.toBe("");
          expect(key).not.toBe("eks:eks-cluster-name");
          expect(key.startsWith("kubernetes.io/cluster")).toBe(false);
          expect(["karpenter.sh/nodepool", "karpenter.sh/nodeclaim", "karpenter.k8s.aws/ec2nodeclass"]).not.toContain(key);
        }
      });

      test("EC2NodeClass: role xor instanceProfile, one alias term in family@version form, one root volume with a size", () => {
        const spec = s.pools.nodeClass.manifest.spec;
        expect("role" in spec !== "instanceProfile" in spec).toBe(true);
        expect(spec.role).not.toBe("");
        expect(spec.amiSelectorTerms).toHaveLength(1); // an alias term must be the only term
        const alias: string = spec.amiSelectorTerms[0].alias;
        expect(alias).toMatch(/^[a-zA-Z0-9]+@.+$/);
        expect(["al2", "al2023", "bottlerocket", "windows2019", "windows2022", "windows2025"]).toContain(alias.split("@")[0]);
        expect(alias.length).toBeLessThanOrEqual(30);
        expect(spec.amiFamily).toBeUndefined(); // implied by the alias
        expect(spec.securityGroupSelectorTerms.length).toBeGreaterThan(0);
        expect(spec.subnetSelectorTerms.length).toBeGreaterThan(0);
        for (const term of spec.subnetSelectorTerms) {
          expect(Object.keys(term)).toHaveLength(1);
          for (const [k, v] of Object.entries(term.tags ?? {})) expect(k !== "" && v !== "").toBe(true);
        }
        const roots = spec.blockDeviceMappings.filter((b: any) => b.rootVolume);
        expect(roots).toHaveLength(1);
        expect(roots[0].ebs.volumeSize ?? roots[0].ebs.snapshotID).toBeDefined();
      });
    });
  });
});

describe("stack layout", () => {
  function twoStacks() {
    const app = testApp();
    const infra = awsStack(app, "infra");
    const cluster = new EksCluster(infra, "Cluster", { clusterName: "ml-prod" });
    const karpenter = new KarpenterInfra(infra, "Karpenter", { cluster });
    const platform = bareStack(app, "platform");
    return { cluster, karpenter, platform, connection: cluster.connect(platform, "Ml") };
  }

  test("node pools in the controller's stack fail synth: their CRDs do not exist when Terraform plans", () => {
    const { cluster, karpenter, platform, connection } = twoStacks();
    new KarpenterController(platform, "Karpenter", { connection, infra: karpenter });
    expect(() => new KarpenterGpuNodePools(platform, "GpuPools", { connection, cluster, infra: karpenter, maxGpus: 4 })).toThrow(
      'platform/GpuPools/NodeClass: invalid manifest "karpenter.k8s.aws/v1/EC2NodeClass": its CRD is installed by platform/Karpenter/Crds in the same stack',
    );
  });

  test("and the controller after the node pools fails as well", () => {
    const { cluster, karpenter, platform, connection } = twoStacks();
    new KarpenterGpuNodePools(platform, "GpuPools", { connection, cluster, infra: karpenter, maxGpus: 4 });
    expect(() => new KarpenterController(platform, "Karpenter", { connection, infra: karpenter })).toThrow(
      'platform/Karpenter/Crds: invalid chart "karpenter-crd": installs the CRDs of API group "karpenter.k8s.aws", and platform/GpuPools/NodeClass is a custom resource',
    );
  });
});

describe("validation", () => {
  function base() {
    const app = testApp();
    const infra = awsStack(app, "infra");
    const cluster = new EksCluster(infra, "Cluster", { clusterName: "ml-prod" });
    const karpenter = new KarpenterInfra(infra, "Karpenter", { cluster });
    const workloads = bareStack(app, "workloads");
    const connection = cluster.connect(workloads, "Ml");
    const onPrem = new ExistingCluster(infra, "OnPrem", { clusterName: "dc1", kubeconfigContext: "dc1" });
    let n = 0;
    const pools = (props: PoolOptions & { maxGpus?: number }) => () =>
      new KarpenterGpuNodePools(workloads, `Pools${n++}`, { connection, cluster, infra: karpenter, maxGpus: 8, ...props });
    return { app, infra, cluster, karpenter, workloads, connection, onPrem, pools };
  }

  test("maxGpus must be a positive integer", () => {
    const { pools } = base();
    expect(pools({ maxGpus: 0 })).toThrow("workloads/Pools0: invalid maxGpus 0: must be an integer >= 1");
    expect(pools({ maxGpus: -4 })).toThrow("workloads/Pools1: invalid maxGpus -4: must be an integer >= 1");
    expect(pools({ maxGpus: 2.5 })).toThrow("workloads/Pools2: invalid maxGpus 2.5: must be an integer >= 1");
    expect(pools({ maxGpus: 2, gpusPerNode: 4 })).toThrow(
      "workloads/Pools3: invalid maxGpus 2: must be at least gpusPerNode (4): no node would fit under the limit",
    );
  });

  test("every GPU must be offered on AWS with the requested GPUs per node", () => {
    const { pools } = base();
    const gkeOnly = Gpu.custom({
      id: "acme-x1",
      displayName: "ACME X1",
      memoryGiB: 32,
      productLabel: "ACME-X1",
      gkeAcceleratorType: "acme-x1",
      gkeMachineFamily: "a9",
      gkeMachineTypes: [{ machineType: "a9-standard-8", gpuCount: 1, vcpus: 8, memoryGiB: 64, onDemandHourlyUsd: 2, spotHourlyUsd: 1 }],
    });
    expect(pools({ gpus: [Gpu.NVIDIA_L4, gkeOnly] })).toThrow(
      'workloads/Pools0: invalid gpus[1] "acme-x1": is not offered on AWS (no EC2 instance types in the catalog); AWS GPUs: nvidia-t4, nvidia-a10g, nvidia-l4',
    );
    expect(pools({ gpus: [] })).toThrow("workloads/Pools1: invalid gpus []: must list at least one GPU");
    expect(pools({ gpus: [Gpu.NVIDIA_L4], gpusPerNode: 2 })).toThrow(
      'workloads/Pools2: invalid gpus[0] "nvidia-l4": has no AWS instance type with 2 GPU(s); set gpusPerNode to one of 1, 4, 8',
    );
    expect(pools({ gpusPerNode: 17 })).toThrow("workloads/Pools3: invalid gpusPerNode 17: must be an integer from 1 to 16");
  });

  test("at least one of spot and on-demand", () => {
    const { pools } = base();
    expect(pools({ spot: false, onDemand: false })).toThrow(
      "workloads/Pools0: invalid spot false: must be true when onDemand is false: at least one of the two pools is needed",
    );
  });

  test("the AMI alias must be a pinned AL2023 release or latest", () => {
    const { pools } = base();
    expect(pools({ amiAlias: "al2023@2026-07-14" })).toThrow(
      'workloads/Pools0: invalid amiAlias "al2023@2026-07-14": must be "al2023@v<YYYYMMDD>" (an EKS AMI release, e.g. "al2023@v20260714") or "al2023@latest"',
    );
    expect(pools({ amiAlias: "bottlerocket@latest" })).toThrow('invalid amiAlias "bottlerocket@latest"');
  });

  test("tags: AWS limits and the keys Karpenter and AWS reserve", () => {
    const { pools } = base();
    expect(pools({ tags: { "kubernetes.io/cluster/ml-prod": "owned" } })).toThrow(
      'workloads/Pools0: invalid tags key "kubernetes.io/cluster/ml-prod": is set by Karpenter to own the instances; the EC2NodeClass rejects it (eks:eks-cluster-name, kubernetes.io/cluster*)',
    );
    expect(pools({ tags: { "karpenter.sh/discovery": "ml-prod" } })).toThrow(
      'workloads/Pools1: invalid tags key "karpenter.sh/discovery": is in a domain Karpenter reserves (karpenter.sh, karpenter.k8s.aws)',
    );
    expect(pools({ tags: { "karpenter.k8s.aws/anything": "x" } })).toThrow('workloads/Pools2: invalid tags key "karpenter.k8s.aws/anything": is in a domain Karpenter reserves');
    expect(pools({ tags: { "aws:createdBy": "me" } })).toThrow('workloads/Pools3: invalid tags key "aws:createdBy": must not start with "aws:", which AWS reserves');
    expect(pools({ tags: { "": "x" } })).toThrow('workloads/Pools4: invalid tags key "": must be 1 to 128 characters long');
    expect(pools({ tags: { ["k".repeat(129)]: "x" } })).toThrow("workloads/Pools5: invalid tags key");
    expect(pools({ tags: { "team#1": "x" } })).toThrow('workloads/Pools6: invalid tags key "team#1": may contain only letters, digits, spaces and _ . : / = + - @ (AWS tag keys)');
    expect(pools({ tags: { team: "a,b" } })).toThrow('workloads/Pools7: invalid tags["team"] "a,b": must be at most 256 characters of letters, digits, spaces and _ . : / = + - @ (AWS tag values)');
    expect(pools({ tags: { team: "v".repeat(257) } })).toThrow('workloads/Pools8: invalid tags["team"]');
    const many = Object.fromEntries(Array.from({ length: 45 }, (_, i) => [`t${i}`, "x"]));
    expect(pools({ tags: many })).toThrow("workloads/Pools9: invalid tags (count) 45: must have at most 44 tags: EC2 allows 50 per resource and Karpenter adds up to 6");
    // Values may be empty; spaces and the AWS punctuation are fine.
    expect(pools({ tags: { team: "", "acme.com/cost centre": "CC 4200 @ml=+-_.:/" } })).not.toThrow();
  });

  test("disk, consolidation and expiry ranges", () => {
    const { pools } = base();
    expect(pools({ diskSizeGiB: 10 })).toThrow("workloads/Pools0: invalid diskSizeGiB 10: must be an integer from 20 to 16384");
    expect(pools({ consolidateAfterMinutes: -1 })).toThrow("workloads/Pools1: invalid consolidateAfterMinutes -1: must be an integer from 0 to 1440");
    expect(pools({ expireAfterHours: 0 })).toThrow("workloads/Pools2: invalid expireAfterHours 0: must be an integer from 1 to 8760");
  });

  test("the cluster must be EKS, for every construct", () => {
    const { infra, karpenter, connection, onPrem, workloads } = base();
    const notEks = onPrem as unknown as EksCluster;
    const message = 'invalid cluster "infra/OnPrem": must be an EksCluster (got target "on-prem"): Karpenter launches EC2 instances for Amazon EKS only';
    expect(() => new KarpenterInfra(infra, "K", { cluster: notEks })).toThrow(`infra/K: ${message}`);
    expect(() => new KarpenterGpuNodePools(workloads, "P", { connection, cluster: notEks, infra: karpenter, maxGpus: 8 })).toThrow(
      `workloads/P: ${message}`,
    );
    // Something that is not a KarpenterInfra (a JavaScript caller's object) is rejected before its cluster is read.
    const fakeInfra = { cluster: notEks } as unknown as KarpenterInfra;
    expect(() => new KarpenterController(bareStack(testApp(), "platform"), "C", { connection, infra: fakeInfra })).toThrow(
      "platform/C: invalid infra [object Object]: must be a KarpenterInfra",
    );
  });

  test("connection, infra and cluster must all be the same cluster", () => {
    const { infra, cluster, karpenter, workloads, connection } = base();
    const other = new EksCluster(infra, "Other", { clusterName: "other", subnetIds: ["subnet-a", "subnet-b"] });
    const otherKarpenter = new KarpenterInfra(infra, "OtherKarpenter", { cluster: other });
    expect(() => new KarpenterGpuNodePools(workloads, "A", { connection, cluster, infra: otherKarpenter, maxGpus: 8 })).toThrow(
      'workloads/A: invalid infra "infra/OtherKarpenter": must be the KarpenterInfra of the same cluster (infra/Cluster)',
    );
    expect(() => new KarpenterGpuNodePools(workloads, "B", { connection, cluster: other, infra: otherKarpenter, maxGpus: 8 })).toThrow(
      'workloads/B: invalid connection "workloads/Ml": must connect to the same cluster (infra/Other)',
    );
    const platform = bareStack(workloads.node.root as App, "platform");
    expect(() => new KarpenterController(platform, "C", { connection: other.connect(platform, "Other"), infra: karpenter })).toThrow(
      'platform/C: invalid connection "platform/Other": must connect to the cluster of infra (infra/Cluster)',
    );
  });

  test("controller replicas from 1 to 10", () => {
    const { app, cluster, karpenter } = base();
    const platform = bareStack(app, "platform");
    const connection = cluster.connect(platform, "Ml");
    expect(() => new KarpenterController(platform, "C", { connection, infra: karpenter, replicas: 0 })).toThrow(
      "platform/C: invalid replicas 0: must be an integer from 1 to 10",
    );
  });
});

describe("EksCluster karpenter prop", () => {
  it("creates KarpenterInfra under the cluster only when asked", () => {
    const off = new EksCluster(awsStack(), "Cluster", { clusterName: "ml", subnetIds: ["subnet-a", "subnet-b"] });
    expect(off.karpenter).toBeUndefined();
    const stack = awsStack();
    const on = new EksCluster(stack, "Cluster", { clusterName: "ml", subnetIds: ["subnet-a", "subnet-b"], karpenter: true });
    expect(on.karpenter).toBeInstanceOf(KarpenterInfra);
    expect(on.karpenter!.node.path).toBe("infra/Cluster/Karpenter");
    expect(Object.keys(JSON.parse(Testing.synth(stack)).resource.aws_sqs_queue)).toHaveLength(1);
  });
});

describe("Karpenter review fixes", () => {
  it("may create EC2's spot service-linked role, and nothing else, for the first spot launch in an account", () => {
    const s = setup();
    const json = synthJson(s.infra);
    const statements = statementsOf(resourceById(json, "aws_iam_role_policy", "Karpenter_ControllerPolicy_").policy);
    const slr = statements.filter((st) => asList(st.Action).includes("iam:CreateServiceLinkedRole"));
    expect(slr).toHaveLength(1);
    expect(slr[0].Condition).toEqual({ StringEquals: { "iam:AWSServiceName": "spot.amazonaws.com" } });
    expect(slr[0].Resource).toMatch(/:role\/aws-service-role\/spot\.amazonaws\.com\/AWSServiceRoleForEC2Spot$/);
  });

  it("rejects token GPU sizes (instance types and limits are chosen at synth)", () => {
    expect(() => setup({ pools: { maxGpus: Token.asNumber(Fn.abs(8)) } })).toThrow('workloads/GpuPools: invalid maxGpus "<token>": must be a literal number');
    expect(() => setup({ pools: { gpusPerNode: Token.asNumber(Fn.abs(1)) } })).toThrow('workloads/GpuPools: invalid gpusPerNode "<token>": must be a literal number');
  });
});

describe("KarpenterGpuNodePools region availability", () => {
  it("rejects a GPU the catalog says is not offered in the cluster's region, like managed node groups do", () => {
    const app = testApp();
    const infra = awsStack(app, "infra");
    (infra.node.findAll().find((c) => c.constructor.name === "AwsProvider") as any).region = "eu-west-1";
    const cluster = new EksCluster(infra, "Cluster", { clusterName: "ml-prod", karpenter: true });
    const workloads = bareStack(app, "workloads");
    expect(
      () =>
        new KarpenterGpuNodePools(workloads, "GpuPools", {
          connection: cluster.connect(workloads, "Ml"),
          cluster,
          infra: cluster.karpenter!,
          gpus: [Gpu.NVIDIA_L40S],
          maxGpus: 8,
        }),
    ).toThrow('workloads/GpuPools: invalid gpus[0] "NVIDIA L40S": is not offered in AWS region eu-west-1 (per the GPU catalog)');
  });
});

describe("Karpenter CRDs from the karpenter-crd chart", () => {
  const s = setup();
  prepareApp(s.app);
  const platform = synthJson(s.platform);
  const releases = Object.entries(resourcesOfType(platform, "helm_release"));
  const crd = releases.find(([, r]) => r.chart === "karpenter-crd")!;
  const controller = releases.find(([, r]) => r.chart === "karpenter")!;

  it("installs the pinned karpenter-crd chart in kube-system, with no values", () => {
    expect(crd[1]).toMatchObject({
      name: "karpenter-crd",
      namespace: "kube-system",
      repository: "oci://public.ecr.aws/karpenter",
      version: "1.14.1",
      atomic: true,
    });
    expect(crd[1].values).toBeUndefined();
  });

  it("installs the controller after it, skipping the controller chart's own CRDs", () => {
    expect(controller[1].skip_crds).toBe(true);
    expect(controller[1].depends_on).toEqual([`helm_release.${crd[0]}`]);
    expect(crd[1].skip_crds).toBeUndefined();
  });

  it("the workloads stack (NodePools, EC2NodeClass) still applies after the stack with the CRD chart", () => {
    expect(s.workloads.dependencies).toContain(s.platform);
  });

  it("a stack with only custom resources orders itself after a later-created controller's CRD chart", () => {
    const app = testApp();
    const infra = awsStack(app, "infra");
    const cluster = new EksCluster(infra, "Cluster", { clusterName: "ml-prod", karpenter: true });
    const workloads = bareStack(app, "workloads");
    new KarpenterGpuNodePools(workloads, "GpuPools", { connection: cluster.connect(workloads, "Ml"), cluster, infra: KarpenterInfra.of(cluster), maxGpus: 8 });
    const platform = bareStack(app, "platform");
    new KarpenterController(platform, "Karpenter", { connection: cluster.connect(platform, "Ml"), infra: KarpenterInfra.of(cluster) });
    expect(workloads.dependencies).toContain(platform);
  });
});

describe("Karpenter system workloads", () => {
  it("the controller registers its replicas and requests on the cluster", () => {
    const s = setup();
    expect(s.cluster.systemWorkloads).toContainEqual({ name: "karpenter", cpuMillis: 1000, memoryMiB: 1024, replicas: 2 });
  });
});

describe("serving NodePool disruption budgets and expiry", () => {
  const onDemand = (pools: KarpenterGpuNodePools) => pools.nodePools.find((p) => p.name === "gpu-on-demand")!.manifest.spec;

  it("the busy-hours schedule and duration are props; expiry too; training keeps Never and its own budgets", () => {
    const s = setup({ pools: { servingBusyHoursSchedule: "30 6 * * 1-5", servingBusyHoursDuration: "12h30m", expireAfterHours: 336 } });
    const spec = onDemand(s.pools);
    expect(spec.disruption.budgets).toEqual([
      { nodes: "0", reasons: ["Underutilized"], schedule: "30 6 * * 1-5", duration: "12h30m" },
      { nodes: "10%" },
    ]);
    expect(spec.template.spec.expireAfter).toBe("336h");
    const spot = s.pools.nodePools.find((p) => p.name === "gpu-spot")!.manifest.spec;
    expect(spot.template.spec.expireAfter).toBe("Never");
    expect(spot.disruption.budgets).toEqual([{ nodes: "0", reasons: ["Underutilized"] }, { nodes: "10%" }]);
  });

  it("accepts cron macros, names and steps", () => {
    for (const schedule of ["@daily", "0 */2 * * *", "0 8 1,15 jan-jun MON-FRI", "0 0 * * 0,7"]) {
      expect(() => setup({ pools: { servingBusyHoursSchedule: schedule } })).not.toThrow();
    }
  });

  it("rejects malformed schedules", () => {
    const cases: [string, string][] = [
      ["0 8 * *", "it has 4 fields"],
      ["0 25 * * *", "it has 25 in the hour field (0-23)"],
      ["0 8 * * funday", 'it has an invalid day of week field "funday"'],
      ["0 8 * * fri-xyz", 'it has an unknown name "xyz" in the day of week field'],
      ["@sometimes", "it has 1 fields"],
    ];
    for (const [schedule, problem] of cases) {
      expect(() => setup({ pools: { servingBusyHoursSchedule: schedule } })).toThrow(
        `workloads/GpuPools: invalid servingBusyHoursSchedule ${JSON.stringify(schedule)}: must be a cron schedule of five fields (minute hour day-of-month month day-of-week, UTC) or a macro such as "@daily"; ${problem}`,
      );
    }
  });

  it("rejects durations Karpenter does not accept, zero, or over a week", () => {
    for (const duration of ["10", "1d", "10h30s", "0h", "169h", "", "1h 30m"]) {
      expect(() => setup({ pools: { servingBusyHoursDuration: duration } })).toThrow(
        `workloads/GpuPools: invalid servingBusyHoursDuration ${JSON.stringify(duration)}: must be a duration of hours and minutes as Karpenter budgets accept it`,
      );
    }
    expect(() => setup({ pools: { servingBusyHoursDuration: "90m" } })).not.toThrow();
  });
});

describe("Karpenter on a cluster created without karpenter: true", () => {
  function noKarpenter() {
    const app = testApp();
    const infra = awsStack(app, "infra");
    const cluster = new EksCluster(infra, "Cluster", { clusterName: "ml-prod" });
    const platform = bareStack(app, "platform");
    const workloads = bareStack(app, "workloads");
    return { cluster, platform, workloads };
  }
  const hint = "must be a KarpenterInfra: create the EksCluster with karpenter: true and pass KarpenterInfra.of(cluster) (or cluster.karpenter)";

  it("KarpenterInfra.of names the fix instead of returning undefined", () => {
    const { cluster } = noKarpenter();
    expect(() => KarpenterInfra.of(cluster)).toThrow(
      "infra/Cluster: invalid karpenter undefined: the cluster has no Karpenter AWS side: create the EksCluster with karpenter: true",
    );
    const on = new EksCluster(awsStack(), "Cluster", { clusterName: "ml", subnetIds: ["subnet-a", "subnet-b"], karpenter: true });
    expect(KarpenterInfra.of(on)).toBe(on.karpenter);
  });

  it("the controller and the node pools given cluster.karpenter (undefined) fail with the standard error, not a TypeError", () => {
    const { cluster, platform, workloads } = noKarpenter();
    expect(() => new KarpenterController(platform, "Karpenter", { connection: cluster.connect(platform, "Ml"), infra: cluster.karpenter! })).toThrow(
      `platform/Karpenter: invalid infra undefined: ${hint}`,
    );
    expect(
      () => new KarpenterGpuNodePools(workloads, "Pools", { connection: cluster.connect(workloads, "Ml"), cluster, infra: cluster.karpenter!, maxGpus: 8 }),
    ).toThrow(`workloads/Pools: invalid infra undefined: ${hint}`);
  });

  it("JavaScript callers: infra omitted, or a string", () => {
    const { cluster, platform, workloads } = noKarpenter();
    expect(() => new KarpenterController(platform, "A", { connection: cluster.connect(platform, "Ml") } as any)).toThrow(`platform/A: invalid infra undefined: ${hint}`);
    expect(
      () => new KarpenterGpuNodePools(workloads, "B", { connection: cluster.connect(workloads, "Ml"), cluster, infra: "karpenter" as any, maxGpus: 8 }),
    ).toThrow(`workloads/B: invalid infra "karpenter": ${hint}`);
  });
});

describe("KarpenterGpuNodePools from untyped callers", () => {
  it("a string where the list of GPUs belongs, and a GPU id string in the list", () => {
    expect(() => setup({ pools: { gpus: "nvidia-l4" as any } })).toThrow(
      'workloads/GpuPools: invalid gpus "nvidia-l4": must be a list such as [Gpu.NVIDIA_L4], not a string',
    );
    expect(() => setup({ pools: { gpus: [Gpu.NVIDIA_L4, "nvidia-a10g" as any] } })).toThrow(
      'workloads/GpuPools: invalid gpus[1] "nvidia-a10g": must be a Gpu of the catalog, such as Gpu.NVIDIA_L4',
    );
  });
});
