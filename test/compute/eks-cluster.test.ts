import { Fn, Lazy, TerraformStack, Testing, Token } from "cdktf";
import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { EksCluster as EksClusterResource } from "@cdktf/provider-aws/lib/eks-cluster";
import { EksNodeGroup } from "@cdktf/provider-aws/lib/eks-node-group";
import { KmsKey } from "@cdktf/provider-aws/lib/kms-key";
import { LaunchTemplate } from "@cdktf/provider-aws/lib/launch-template";
import { CapacityType, ClusterTarget, IWorkloadIdentity, NodePoolPurpose, WorkloadIdentityKind } from "../../lib/core/cluster";
import { Gpu } from "../../lib/core/gpu";
import { cidrsOverlap, parseIpv4Cidr } from "../../lib/core/validation";
import { NatGatewayMode, VpcInterfaceEndpoint } from "../../lib/compute/aws-vpc";
import { EksCluster, EksClusterProps, EksControlPlaneLogType, EksIdentityMode } from "../../lib/compute/eks-cluster";
import { EksWorkloadIdentity } from "../../lib/compute/eks-workload-identity";
import { annotations, awsStack, resolve, resourceInventory, resourcesOfType, SynthJson, synthJson, testApp } from "../support/synth";

const SUBNETS = ["subnet-aaa", "subnet-bbb"];
const PARTITION = "${data.aws_partition.Cluster_Partition_66B445A2.partition}";
const ACCOUNT = "${data.aws_caller_identity.Cluster_Account_231FB156.account_id}";
const REGION = "${data.aws_region.Cluster_Region_7C269833.region}";
const DNS_SUFFIX = "${data.aws_partition.Cluster_Partition_66B445A2.dns_suffix}";
const CLUSTER = "aws_eks_cluster.Cluster_EB0386A7";
const KEY_ARN = "${aws_kms_key.Cluster_Key_E3BAC84A.arn}";
const LOGS_KEY_ARN = "${aws_kms_key.Cluster_LogsKey_8CB33FE5.arn}";
const VOLUMES_KEY_ARN = "${aws_kms_key.Cluster_VolumesKey_A5D6A601.arn}";
const PRIVATE_SUBNETS = [0, 1, 2].map((i) => `\${aws_subnet.${["Cluster_Vpc_Private0_682E8352", "Cluster_Vpc_Private1_60361F60", "Cluster_Vpc_Private2_22FE39E9"][i]}.id}`);

const policyOf = (role: { assume_role_policy: string }) => JSON.parse(role.assume_role_policy);
const strToken = () => Fn.lower(Lazy.stringValue({ produce: () => "X" }));

/** Builds a cluster at `infra/Cluster`, for tests that only need to construct (or fail to). */
const build = (props: Partial<EksClusterProps> = {}, stack: TerraformStack = awsStack()) =>
  new EksCluster(stack, "Cluster", { clusterName: "ml-prod", subnetIds: SUBNETS, ...props });

describe("EksCluster with defaults (new VPC, Pod Identity)", () => {
  let cluster: EksCluster;
  let trainer: EksWorkloadIdentity;
  let synth: string;
  let json: SynthJson;

  beforeAll(() => {
    const infra = awsStack(undefined, "infra");
    cluster = new EksCluster(infra, "Cluster", { clusterName: "ml-prod" });
    trainer = cluster.addWorkloadIdentity("Trainer", { namespace: "training", serviceAccountName: "trainer" }) as EksWorkloadIdentity;
    synth = Testing.synth(infra);
    json = JSON.parse(synth);
  });

  it("pins the address of every resource (a rename replaces cloud resources)", () => {
    expect(resourceInventory(json)).toEqual([
      "aws_cloudwatch_log_group.Cluster_ControlPlaneLogs_F2A89661",
      "aws_default_security_group.Cluster_Vpc_DefaultSecurityGroup_F5ADFF6A",
      "aws_eip.Cluster_Vpc_NatIp0_52AE4410",
      "aws_eks_access_entry.Cluster_CreatorAdmin_77B9F359",
      "aws_eks_access_policy_association.Cluster_CreatorAdminPolicy_35EA573F",
      "aws_eks_addon.Cluster_Addon-aws-ebs-csi-driver_C7BE45C8",
      "aws_eks_addon.Cluster_Addon-coredns_ECD55CAF",
      "aws_eks_addon.Cluster_Addon-eks-pod-identity-agent_8CC1B4B4",
      "aws_eks_addon.Cluster_Addon-kube-proxy_9FB23DA5",
      "aws_eks_addon.Cluster_Addon-vpc-cni_32B22BAB",
      "aws_eks_cluster.Cluster_EB0386A7",
      "aws_eks_node_group.Cluster_SystemNodeGroup_9D7AD4AB",
      "aws_eks_pod_identity_association.Cluster_ClusterAutoscalerIdentity_Association_C853B746",
      "aws_eks_pod_identity_association.Cluster_Trainer_Association_16D34C4A",
      "aws_iam_role.Cluster_ClusterAutoscalerIdentity_Role_E5ACC0E9",
      "aws_iam_role.Cluster_ClusterRole_3EB5AC19",
      "aws_iam_role.Cluster_EbsCsiIdentity_Role_7EE26DF1",
      "aws_iam_role.Cluster_NodeRole_D6BFCFE8",
      "aws_iam_role.Cluster_Trainer_Role_D2E2DB60",
      "aws_iam_role.Cluster_VpcCniIdentity_Role_431BA4DC",
      "aws_iam_role_policy.Cluster_ClusterAutoscaler_Policy_46286E38",
      "aws_iam_role_policy.Cluster_ClusterRoleKey_9ECDA47D",
      "aws_iam_role_policy_attachment.Cluster_ClusterRolePolicy_D61C9F28",
      "aws_iam_role_policy_attachment.Cluster_EbsCsiIdentity_EbsCsiPolicy_FD39D843",
      "aws_iam_role_policy_attachment.Cluster_NodeRoleAmazonEC2ContainerRegistryPullOnly_9ED40B15",
      "aws_iam_role_policy_attachment.Cluster_NodeRoleAmazonEKSWorkerNodePolicy_16A78F19",
      "aws_iam_role_policy_attachment.Cluster_VpcCniIdentity_CniPolicy_08674DD4",
      "aws_internet_gateway.Cluster_Vpc_InternetGateway_15B56C3F",
      "aws_kms_alias.Cluster_KeyAlias_2ADFD52E",
      "aws_kms_alias.Cluster_LogsKeyAlias_3CFC3E4D",
      "aws_kms_alias.Cluster_VolumesKeyAlias_BC30B9C9",
      "aws_kms_key.Cluster_Key_E3BAC84A",
      "aws_kms_key.Cluster_LogsKey_8CB33FE5",
      "aws_kms_key.Cluster_VolumesKey_A5D6A601",
      "aws_launch_template.Cluster_SystemLaunchTemplate_0686FE37",
      "aws_nat_gateway.Cluster_Vpc_Nat0_63C04504",
      "aws_route.Cluster_Vpc_PrivateRoutes0Default_A5192647",
      "aws_route.Cluster_Vpc_PrivateRoutes1Default_4DC6D0B7",
      "aws_route.Cluster_Vpc_PrivateRoutes2Default_2424BC15",
      "aws_route_table.Cluster_Vpc_PrivateRoutes0_1872B5B0",
      "aws_route_table.Cluster_Vpc_PrivateRoutes1_6C649E59",
      "aws_route_table.Cluster_Vpc_PrivateRoutes2_609B4D32",
      "aws_route_table.Cluster_Vpc_PublicRoutes_AE724641",
      "aws_route_table_association.Cluster_Vpc_PrivateRoutes0Association_EE70774B",
      "aws_route_table_association.Cluster_Vpc_PrivateRoutes1Association_30979B67",
      "aws_route_table_association.Cluster_Vpc_PrivateRoutes2Association_2C454522",
      "aws_route_table_association.Cluster_Vpc_PublicRoutes0_1B79D866",
      "aws_route_table_association.Cluster_Vpc_PublicRoutes1_DCC298EA",
      "aws_route_table_association.Cluster_Vpc_PublicRoutes2_1D4D31EF",
      "aws_subnet.Cluster_Vpc_Private0_682E8352",
      "aws_subnet.Cluster_Vpc_Private1_60361F60",
      "aws_subnet.Cluster_Vpc_Private2_22FE39E9",
      "aws_subnet.Cluster_Vpc_Public0_21DA9D54",
      "aws_subnet.Cluster_Vpc_Public1_EBD6A9F8",
      "aws_subnet.Cluster_Vpc_Public2_CCC0960C",
      "aws_vpc.Cluster_Vpc_FAA3CEDF",
      "aws_vpc_endpoint.Cluster_Vpc_S3Endpoint_85C5E762",
    ]);
    expect(Object.keys(json.data ?? {}).sort()).toEqual([
      "aws_availability_zones",
      "aws_caller_identity",
      "aws_iam_session_context",
      "aws_partition",
      "aws_region",
      "aws_vpc_endpoint_service",
    ]);
  });

  it("exposes its attributes", () => {
    expect(cluster.target).toBe(ClusterTarget.AWS_EKS);
    expect(cluster.clusterName).toBe("ml-prod");
    expect(cluster.identityMode).toBe(EksIdentityMode.POD_IDENTITY);
    expect(cluster.oidcProvider).toBeUndefined();
    expect(cluster.vpc).toBeDefined();
    expect(cluster.subnetIds).toHaveLength(3);
    expect(cluster.resource).toBeInstanceOf(EksClusterResource);
    expect(cluster.systemNodeGroup).toBeInstanceOf(EksNodeGroup);
    for (const token of [cluster.endpoint, cluster.certificateAuthorityData, cluster.region, cluster.accountId, cluster.partition]) {
      expect(typeof token).toBe("string");
      expect(token).toMatch(/\$\{TfToken\[/);
    }
  });

  describe("the cluster", () => {
    let c: any;
    beforeAll(() => {
      c = resourcesOfType(json, "aws_eks_cluster").Cluster_EB0386A7;
    });

    it("has a private-only API endpoint", () => {
      expect(c.vpc_config).toEqual({ endpoint_private_access: true, endpoint_public_access: false, subnet_ids: PRIVATE_SUBNETS });
    });

    it("encrypts secrets with the customer-managed key", () => {
      expect(c.encryption_config).toEqual({ provider: { key_arn: KEY_ARN }, resources: ["secrets"] });
    });

    it("is protected from deletion, in EKS and in Terraform", () => {
      expect(c.deletion_protection).toBe(true);
      expect(c.lifecycle).toEqual({
        prevent_destroy: true,
        ignore_changes: ["access_config[0].bootstrap_cluster_creator_admin_permissions"],
      });
    });

    it("sends audit and authenticator logs (verbose types are opt-in), after the log group exists", () => {
      expect(c.enabled_cluster_log_types).toEqual(["audit", "authenticator"]);
      expect(c.depends_on).toEqual([
        "aws_iam_role_policy_attachment.Cluster_ClusterRolePolicy_D61C9F28",
        "aws_iam_role_policy.Cluster_ClusterRoleKey_9ECDA47D",
        "aws_cloudwatch_log_group.Cluster_ControlPlaneLogs_F2A89661",
      ]);
    });

    it("installs no self-managed add-ons and uses the access-entry API, without the implicit creator admin", () => {
      expect(c.bootstrap_self_managed_addons).toBe(false);
      expect(c.access_config).toEqual({ authentication_mode: "API", bootstrap_cluster_creator_admin_permissions: false });
    });

    it("gives the identity running Terraform (the role of its session) cluster-admin through an access entry that keeps the first identity", () => {
      const session = "data.aws_iam_session_context.Cluster_CreatorSession_132768AC";
      expect(json.data!.aws_iam_session_context).toEqual({
        Cluster_CreatorSession_132768AC: { arn: "${data.aws_caller_identity.Cluster_Account_231FB156.arn}" },
      });
      expect(resourcesOfType(json, "aws_eks_access_entry").Cluster_CreatorAdmin_77B9F359).toEqual({
        cluster_name: `\${${CLUSTER}.name}`,
        principal_arn: `\${${session}.issuer_arn}`,
        type: "STANDARD",
        lifecycle: { ignore_changes: ["principal_arn"] },
      });
      expect(resourcesOfType(json, "aws_eks_access_policy_association").Cluster_CreatorAdminPolicy_35EA573F).toEqual({
        cluster_name: `\${${CLUSTER}.name}`,
        principal_arn: "${aws_eks_access_entry.Cluster_CreatorAdmin_77B9F359.principal_arn}",
        policy_arn: `arn:${PARTITION}:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy`,
        access_scope: { type: "cluster" },
      });
      expect(cluster.creatorAccessEntry).toBeDefined();
    });

    it("runs Kubernetes 1.34 on standard support, with the cluster role", () => {
      expect(c.name).toBe("ml-prod");
      expect(c.version).toBe("1.34");
      expect(c.upgrade_policy).toEqual({ support_type: "STANDARD" });
      expect(c.role_arn).toBe("${aws_iam_role.Cluster_ClusterRole_3EB5AC19.arn}");
    });
  });

  describe("the KMS keys and log group", () => {
    const keys = () => resourcesOfType(json, "aws_kms_key");
    const policy = (id: string) => JSON.parse(keys()[id].policy);

    it("has three keys (secrets, logs, volumes), each rotated and protected from destroy, with its alias", () => {
      expect(Object.keys(keys()).sort()).toEqual(["Cluster_Key_E3BAC84A", "Cluster_LogsKey_8CB33FE5", "Cluster_VolumesKey_A5D6A601"]);
      for (const k of Object.values(keys())) {
        expect(k).toMatchObject({ enable_key_rotation: true, deletion_window_in_days: 30, lifecycle: { prevent_destroy: true } });
      }
      expect(keys().Cluster_Key_E3BAC84A.description).toBe("EKS cluster ml-prod: Kubernetes secrets");
      expect(synth).toHaveResourceWithProperties(KmsKey, { description: "EKS cluster ml-prod: node volumes" });
      const aliases = resourcesOfType(json, "aws_kms_alias");
      expect(aliases.Cluster_KeyAlias_2ADFD52E).toEqual({ name: "alias/eks/ml-prod", target_key_id: "${aws_kms_key.Cluster_Key_E3BAC84A.key_id}" });
      expect(aliases.Cluster_LogsKeyAlias_3CFC3E4D).toEqual({
        name: "alias/eks/ml-prod/logs",
        target_key_id: "${aws_kms_key.Cluster_LogsKey_8CB33FE5.key_id}",
      });
      expect(aliases.Cluster_VolumesKeyAlias_BC30B9C9).toEqual({
        name: "alias/eks/ml-prod/volumes",
        target_key_id: "${aws_kms_key.Cluster_VolumesKey_A5D6A601.key_id}",
      });
      expect(resolve(cluster, cluster.kmsKey.arn)).toBe(KEY_ARN);
      expect(resolve(cluster, cluster.logsKey.arn)).toBe(LOGS_KEY_ARN);
      expect(resolve(cluster, cluster.volumesKey.arn)).toBe(VOLUMES_KEY_ARN);
    });

    it("lets only the account (through IAM) use the secrets key: nothing for \"*\"", () => {
      const secrets = policy("Cluster_Key_E3BAC84A");
      expect(secrets.Statement).toEqual([
        { Sid: "AccountAdministers", Effect: "Allow", Principal: { AWS: `arn:${PARTITION}:iam::${ACCOUNT}:root` }, Action: "kms:*", Resource: "*" },
      ]);
      const clusterKeyPolicy = JSON.parse(resourcesOfType(json, "aws_iam_role_policy").Cluster_ClusterRoleKey_9ECDA47D.policy);
      expect(clusterKeyPolicy.Statement[0].Resource).toEqual([KEY_ARN]);
    });

    it("lets CloudWatch Logs use the logs key for this log group only", () => {
      const logs = policy("Cluster_LogsKey_8CB33FE5");
      expect(logs.Statement.map((s: any) => s.Sid)).toEqual(["AccountAdministers", "ControlPlaneLogs"]);
      expect(logs.Statement[1].Principal).toEqual({ Service: `logs.${REGION}.${DNS_SUFFIX}` });
      expect(logs.Statement[1].Condition).toEqual({
        ArnEquals: {
          "kms:EncryptionContext:aws:logs:arn": `arn:${PARTITION}:logs:${REGION}:${ACCOUNT}:log-group:/aws/eks/ml-prod/cluster`,
        },
      });
    });

    it("lets EC2 use the volumes key for this account's volumes", () => {
      const volumes = policy("Cluster_VolumesKey_A5D6A601");
      expect(volumes.Statement.map((s: any) => s.Sid)).toEqual(["AccountAdministers", "NodeVolumesThroughEc2"]);
      // No named service-linked role (a fresh account may not have it yet): EC2 on behalf of this account only.
      expect(volumes.Statement[1]).toEqual({
        Sid: "NodeVolumesThroughEc2",
        Effect: "Allow",
        Principal: { AWS: "*" },
        Action: ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey", "kms:CreateGrant"],
        Resource: "*",
        Condition: { StringEquals: { "kms:CallerAccount": ACCOUNT, "kms:ViaService": `ec2.${REGION}.${DNS_SUFFIX}` } },
      });
      expect(JSON.stringify(volumes)).not.toContain("AWSServiceRoleForAutoScaling");
    });

    it("encrypts the control-plane log group with the logs key and keeps logs 90 days", () => {
      expect(synth).toHaveResourceWithProperties(CloudwatchLogGroup, {
        name: "/aws/eks/ml-prod/cluster",
        kms_key_id: LOGS_KEY_ARN,
        retention_in_days: 90,
      });
    });
  });

  describe("add-ons", () => {
    let addons: Record<string, any>;
    beforeAll(() => {
      addons = Object.fromEntries(Object.values(resourcesOfType(json, "aws_eks_addon")).map((a) => [a.addon_name, a]));
    });

    it("installs the five core add-ons as managed add-ons, at the versions the catalog pins for 1.34", () => {
      expect(Object.keys(addons).sort()).toEqual(["aws-ebs-csi-driver", "coredns", "eks-pod-identity-agent", "kube-proxy", "vpc-cni"]);
      expect(Object.fromEntries(Object.entries(addons).map(([name, a]) => [name, a.addon_version]))).toEqual({
        "vpc-cni": "v1.20.4-eksbuild.2",
        coredns: "v1.12.4-eksbuild.1",
        "kube-proxy": "v1.34.1-eksbuild.2",
        "aws-ebs-csi-driver": "v1.52.1-eksbuild.1",
        "eks-pod-identity-agent": "v1.3.8-eksbuild.2",
      });
      for (const a of Object.values(addons)) {
        expect(a.cluster_name).toBe(`\${${CLUSTER}.name}`);
        expect(a.resolve_conflicts_on_create).toBe("OVERWRITE");
        expect(a.resolve_conflicts_on_update).toBe("PRESERVE");
        expect(a.service_account_role_arn).toBeUndefined();
      }
    });

    it("gives vpc-cni and the EBS CSI driver their own roles through pod identity associations", () => {
      expect(addons["vpc-cni"].pod_identity_association).toEqual([
        { role_arn: "${aws_iam_role.Cluster_VpcCniIdentity_Role_431BA4DC.arn}", service_account: "aws-node" },
      ]);
      expect(addons["aws-ebs-csi-driver"].pod_identity_association).toEqual([
        { role_arn: "${aws_iam_role.Cluster_EbsCsiIdentity_Role_7EE26DF1.arn}", service_account: "ebs-csi-controller-sa" },
      ]);
      for (const name of ["coredns", "kube-proxy", "eks-pod-identity-agent"]) {
        expect(addons[name].pod_identity_association).toBeUndefined();
      }
    });

    it("installs coredns and the EBS CSI driver after the system nodes, and the nodes after the networking add-ons", () => {
      expect(addons.coredns.depends_on).toEqual(["aws_eks_node_group.Cluster_SystemNodeGroup_9D7AD4AB"]);
      expect(addons["aws-ebs-csi-driver"].depends_on).toEqual(["aws_eks_node_group.Cluster_SystemNodeGroup_9D7AD4AB"]);
      expect(resourcesOfType(json, "aws_eks_node_group").Cluster_SystemNodeGroup_9D7AD4AB.depends_on).toEqual([
        "aws_iam_role_policy_attachment.Cluster_NodeRoleAmazonEKSWorkerNodePolicy_16A78F19",
        "aws_iam_role_policy_attachment.Cluster_NodeRoleAmazonEC2ContainerRegistryPullOnly_9ED40B15",
        "aws_eks_addon.Cluster_Addon-eks-pod-identity-agent_8CC1B4B4",
        "aws_eks_addon.Cluster_Addon-vpc-cni_32B22BAB",
        "aws_eks_addon.Cluster_Addon-kube-proxy_9FB23DA5",
      ]);
    });

    it("creates no OIDC provider in Pod Identity mode", () => {
      expect(resourcesOfType(json, "aws_iam_openid_connect_provider")).toEqual({});
    });
  });

  describe("system nodes", () => {
    it("use a launch template with IMDSv2 required and hop limit 1", () => {
      expect(synth).toHaveResourceWithProperties(LaunchTemplate, {
        name: "ml-prod-system",
        update_default_version: true,
        metadata_options: {
          http_endpoint: "enabled",
          http_tokens: "required",
          http_put_response_hop_limit: 1,
          instance_metadata_tags: "disabled",
        },
      });
    });

    it("boot from an encrypted gp3 volume with the volumes key", () => {
      const lt = resourcesOfType(json, "aws_launch_template").Cluster_SystemLaunchTemplate_0686FE37;
      expect(lt.block_device_mappings).toEqual([
        {
          device_name: "/dev/xvda",
          ebs: { volume_size: 50, volume_type: "gp3", encrypted: "true", kms_key_id: VOLUMES_KEY_ARN, delete_on_termination: "true" },
        },
      ]);
    });

    it("run an on-demand AL2023 node group on the launch template, labelled as the system pool", () => {
      const ng = resourcesOfType(json, "aws_eks_node_group").Cluster_SystemNodeGroup_9D7AD4AB;
      expect(ng).toMatchObject({
        cluster_name: `\${${CLUSTER}.name}`,
        node_group_name: "system",
        node_role_arn: "${aws_iam_role.Cluster_NodeRole_D6BFCFE8.arn}",
        subnet_ids: PRIVATE_SUBNETS,
        ami_type: "AL2023_x86_64_STANDARD",
        capacity_type: "ON_DEMAND",
        instance_types: ["m7i.xlarge"],
        scaling_config: { min_size: 2, max_size: 3, desired_size: 2 },
        update_config: { max_unavailable: 1 },
        labels: { "strata.io/pool": "system", "strata.io/purpose": "system", "strata.io/capacity-type": "on-demand" },
        launch_template: {
          id: "${aws_launch_template.Cluster_SystemLaunchTemplate_0686FE37.id}",
          version: "${aws_launch_template.Cluster_SystemLaunchTemplate_0686FE37.latest_version}",
        },
        lifecycle: { ignore_changes: ["scaling_config[0].desired_size"] },
      });
      expect(ng.disk_size).toBeUndefined(); // the launch template owns the volume
    });

    it("get a node role with worker and ECR pull-only policies, without the CNI policy", () => {
      const attachments = Object.values(resourcesOfType(json, "aws_iam_role_policy_attachment"));
      const onNodeRole = attachments.filter((a) => a.role === "${aws_iam_role.Cluster_NodeRole_D6BFCFE8.name}").map((a) => a.policy_arn);
      expect(onNodeRole.sort()).toEqual([
        `arn:${PARTITION}:iam::aws:policy/AmazonEC2ContainerRegistryPullOnly`,
        `arn:${PARTITION}:iam::aws:policy/AmazonEKSWorkerNodePolicy`,
      ]);
      const cni = attachments.filter((a) => a.policy_arn.endsWith("/AmazonEKS_CNI_Policy"));
      expect(cni).toEqual([
        { role: "${aws_iam_role.Cluster_VpcCniIdentity_Role_431BA4DC.name}", policy_arn: `arn:${PARTITION}:iam::aws:policy/AmazonEKS_CNI_Policy` },
      ]);
      const ebs = attachments.filter((a) => a.policy_arn.endsWith("/AmazonEBSCSIDriverPolicy"));
      expect(ebs.map((a) => a.role)).toEqual(["${aws_iam_role.Cluster_EbsCsiIdentity_Role_7EE26DF1.name}"]);
      const nodeRole = resourcesOfType(json, "aws_iam_role").Cluster_NodeRole_D6BFCFE8;
      expect(nodeRole.name).toBe("ml-prod-node");
      expect(policyOf(nodeRole).Statement).toEqual([{ Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" }]);
    });

    it("register the system pool in nodePools", () => {
      expect(cluster.nodePools).toEqual([
        {
          name: "system",
          purpose: NodePoolPurpose.SYSTEM,
          capacityType: CapacityType.ON_DEMAND,
          labels: { "strata.io/pool": "system", "strata.io/purpose": "system", "strata.io/capacity-type": "on-demand" },
          taints: [],
          minNodes: 2,
          maxNodes: 3,
          instanceTypes: ["m7i.xlarge"],
        },
      ]);
    });
  });

  it("gives the cluster role the EKS cluster policy, trusted by EKS only", () => {
    const role = resourcesOfType(json, "aws_iam_role").Cluster_ClusterRole_3EB5AC19;
    expect(role.name).toBe("ml-prod-cluster");
    expect(policyOf(role).Statement).toEqual([
      { Effect: "Allow", Principal: { Service: "eks.amazonaws.com" }, Action: ["sts:AssumeRole", "sts:TagSession"] },
    ]);
    expect(resourcesOfType(json, "aws_iam_role_policy_attachment").Cluster_ClusterRolePolicy_D61C9F28).toEqual({
      role: "${aws_iam_role.Cluster_ClusterRole_3EB5AC19.name}",
      policy_arn: `arn:${PARTITION}:iam::aws:policy/AmazonEKSClusterPolicy`,
    });
  });

  describe("a workload identity", () => {
    it("is an IAM role trusted by EKS Pod Identity for this cluster and service account only", () => {
      const role = resourcesOfType(json, "aws_iam_role").Cluster_Trainer_Role_D2E2DB60;
      expect(role.name).toBe("ml-prod-training-trainer");
      expect(role.description).toBe("Workload identity of training/trainer in EKS cluster ml-prod");
      expect(policyOf(role)).toEqual({
        Version: "2012-10-17",
        Statement: [
          {
            Effect: "Allow",
            Principal: { Service: "pods.eks.amazonaws.com" },
            Action: ["sts:AssumeRole", "sts:TagSession"],
            Condition: {
              StringEquals: {
                "aws:RequestTag/eks-cluster-arn": `\${${CLUSTER}.arn}`,
                "aws:RequestTag/kubernetes-namespace": "training",
                "aws:RequestTag/kubernetes-service-account": "trainer",
              },
            },
          },
        ],
      });
    });

    it("is bound to its service account by a pod identity association (add-on identities are bound by their add-on)", () => {
      expect(resourcesOfType(json, "aws_eks_pod_identity_association")).toEqual({
        // The Cluster Autoscaler's identity (clusterAutoscaler defaults to true).
        Cluster_ClusterAutoscalerIdentity_Association_C853B746: {
          cluster_name: `\${${CLUSTER}.name}`,
          namespace: "kube-system",
          service_account: "cluster-autoscaler",
          role_arn: "${aws_iam_role.Cluster_ClusterAutoscalerIdentity_Role_E5ACC0E9.arn}",
          disable_session_tags: false,
        },
        Cluster_Trainer_Association_16D34C4A: {
          cluster_name: `\${${CLUSTER}.name}`,
          namespace: "training",
          service_account: "trainer",
          role_arn: "${aws_iam_role.Cluster_Trainer_Role_D2E2DB60.arn}",
          disable_session_tags: false,
        },
      });
    });

    it("describes itself through IWorkloadIdentity, with no service account annotations", () => {
      expect(trainer.kind).toBe(WorkloadIdentityKind.AWS_IAM_ROLE);
      expect(trainer.namespace).toBe("training");
      expect(trainer.serviceAccountName).toBe("trainer");
      expect(trainer.serviceAccountAnnotations).toEqual({});
      expect(resolve(trainer, trainer.awsRoleArn)).toBe("${aws_iam_role.Cluster_Trainer_Role_D2E2DB60.arn}");
      expect(resolve(trainer, trainer.awsRoleName)).toBe("${aws_iam_role.Cluster_Trainer_Role_D2E2DB60.name}");
      const asContract: IWorkloadIdentity = trainer;
      expect(asContract.gcpServiceAccountEmail).toBeUndefined();
      expect(asContract.credentialsSecretName).toBeUndefined();
    });
  });

  describe("the VPC", () => {
    let subnets: Record<string, any>;
    beforeAll(() => {
      subnets = resourcesOfType(json, "aws_subnet");
    });

    it("is a /16 with DNS support", () => {
      expect(resourcesOfType(json, "aws_vpc").Cluster_Vpc_FAA3CEDF).toEqual({
        cidr_block: "10.0.0.0/16",
        enable_dns_hostnames: true,
        enable_dns_support: true,
        tags: { Name: "ml-prod" },
        lifecycle: {
          precondition: [
            {
              condition: "${length(data.aws_availability_zones.Cluster_Vpc_Zones_5BA3A6BF.names) >= 3}",
              error_message: "zoneCount is 3, but the region has fewer available availability zones; lower zoneCount",
            },
          ],
        },
      });
    });

    it("has three private /19 subnets in the first eighths, tagged for internal load balancers and Karpenter", () => {
      expect([0, 1, 2].map((i) => subnets[Object.keys(subnets).find((k) => k.startsWith(`Cluster_Vpc_Private${i}_`))!])).toEqual(
        ["10.0.0.0/19", "10.0.32.0/19", "10.0.64.0/19"].map((cidr, i) => ({
          availability_zone: `\${element(data.aws_availability_zones.Cluster_Vpc_Zones_5BA3A6BF.names, ${i})}`,
          cidr_block: cidr,
          tags: { Name: `ml-prod-private-${i}`, "kubernetes.io/role/internal-elb": "1", "karpenter.sh/discovery": "ml-prod" },
          vpc_id: "${aws_vpc.Cluster_Vpc_FAA3CEDF.id}",
        })),
      );
    });

    it("has three small public /24 subnets in the last eighth that do not assign public IPs", () => {
      const pub = Object.entries(subnets)
        .filter(([k]) => k.startsWith("Cluster_Vpc_Public"))
        .map(([, s]) => s);
      expect(pub.map((s) => s.cidr_block)).toEqual(["10.0.224.0/24", "10.0.225.0/24", "10.0.226.0/24"]);
      for (const s of pub) {
        expect(s.map_public_ip_on_launch).toBe(false);
        expect(s.tags["kubernetes.io/role/elb"]).toBe("1");
      }
    });

    it("has one NAT gateway, in the first public subnet, used by every private route table", () => {
      expect(Object.values(resourcesOfType(json, "aws_nat_gateway"))).toEqual([
        {
          allocation_id: "${aws_eip.Cluster_Vpc_NatIp0_52AE4410.allocation_id}",
          subnet_id: "${aws_subnet.Cluster_Vpc_Public0_21DA9D54.id}",
          depends_on: ["aws_internet_gateway.Cluster_Vpc_InternetGateway_15B56C3F"],
          tags: { Name: "ml-prod-0" },
        },
      ]);
      const routes = resourcesOfType(json, "aws_route_table");
      for (const i of [0, 1, 2]) {
        const [key, rt] = Object.entries(routes).find(([k]) => k.startsWith(`Cluster_Vpc_PrivateRoutes${i}_`))!;
        // No inline routes: the default route is an aws_route of its own.
        expect(rt.route).toBeUndefined();
        const defaults = Object.values(resourcesOfType(json, "aws_route")).filter((r) => r.route_table_id === `\${aws_route_table.${key}.id}`);
        expect(defaults).toEqual([
          { route_table_id: `\${aws_route_table.${key}.id}`, destination_cidr_block: "0.0.0.0/0", nat_gateway_id: "${aws_nat_gateway.Cluster_Vpc_Nat0_63C04504.id}" },
        ]);
      }
      expect(routes.Cluster_Vpc_PublicRoutes_AE724641.route[0]).toMatchObject({
        cidr_block: "0.0.0.0/0",
        gateway_id: "${aws_internet_gateway.Cluster_Vpc_InternetGateway_15B56C3F.id}",
      });
    });

    it("locks down the default security group (no rules)", () => {
      expect(resourcesOfType(json, "aws_default_security_group").Cluster_Vpc_DefaultSecurityGroup_F5ADFF6A).toEqual({
        vpc_id: "${aws_vpc.Cluster_Vpc_FAA3CEDF.id}",
        tags: { Name: "ml-prod-default-deny" },
      });
    });

    it("spreads subnets over available zones that need no opt-in", () => {
      expect(json.data!.aws_availability_zones.Cluster_Vpc_Zones_5BA3A6BF).toEqual({
        state: "available",
        filter: [{ name: "opt-in-status", values: ["opt-in-not-required"] }],
      });
    });
  });
});

describe("EksCluster in IRSA mode", () => {
  let cluster: EksCluster;
  let server: EksWorkloadIdentity;
  let json: SynthJson;

  beforeAll(() => {
    const infra = awsStack();
    cluster = build({ identityMode: EksIdentityMode.IRSA }, infra);
    server = cluster.addWorkloadIdentity("Server", { namespace: "serving", serviceAccountName: "server" }) as EksWorkloadIdentity;
    json = synthJson(infra);
  });

  it("creates the OIDC provider for sts.amazonaws.com from the cluster issuer", () => {
    expect(cluster.oidcProvider).toBeDefined();
    expect(resourcesOfType(json, "aws_iam_openid_connect_provider")).toEqual({
      Cluster_OidcProvider_7184AB77: {
        url: `\${${CLUSTER}.identity[0].oidc[0].issuer}`,
        client_id_list: ["sts.amazonaws.com"],
      },
    });
  });

  it("installs no pod identity agent and gives add-on roles through service_account_role_arn", () => {
    const addons: Record<string, any> = Object.fromEntries(
      Object.values(resourcesOfType(json, "aws_eks_addon")).map((a) => [a.addon_name, a]),
    );
    expect(Object.keys(addons).sort()).toEqual(["aws-ebs-csi-driver", "coredns", "kube-proxy", "vpc-cni"]);
    expect(addons["vpc-cni"].service_account_role_arn).toBe("${aws_iam_role.Cluster_VpcCniIdentity_Role_431BA4DC.arn}");
    expect(addons["aws-ebs-csi-driver"].service_account_role_arn).toBe("${aws_iam_role.Cluster_EbsCsiIdentity_Role_7EE26DF1.arn}");
    for (const a of Object.values(addons)) expect(a.pod_identity_association).toBeUndefined();
    expect(addons.coredns.service_account_role_arn).toBeUndefined();
    expect(resourcesOfType(json, "aws_eks_node_group").Cluster_SystemNodeGroup_9D7AD4AB.depends_on).not.toContain(
      expect.stringContaining("eks-pod-identity-agent"),
    );
  });

  it("trusts the OIDC provider for exactly system:serviceaccount:<namespace>:<name> and audience sts", () => {
    const issuer = `\${replace(${CLUSTER}.identity[0].oidc[0].issuer, "https://", "")}`;
    const text: string = Object.values(resourcesOfType(json, "aws_iam_role")).find((r) =>
      r.description?.includes("serving/server"),
    ).assume_role_policy;
    expect(text.split(issuer)).toHaveLength(3); // the issuer (without https://) keys both conditions
    const policy = JSON.parse(text.split(issuer).join("ISSUER"));
    expect(policy.Statement).toEqual([
      {
        Effect: "Allow",
        Principal: { Federated: "${aws_iam_openid_connect_provider.Cluster_OidcProvider_7184AB77.arn}" },
        Action: "sts:AssumeRoleWithWebIdentity",
        Condition: {
          StringEquals: { "ISSUER:sub": "system:serviceaccount:serving:server", "ISSUER:aud": "sts.amazonaws.com" },
        },
      },
    ]);
  });

  it("makes no pod identity associations and annotates the service account with the role ARN", () => {
    expect(resourcesOfType(json, "aws_eks_pod_identity_association")).toEqual({});
    expect(resolve(server, server.serviceAccountAnnotations)).toEqual({
      "eks.amazonaws.com/role-arn": resolve(server, server.role.arn),
    });
    expect(resolve(server, server.role.arn)).toMatch(/^\$\{aws_iam_role\.Cluster_Server_Role_[0-9A-F]{8}\.arn\}$/);
  });
});

describe("EksCluster options", () => {
  it("opens a public endpoint to the listed CIDRs only, keeping private access", () => {
    const stack = awsStack();
    build({ publicEndpointCidrs: ["203.0.113.0/24", "198.51.100.7/32"] }, stack);
    expect(synthJson(stack).resource!.aws_eks_cluster.Cluster_EB0386A7.vpc_config).toEqual({
      endpoint_private_access: true,
      endpoint_public_access: true,
      public_access_cidrs: ["203.0.113.0/24", "198.51.100.7/32"],
      subnet_ids: SUBNETS,
    });
  });

  it("uses bring-your-own subnets and then creates no VPC", () => {
    const stack = awsStack();
    const cluster = build({}, stack);
    const json = synthJson(stack);
    expect(cluster.vpc).toBeUndefined();
    expect(cluster.subnetIds).toEqual(SUBNETS);
    for (const type of ["aws_vpc", "aws_subnet", "aws_nat_gateway", "aws_eip", "aws_internet_gateway", "aws_route_table"]) {
      expect(resourcesOfType(json, type)).toEqual({});
    }
    expect(json.data!.aws_availability_zones).toBeUndefined();
    expect(json.resource!.aws_eks_node_group.Cluster_SystemNodeGroup_9D7AD4AB.subnet_ids).toEqual(SUBNETS);
  });

  it("with deletionProtection false, drops deletion protection and prevent_destroy", () => {
    const stack = awsStack();
    build({ deletionProtection: false }, stack);
    const json = synthJson(stack);
    expect(json.resource!.aws_eks_cluster.Cluster_EB0386A7.deletion_protection).toBe(false);
    expect(json.resource!.aws_eks_cluster.Cluster_EB0386A7.lifecycle).toMatchObject({ prevent_destroy: false });
    for (const key of Object.values(resourcesOfType(json, "aws_kms_key"))) expect(key.lifecycle).toEqual({ prevent_destroy: false });
  });

  it("pins add-on versions, system node sizes, disk, retention and version", () => {
    const stack = awsStack();
    build(
      {
        kubernetesVersion: "1.33",
        addonVersions: { "vpc-cni": "v1.20.0-eksbuild.1", coredns: "v1.12.1-eksbuild.2" },
        systemInstanceTypes: ["m7i.xlarge", "m6i.xlarge"],
        systemMinNodes: 3,
        systemMaxNodes: 6,
        systemDiskSizeGiB: 100,
        logRetentionDays: 90,
      },
      stack,
    );
    const json = synthJson(stack);
    const addons = Object.fromEntries(Object.values(resourcesOfType(json, "aws_eks_addon")).map((a) => [a.addon_name, a]));
    expect(addons["vpc-cni"].addon_version).toBe("v1.20.0-eksbuild.1");
    expect(addons.coredns.addon_version).toBe("v1.12.1-eksbuild.2");
    expect(addons["kube-proxy"].addon_version).toBe("v1.33.5-eksbuild.2"); // from the catalog for 1.33
    expect(json.resource!.aws_eks_cluster.Cluster_EB0386A7.version).toBe("1.33");
    const ng = json.resource!.aws_eks_node_group.Cluster_SystemNodeGroup_9D7AD4AB;
    expect(ng.instance_types).toEqual(["m7i.xlarge", "m6i.xlarge"]);
    expect(ng.scaling_config).toEqual({ min_size: 3, max_size: 6, desired_size: 3 });
    expect(json.resource!.aws_launch_template.Cluster_SystemLaunchTemplate_0686FE37.block_device_mappings[0].ebs.volume_size).toBe(100);
    expect(json.resource!.aws_cloudwatch_log_group.Cluster_ControlPlaneLogs_F2A89661.retention_in_days).toBe(90);
  });

  it("gives each admin role cluster-admin through an access entry", () => {
    const stack = awsStack();
    build({ adminRoleArns: ["arn:aws:iam::123456789012:role/ci", "arn:aws:iam::123456789012:role/sre"], creatorAdminAccess: false }, stack);
    const json = synthJson(stack);
    expect(Object.values(resourcesOfType(json, "aws_eks_access_entry")).map((e) => e.principal_arn)).toEqual([
      "arn:aws:iam::123456789012:role/ci",
      "arn:aws:iam::123456789012:role/sre",
    ]);
    const assoc = Object.values(resourcesOfType(json, "aws_eks_access_policy_association"));
    expect(assoc).toHaveLength(2);
    expect(assoc[0]).toMatchObject({
      cluster_name: `\${${CLUSTER}.name}`,
      policy_arn: `arn:${PARTITION}:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy`,
      access_scope: { type: "cluster" },
    });
    expect(assoc[0].principal_arn).toMatch(/^\$\{aws_eks_access_entry\.Cluster_Admin0_[0-9A-F]{8}\.principal_arn\}$/);
  });

  it("creates only the creator's access entry by default, and none with creatorAdminAccess false", () => {
    const stack = awsStack();
    build({}, stack);
    expect(Object.keys(resourcesOfType(synthJson(stack), "aws_eks_access_entry"))).toEqual(["Cluster_CreatorAdmin_77B9F359"]);
    const none = awsStack();
    const cluster = build({ creatorAdminAccess: false }, none);
    const json = synthJson(none);
    expect(resourcesOfType(json, "aws_eks_access_entry")).toEqual({});
    expect(json.data!.aws_iam_session_context).toBeUndefined();
    expect(cluster.creatorAccessEntry).toBeUndefined();
  });

  it("accepts token values for validated props", () => {
    expect(() =>
      build({
        clusterName: strToken(),
        kubernetesVersion: strToken(),
        publicEndpointCidrs: [strToken()],
        systemMinNodes: Lazy.numberValue({ produce: () => 1 }),
        logRetentionDays: Lazy.numberValue({ produce: () => 1 }),
      }),
    ).not.toThrow();
  });

  describe("new VPC layouts", () => {
    it("puts one NAT gateway in each zone with ONE_PER_ZONE, each private route table using its zone's NAT", () => {
      const stack = awsStack();
      build({ subnetIds: undefined, natGateways: NatGatewayMode.ONE_PER_ZONE, zoneCount: 2 }, stack);
      const json = synthJson(stack);
      expect(Object.keys(resourcesOfType(json, "aws_nat_gateway"))).toHaveLength(2);
      expect(Object.keys(resourcesOfType(json, "aws_eip"))).toHaveLength(2);
      const routes = resourcesOfType(json, "aws_route");
      for (const i of [0, 1]) {
        const rt = Object.entries(routes).find(([k]) => k.startsWith(`Cluster_Vpc_PrivateRoutes${i}Default_`))![1];
        expect(rt.nat_gateway_id).toMatch(new RegExp(`^\\$\\{aws_nat_gateway\\.Cluster_Vpc_Nat${i}_[0-9A-F]{8}\\.id\\}$`));
      }
      expect(Object.keys(resourcesOfType(json, "aws_subnet"))).toHaveLength(4);
    });

    it("fits six zones of non-overlapping subnets inside a /20", () => {
      const stack = awsStack();
      build({ subnetIds: undefined, vpcCidr: "10.20.16.0/20", zoneCount: 6 }, stack);
      const json = synthJson(stack);
      const cidrs = Object.values(resourcesOfType(json, "aws_subnet")).map((s) => s.cidr_block as string);
      expect(cidrs).toHaveLength(12);
      const vpc = "10.20.16.0/20";
      for (const c of cidrs) {
        expect(parseIpv4Cidr(c)).toBeDefined();
        expect(cidrsOverlap(c, vpc)).toBe(true);
        expect(parseIpv4Cidr(c)!.prefix).toBeGreaterThan(20);
      }
      for (let i = 0; i < cidrs.length; i++) {
        for (let j = i + 1; j < cidrs.length; j++) expect([cidrs[i], cidrs[j], cidrsOverlap(cidrs[i], cidrs[j])]).toEqual([cidrs[i], cidrs[j], false]);
      }
      expect(cidrs.filter((c) => c.endsWith("/23")).sort()).toEqual([
        "10.20.16.0/23",
        "10.20.18.0/23",
        "10.20.20.0/23",
        "10.20.22.0/23",
        "10.20.24.0/23",
        "10.20.26.0/23",
      ]);
      expect(cidrs.filter((c) => c.endsWith("/28"))).toHaveLength(6);
      expect(Object.keys(resourcesOfType(json, "aws_nat_gateway"))).toHaveLength(1);
    });

    it.each([
      [{ vpcCidr: "10.0.0.0/8" }, 'infra/Cluster: invalid vpcCidr "10.0.0.0/8": must have a prefix length from /16 to /20'],
      [{ vpcCidr: "10.0.0.0/24" }, 'infra/Cluster: invalid vpcCidr "10.0.0.0/24": must have a prefix length from /16 to /20'],
      [
        { vpcCidr: "10.0.0.1/16" },
        'infra/Cluster: invalid vpcCidr "10.0.0.1/16": must be an IPv4 CIDR block such as 10.0.0.0/16, with no host bits set',
      ],
      [{ zoneCount: 1 }, "infra/Cluster: invalid zoneCount 1: must be an integer from 2 to 6"],
      [{ zoneCount: 7 }, "infra/Cluster: invalid zoneCount 7: must be an integer from 2 to 6"],
    ])("rejects VPC props %p", (props, message) => {
      expect(() => build({ subnetIds: undefined, ...props })).toThrow(new Error(message));
    });
  });
});

describe("EksCluster names", () => {
  it("keeps every IAM role name within 64 characters and unique for a 100-character cluster name", () => {
    const stack = awsStack();
    const name = `ml-${"x".repeat(97)}`;
    const cluster = build({ clusterName: name }, stack);
    cluster.addWorkloadIdentity("A", { namespace: "training", serviceAccountName: "trainer" });
    cluster.addWorkloadIdentity("B", { namespace: "training", serviceAccountName: "trainer-2" });
    const json = synthJson(stack);
    const names = Object.values(resourcesOfType(json, "aws_iam_role")).map((r) => r.name as string);
    expect(names).toHaveLength(7);
    for (const n of names) {
      expect(n.length).toBeLessThanOrEqual(64);
      expect(n).toMatch(/^[\w+=,.@-]+$/);
      expect(n).not.toMatch(/[-_.]$/);
    }
    expect(new Set(names).size).toBe(names.length);
    expect(json.resource!.aws_eks_cluster.Cluster_EB0386A7.name).toBe(name);
  });

  it.each([63, 64, 70])("keeps the cluster and node role names distinct for a %i-character cluster name", (length) => {
    const stack = awsStack();
    build({ clusterName: "c".repeat(length) }, stack);
    const roles = resourcesOfType(synthJson(stack), "aws_iam_role");
    const clusterRole = roles.Cluster_ClusterRole_3EB5AC19.name as string;
    const nodeRole = roles.Cluster_NodeRole_D6BFCFE8.name as string;
    expect(clusterRole).not.toBe(nodeRole);
    expect(clusterRole.length).toBeLessThanOrEqual(64);
    expect(nodeRole.length).toBeLessThanOrEqual(64);
  });

  it("shortens a long workload identity role name with a stable hash", () => {
    const make = () => {
      const stack = awsStack();
      const cluster = build({ clusterName: "ml-production-cluster-eu-west-1" }, stack);
      cluster.addWorkloadIdentity("Long", {
        namespace: "feature-store-online-serving",
        serviceAccountName: "feast-feature-server-materializer",
      });
      return Object.values(resourcesOfType(synthJson(stack), "aws_iam_role")).find((r) => r.description?.includes("materializer")).name as string;
    };
    const first = make();
    expect(first.length).toBeLessThanOrEqual(64);
    expect(first).toBe("ml-production-cluster-eu-west-1-feature-store-online-se-72c16f5d");
    expect(make()).toBe(first);
  });
});

describe("EksCluster workload identity validation", () => {
  let cluster: EksCluster;
  beforeAll(() => {
    cluster = build();
  });

  it.each([
    [
      { namespace: "Training", serviceAccountName: "trainer" },
      'infra/Cluster/Bad1: invalid namespace "Training": must be a DNS-1123 label: lowercase letters, digits and \'-\', starting and ending with a letter or digit',
    ],
    [
      { namespace: "training", serviceAccountName: "Trainer_SA" },
      'infra/Cluster/Bad2: invalid serviceAccountName "Trainer_SA": must be a DNS-1123 subdomain: dot-separated lowercase labels of letters, digits and \'-\'',
    ],
    [
      { namespace: "training", serviceAccountName: "trainer", credentialsSecretName: "keys" },
      'infra/Cluster/Bad3: invalid credentialsSecretName "keys": is only for on-prem clusters; EKS workloads use an IAM role',
    ],
  ])("rejects %p", (options, message) => {
    const id = message.split("/")[2].split(":")[0];
    expect(() => cluster.addWorkloadIdentity(id, options)).toThrow(new Error(message));
  });
});

describe("EksCluster.registerNodePool", () => {
  const pool = {
    name: "gpu",
    purpose: NodePoolPurpose.INFERENCE,
    capacityType: CapacityType.ON_DEMAND,
    labels: { "strata.io/pool": "gpu" },
    taints: [],
    minNodes: 0,
    maxNodes: 2,
    gpu: Gpu.NVIDIA_L4,
    gpusPerNode: 1,
  };

  let shared: EksCluster; // only ever sees rejected registrations
  beforeAll(() => {
    shared = build();
  });

  it("adds a pool after the system pool", () => {
    const cluster = build();
    cluster.registerNodePool(pool);
    expect(cluster.nodePools.map((p) => p.name)).toEqual(["system", "gpu"]);
    expect(cluster.nodePools[1]).toBe(pool);
  });

  it("returns a copy of its pools", () => {
    const cluster = build();
    cluster.nodePools.push(pool);
    expect(cluster.nodePools.map((p) => p.name)).toEqual(["system"]);
  });

  it.each([
    [{ name: "system" }, 'infra/Cluster: invalid node pool name "system": must be unique in the cluster; a pool with this name already exists'],
    [{ name: "GPU" }, 'infra/Cluster: invalid node pool name "GPU": must be a DNS-1123 label: lowercase letters, digits and \'-\', starting and ending with a letter or digit'],
    [{ minNodes: 3, maxNodes: 2 }, 'infra/Cluster: invalid nodePools["gpu"].minNodes 3: must be less than or equal to nodePools["gpu"].maxNodes (2)'],
    [{ minNodes: -1 }, 'infra/Cluster: invalid nodePools["gpu"].minNodes -1: must be an integer >= 0'],
    [{ maxNodes: 0 }, 'infra/Cluster: invalid nodePools["gpu"].maxNodes 0: must be an integer >= 1'],
    [{ gpusPerNode: undefined }, 'infra/Cluster: invalid nodePools["gpu"].gpusPerNode undefined: is required for a GPU pool (1 to 16)'],
    [{ gpusPerNode: 17 }, 'infra/Cluster: invalid nodePools["gpu"].gpusPerNode 17: must be an integer from 1 to 16'],
    [{ gpu: undefined, gpusPerNode: 2 }, 'infra/Cluster: invalid nodePools["gpu"].gpusPerNode 2: must be 0 or unset for a pool without a GPU'],
  ])("rejects %p and keeps the registry unchanged", (override, message) => {
    const cluster = shared;
    expect(() => cluster.registerNodePool({ ...pool, ...override })).toThrow(new Error(message));
    expect(cluster.nodePools.map((p) => p.name)).toEqual(["system"]);
  });

  it("rejects registering the same pool twice", () => {
    const cluster = build();
    cluster.registerNodePool(pool);
    expect(() => cluster.registerNodePool(pool)).toThrow(/invalid node pool name "gpu": must be unique in the cluster/);
  });
});

describe("EksCluster rejects invalid props", () => {
  const DNS_EKS = "must contain only letters, digits, '-' and '_', and start with a letter or digit";
  const LOG_DAYS = "1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653";
  const ADDONS = '"vpc-cni", "coredns", "kube-proxy", "aws-ebs-csi-driver", "eks-pod-identity-agent"';
  const K8S_FORMAT = 'must be a Kubernetes minor version such as "1.34" (EKS versions Strata supports: 1.31, 1.32, 1.33, 1.34)';
  const K8S_UNSUPPORTED = "is not an EKS version Strata supports: 1.31, 1.32, 1.33, 1.34 (versions in EKS standard support with a pinned add-on catalog)";
  const cases: Array<[string, Partial<EksClusterProps>, string]> = [
    ["clusterName with a space", { clusterName: "ml prod" }, `invalid clusterName "ml prod": ${DNS_EKS}`],
    ["clusterName starting with '-'", { clusterName: "-ml" }, `invalid clusterName "-ml": ${DNS_EKS}`],
    ["empty clusterName", { clusterName: "" }, 'invalid clusterName "": must be 1 to 100 characters long (got 0)'],
    ["clusterName over 100", { clusterName: "a".repeat(101) }, `invalid clusterName "${"a".repeat(101)}": must be 1 to 100 characters long (got 101)`],
    ["missing clusterName", { clusterName: undefined }, "invalid clusterName undefined: is required"],
    ["kubernetesVersion with a patch", { kubernetesVersion: "1.34.1" }, `invalid kubernetesVersion "1.34.1": ${K8S_FORMAT}`],
    ["kubernetesVersion with a v", { kubernetesVersion: "v1.34" }, `invalid kubernetesVersion "v1.34": ${K8S_FORMAT}`],
    ["kubernetesVersion 1.9", { kubernetesVersion: "1.9" }, `invalid kubernetesVersion "1.9": ${K8S_FORMAT}`],
    ["kubernetesVersion EKS does not offer", { kubernetesVersion: "1.29" }, `invalid kubernetesVersion "1.29": ${K8S_UNSUPPORTED}`],
    ["kubernetesVersion not yet released", { kubernetesVersion: "1.99" }, `invalid kubernetesVersion "1.99": ${K8S_UNSUPPORTED}`],
    ["empty publicEndpointCidrs", { publicEndpointCidrs: [] }, "invalid publicEndpointCidrs []: must list at least one CIDR; omit it for a private-only endpoint"],
    [
      "publicEndpointCidrs 0.0.0.0/0",
      { publicEndpointCidrs: ["203.0.113.0/24", "0.0.0.0/0"] },
      'invalid publicEndpointCidrs[1] "0.0.0.0/0": must not be 0.0.0.0/0: list the CIDRs of your CI runners and VPN egress, or keep the endpoint private',
    ],
    [
      "malformed publicEndpointCidrs",
      { publicEndpointCidrs: ["203.0.113.7"] },
      'invalid publicEndpointCidrs[0] "203.0.113.7": must be an IPv4 CIDR block such as 10.0.0.0/16, with no host bits set',
    ],
    [
      "publicEndpointCidrs with host bits",
      { publicEndpointCidrs: ["203.0.113.7/24"] },
      'invalid publicEndpointCidrs[0] "203.0.113.7/24": must be an IPv4 CIDR block such as 10.0.0.0/16, with no host bits set',
    ],
    ["one subnet", { subnetIds: ["subnet-a"] }, 'invalid subnetIds ["subnet-a"]: must list at least two private subnets in different availability zones'],
    ["no subnets", { subnetIds: [] }, "invalid subnetIds []: must list at least two private subnets in different availability zones"],
    ["empty systemInstanceTypes", { systemInstanceTypes: [] }, "invalid systemInstanceTypes []: must list at least one instance type"],
    ["a blank instance type", { systemInstanceTypes: ["m7i.large", " "] }, 'invalid systemInstanceTypes[1] " ": must be an EC2 instance type such as m7i.xlarge or g6.2xlarge (family, a dot, a size)'],
    ["systemMinNodes 0", { systemMinNodes: 0 }, "invalid systemMinNodes 0: must be an integer from 1 to 450"],
    ["fractional systemMinNodes", { systemMinNodes: 1.5 }, "invalid systemMinNodes 1.5: must be an integer from 1 to 450"],
    ["systemMaxNodes 451", { systemMaxNodes: 451 }, "invalid systemMaxNodes 451: must be an integer from 1 to 450"],
    ["systemMinNodes > systemMaxNodes", { systemMinNodes: 5, systemMaxNodes: 3 }, "invalid systemMinNodes 5: must be less than or equal to systemMaxNodes (3)"],
    ["systemMinNodes above systemMaxNodes", { systemMinNodes: 5, systemMaxNodes: 4 }, "invalid systemMinNodes 5: must be less than or equal to systemMaxNodes (4)"],
    ["systemDiskSizeGiB 19", { systemDiskSizeGiB: 19 }, "invalid systemDiskSizeGiB 19: must be an integer from 20 to 16384"],
    ["systemDiskSizeGiB 16385", { systemDiskSizeGiB: 16385 }, "invalid systemDiskSizeGiB 16385: must be an integer from 20 to 16384"],
    ["logRetentionDays 366", { logRetentionDays: 366 }, `invalid logRetentionDays 366: must be one of ${LOG_DAYS}`],
    ["logRetentionDays 0", { logRetentionDays: 0 }, `invalid logRetentionDays 0: must be one of ${LOG_DAYS}`],
    ["an unknown addonVersions key", { addonVersions: { cni: "v1" } }, `invalid addonVersions key "cni": must be one of ${ADDONS}`],
  ];

  it.each(cases)("%s", (_label, props, message) => {
    expect(() => build(props)).toThrow(new Error(`infra/Cluster: ${message}`));
  });

  it("accepts every boundary value", () => {
    expect(() =>
      build({ systemMinNodes: 1, systemMaxNodes: 450, systemDiskSizeGiB: 20, logRetentionDays: 3653, clusterName: "a".repeat(100) }),
    ).not.toThrow();
    expect(() => build({ systemMinNodes: 450, systemMaxNodes: 450, systemDiskSizeGiB: 16384, logRetentionDays: 1 })).not.toThrow();
  });
});

describe("EksCluster review fixes", () => {
  it("rejects VPC props that would be ignored with bring-your-own subnets", () => {
    expect(() => build({ vpcCidr: "10.1.0.0/16" })).toThrow(
      'infra/Cluster: invalid vpcCidr "10.1.0.0/16": applies only to the VPC Strata creates; omit it with subnetIds',
    );
    expect(() => build({ zoneCount: 3 })).toThrow("infra/Cluster: invalid zoneCount 3: applies only to the VPC Strata creates");
    expect(() => build({ natGateways: NatGatewayMode.ONE_PER_ZONE })).toThrow('invalid natGateways "one-per-zone": applies only to the VPC Strata creates');
  });

  it("rejects admin principals that are not IAM role ARNs", () => {
    expect(() => build({ adminRoleArns: ["arn:aws:iam::123456789012:user/alice"] })).toThrow(
      'infra/Cluster: invalid adminRoleArns[0] "arn:aws:iam::123456789012:user/alice": must be an IAM role ARN',
    );
    expect(() => build({ adminRoleArns: ["arn:aws:iam::123456789012:role/admins/platform"] })).not.toThrow();
  });

  it("rejects a VPC layout from tokens (subnets are laid out at synth)", () => {
    expect(() => build({ subnetIds: undefined, zoneCount: Token.asNumber(Fn.abs(3)) })).toThrow(
      'infra/Cluster: invalid zoneCount "<token>"',
    );
  });

  it("keeps launch template names within 128 characters for the longest cluster names", () => {
    const stack = awsStack();
    build({ clusterName: `ml-${"x".repeat(97)}` }, stack).addGpuNodePool("L4", { gpu: Gpu.NVIDIA_L4, name: "nvidia-l4-inference-pool", maxNodes: 1 });
    const names = Object.values(resourcesOfType(synthJson(stack), "aws_launch_template")).map((t: any) => t.name as string);
    expect(names).toHaveLength(2);
    for (const name of names) expect(name.length).toBeLessThanOrEqual(128);
    expect(new Set(names).size).toBe(2);
  });
});

describe("EksCluster network policies", () => {
  it("turns on NetworkPolicy enforcement in the VPC CNI (namespaces start default-deny)", () => {
    const stack = awsStack();
    build({}, stack);
    const cni = (Object.values(resourcesOfType(synthJson(stack), "aws_eks_addon")) as any[]).find((a) => a.addon_name === "vpc-cni");
    expect(JSON.parse(cni.configuration_values)).toEqual({ enableNetworkPolicy: "true" });
  });
});

describe("EksCluster system node group sizing", () => {
  it("grows with the system workloads constructs register: the default maximum is read at synth", () => {
    const stack = awsStack();
    const cluster = build({}, stack);
    const group = () => resourcesOfType(synthJson(stack), "aws_eks_node_group").Cluster_SystemNodeGroup_9D7AD4AB.scaling_config;
    // The cluster's own add-ons fit on two m7i.xlarge nodes: one spare node above the minimum.
    expect(group()).toEqual({ min_size: 2, desired_size: 2, max_size: 3 });
    // A platform that needs more (8 vCPU, 24 GiB more: three nodes of about 3.5 vCPU each, plus a spare)
    // raises the maximum, not the minimum.
    cluster.addSystemWorkload({ name: "monitoring", cpuMillis: 2000, memoryMiB: 6144, replicas: 4 });
    expect(group()).toEqual({ min_size: 2, desired_size: 2, max_size: 4 });
    expect(cluster.nodePools.find((p) => p.name === "system")?.maxNodes).toBe(4);
  });

  it("is elastic by default, so it warns at synth without a ClusterAutoscaler; a fixed-size group (min = max) does not", () => {
    const growable = awsStack();
    build({}, growable);
    Testing.synth(growable, true);
    expect(annotations(growable, "warn")).toEqual([expect.stringContaining('infra/Cluster: elastic node groups ["system"]: managed node groups grow beyond minNodes only under the Kubernetes Cluster Autoscaler')]);
    const fixed = awsStack();
    build({ systemMinNodes: 2, systemMaxNodes: 2 }, fixed);
    Testing.synth(fixed, true);
    expect(annotations(fixed, "warn")).toEqual([]);
  });

  it("warns when an explicit maximum cannot hold the registered system workloads", () => {
    const stack = awsStack();
    const cluster = build({ systemMinNodes: 2, systemMaxNodes: 2 }, stack);
    cluster.addSystemWorkload({ name: "monitoring", cpuMillis: 2000, memoryMiB: 6144, replicas: 4 });
    Testing.synth(stack, true);
    expect(annotations(stack, "warn")).toEqual([expect.stringContaining('infra/Cluster: system capacity')]);
    expect(annotations(stack, "warn")[0]).toContain('Raise maxNodes of pool "system" to at least 4');
  });
});

describe("EksCluster names are unique in an app", () => {
  it("rejects a second cluster of the same name (IAM role names are global to the account)", () => {
    const app = testApp();
    new EksCluster(awsStack(app, "use1"), "Cluster", { clusterName: "ml-prod", subnetIds: SUBNETS });
    expect(() => new EksCluster(awsStack(app, "euw1"), "Cluster", { clusterName: "ml-prod", subnetIds: SUBNETS })).toThrow(
      'euw1/Cluster: invalid clusterName "ml-prod": is already used by use1/Cluster; IAM role names derive from it and are global to the account',
    );
    expect(() => new EksCluster(awsStack(app, "euw1b"), "Cluster", { clusterName: "ml-prod-euw1", subnetIds: SUBNETS })).not.toThrow();
  });
});

describe("EksCluster private endpoint access (runners over VPN or peering)", () => {
  it("admits each listed CIDR on TCP 443 of the cluster security group, with a description", () => {
    const stack = awsStack();
    build({ endpointAccessCidrs: ["10.100.0.0/16", "172.16.8.0/22"] }, stack);
    const json = synthJson(stack);
    const rules = resourcesOfType(json, "aws_vpc_security_group_ingress_rule");
    expect(Object.values(rules)).toEqual(
      ["10.100.0.0/16", "172.16.8.0/22"].map((cidr) => ({
        security_group_id: `\${${CLUSTER}.vpc_config[0].cluster_security_group_id}`,
        description: `Kubernetes API (private endpoint) from ${cidr}`,
        ip_protocol: "tcp",
        from_port: 443,
        to_port: 443,
        cidr_ipv4: cidr,
      })),
    );
    expect(Object.keys(rules).every((k) => /^Cluster_EndpointAccess[01]_[0-9A-F]{8}$/.test(k))).toBe(true);
    // The endpoint itself stays private-only.
    expect(json.resource!.aws_eks_cluster.Cluster_EB0386A7.vpc_config.endpoint_public_access).toBe(false);
  });

  it("creates no ingress rule by default", () => {
    const stack = awsStack();
    build({}, stack);
    expect(resourcesOfType(synthJson(stack), "aws_vpc_security_group_ingress_rule")).toEqual({});
  });

  it.each([
    [["0.0.0.0/0"], `invalid endpointAccessCidrs[0] "0.0.0.0/0": must not be 0.0.0.0/0: list the CIDRs of your CI runners' network and VPN clients`],
    [[], "invalid endpointAccessCidrs []: must list at least one CIDR; omit it to admit only the cluster security group"],
    [["10.1.0.0/16", "10.1.0.0/16"], 'invalid endpointAccessCidrs[1] "10.1.0.0/16": is a duplicate of endpointAccessCidrs[0]; list each entry once'],
    [["10.1.0.1/16"], 'invalid endpointAccessCidrs[0] "10.1.0.1/16": must be an IPv4 CIDR block such as 10.0.0.0/16, with no host bits set'],
    ["10.1.0.0/16", 'invalid endpointAccessCidrs "10.1.0.0/16": must be a list such as ["10.100.0.0/16"], not a string'],
  ])("rejects endpointAccessCidrs %p", (cidrs, message) => {
    expect(() => build({ endpointAccessCidrs: cidrs as any })).toThrow(new Error(`infra/Cluster: ${message}`));
  });
});

describe("EksCluster key administrators and users", () => {
  const ADMIN = "arn:aws:iam::123456789012:role/key-admins";
  const USER = "arn:aws:iam::123456789012:role/backup";
  let json: SynthJson;
  beforeAll(() => {
    const stack = awsStack();
    build({ keyAdministratorArns: [ADMIN, "arn:aws:iam::123456789012:root"], keyUserArns: [USER] }, stack);
    json = synthJson(stack);
  });
  const policy = (id: string) => JSON.parse(resourcesOfType(json, "aws_kms_key")[id].policy);

  it("lets key administrators manage all three keys, without cryptographic use", () => {
    for (const id of ["Cluster_Key_E3BAC84A", "Cluster_LogsKey_8CB33FE5", "Cluster_VolumesKey_A5D6A601"]) {
      const admins = policy(id).Statement.find((s: any) => s.Sid === "KeyAdministrators");
      expect(admins.Principal).toEqual({ AWS: [ADMIN, "arn:aws:iam::123456789012:root"] });
      expect(admins.Action).toContain("kms:ScheduleKeyDeletion");
      expect(admins.Action).not.toContain("kms:Decrypt");
      expect(admins.Action).not.toContain("kms:*");
    }
  });

  it("lets key users encrypt and decrypt with the secrets key only", () => {
    expect(policy("Cluster_Key_E3BAC84A").Statement.map((s: any) => s.Sid)).toEqual(["AccountAdministers", "KeyAdministrators", "KeyUsers"]);
    expect(policy("Cluster_Key_E3BAC84A").Statement[2]).toEqual({
      Sid: "KeyUsers",
      Effect: "Allow",
      Principal: { AWS: [USER] },
      Action: ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey"],
      Resource: "*",
    });
    expect(JSON.stringify(policy("Cluster_LogsKey_8CB33FE5"))).not.toContain(USER);
    expect(JSON.stringify(policy("Cluster_VolumesKey_A5D6A601"))).not.toContain(USER);
  });

  it("accepts the partitions of China and GovCloud", () => {
    expect(() =>
      build({ keyAdministratorArns: ["arn:aws-cn:iam::123456789012:role/a"], keyUserArns: ["arn:aws-us-gov:iam::123456789012:user/b"] }),
    ).not.toThrow();
  });

  const PARTITIONS = "aws, aws-cn, aws-us-gov, aws-iso, aws-iso-b, aws-iso-e, aws-iso-f, aws-eusc";
  it.each([
    [{ keyAdministratorArns: ["arn:aws-xx:iam::123456789012:role/a"] }, `invalid keyAdministratorArns[0] "arn:aws-xx:iam::123456789012:role/a": names the unknown partition "aws-xx"; AWS partitions are ${PARTITIONS}`],
    [{ keyAdministratorArns: ["alias/admins"] }, 'invalid keyAdministratorArns[0] "alias/admins": must be an IAM role or an IAM user or an account root ARN such as arn:aws:iam::123456789012:role/platform-admins'],
    [{ keyUserArns: ["arn:aws:iam::123456789012:root"] }, 'invalid keyUserArns[0] "arn:aws:iam::123456789012:root": must be an IAM role or an IAM user ARN such as arn:aws:iam::123456789012:role/platform-admins'],
    [{ keyUserArns: ["arn:aws:sts::123456789012:assumed-role/ci/session"] }, 'invalid keyUserArns[0] "arn:aws:sts::123456789012:assumed-role/ci/session": must be an IAM role or an IAM user ARN such as arn:aws:iam::123456789012:role/platform-admins'],
    [{ keyUserArns: [USER, USER] }, `invalid keyUserArns[1] "${USER}": is a duplicate of keyUserArns[0]; list each entry once`],
    [{ keyUserArns: USER as any }, `invalid keyUserArns "${USER}": must be a list such as ["arn:aws:iam::123456789012:role/backup"], not a string`],
    [{ adminRoleArns: ["arn:aws-xx:iam::123456789012:role/a"] }, `invalid adminRoleArns[0] "arn:aws-xx:iam::123456789012:role/a": names the unknown partition "aws-xx"; AWS partitions are ${PARTITIONS}`],
  ])("rejects %p", (props, message) => {
    expect(() => build(props)).toThrow(new Error(`infra/Cluster: ${message}`));
  });
});

describe("EksCluster control-plane logs", () => {
  it("sends the listed log types and keeps them as long as asked", () => {
    const stack = awsStack();
    build(
      {
        controlPlaneLogTypes: [EksControlPlaneLogType.AUDIT, EksControlPlaneLogType.API, EksControlPlaneLogType.SCHEDULER],
        logRetentionDays: 365,
      },
      stack,
    );
    const json = synthJson(stack);
    expect(json.resource!.aws_eks_cluster.Cluster_EB0386A7.enabled_cluster_log_types).toEqual(["audit", "api", "scheduler"]);
    expect(json.resource!.aws_cloudwatch_log_group.Cluster_ControlPlaneLogs_F2A89661.retention_in_days).toBe(365);
    expect(annotations(stack, "warn")).toEqual([]);
  });

  it("warns when audit logs are left out", () => {
    const stack = awsStack();
    build({ controlPlaneLogTypes: [EksControlPlaneLogType.AUTHENTICATOR] }, stack);
    expect(annotations(stack, "warn")).toEqual([
      'infra/Cluster: controlPlaneLogTypes ["authenticator"]: has no audit logs: nothing records who changed what in the cluster',
    ]);
  });

  const TYPES =
    'EksControlPlaneLogType.API ("api"), EksControlPlaneLogType.AUDIT ("audit"), EksControlPlaneLogType.AUTHENTICATOR ("authenticator"), EksControlPlaneLogType.CONTROLLER_MANAGER ("controllerManager"), EksControlPlaneLogType.SCHEDULER ("scheduler")';
  it.each([
    [["AUDIT"], `invalid controlPlaneLogTypes[0] "AUDIT": must be one of ${TYPES} (values are case-sensitive)`],
    [["audit", "controller-manager"], `invalid controlPlaneLogTypes[1] "controller-manager": must be one of ${TYPES}`],
    [[], "invalid controlPlaneLogTypes []: must list at least one log type (audit logs are the record of who did what); the default is audit and authenticator"],
    [["audit", "audit"], 'invalid controlPlaneLogTypes[1] "audit": is a duplicate of controlPlaneLogTypes[0]; list each entry once'],
    ["audit", 'invalid controlPlaneLogTypes "audit": must be a list such as ["audit"], not a string'],
  ])("rejects controlPlaneLogTypes %p", (types, message) => {
    expect(() => build({ controlPlaneLogTypes: types as any })).toThrow(new Error(`infra/Cluster: ${message}`));
  });
});

describe("EksCluster add-on versions", () => {
  const versions = (props: Partial<EksClusterProps>) => {
    const stack = awsStack();
    build(props, stack);
    return Object.fromEntries(
      Object.values(resourcesOfType(synthJson(stack), "aws_eks_addon")).map((a) => [a.addon_name, a.addon_version]),
    );
  };

  it("pins each supported Kubernetes version's catalog, and lets addonVersions override one add-on", () => {
    expect(versions({ kubernetesVersion: "1.31" })).toEqual({
      "vpc-cni": "v1.20.4-eksbuild.2",
      coredns: "v1.11.4-eksbuild.24",
      "kube-proxy": "v1.31.13-eksbuild.2",
      "aws-ebs-csi-driver": "v1.52.1-eksbuild.1",
      "eks-pod-identity-agent": "v1.3.8-eksbuild.2",
    });
    expect(versions({ kubernetesVersion: "1.32", addonVersions: { "kube-proxy": "v1.32.6-minimal-eksbuild.13" } })).toMatchObject({
      coredns: "v1.11.4-eksbuild.24",
      "kube-proxy": "v1.32.6-minimal-eksbuild.13",
    });
  });

  it("warns that a token kubernetesVersion leaves the add-on versions to EKS", () => {
    const stack = awsStack();
    build({ kubernetesVersion: strToken() }, stack);
    const addons = Object.values(resourcesOfType(synthJson(stack), "aws_eks_addon"));
    expect(addons.every((a) => a.addon_version === undefined)).toBe(true);
    expect(annotations(stack, "warn")).toEqual([
      'infra/Cluster: kubernetesVersion "<token>": is a token, so Strata\'s add-on catalog cannot pin the add-on versions; EKS picks its default for every add-on not in addonVersions',
    ]);
  });

  const FORMAT = 'must be an EKS add-on version: v<major>.<minor>.<patch>-eksbuild.<n>, such as "v1.12.4-eksbuild.1"';
  it.each([
    [{ coredns: "latest" }, 'invalid addonVersions["coredns"] "latest": must be a pinned version such as "v1.12.4-eksbuild.1", not latest: list them with aws eks describe-addon-versions'],
    [{ coredns: "" }, `invalid addonVersions["coredns"] "": ${FORMAT}`],
    [{ coredns: "1.12.4" }, `invalid addonVersions["coredns"] "1.12.4": ${FORMAT}`],
    [{ "vpc-cni": "v1.20.4" }, `invalid addonVersions["vpc-cni"] "v1.20.4": ${FORMAT}`],
    [{ "vpc-cni": 1.2 }, `invalid addonVersions["vpc-cni"] 1.2: ${FORMAT}`],
    [["v1.20.4-eksbuild.2"], 'invalid addonVersions ["v1.20.4-eksbuild.2"]: must be a map from add-on name to version, such as {"coredns": "v1.12.4-eksbuild.1"}'],
    ["v1.20.4-eksbuild.2", 'invalid addonVersions "v1.20.4-eksbuild.2": must be a map from add-on name to version, such as {"coredns": "v1.12.4-eksbuild.1"}'],
  ])("rejects addonVersions %p", (addonVersions, message) => {
    expect(() => build({ addonVersions: addonVersions as any })).toThrow(new Error(`infra/Cluster: ${message}`));
  });
});

describe("EksCluster input from untyped callers", () => {
  it.each([
    [{ subnetIds: "subnet-aaa" }, 'invalid subnetIds "subnet-aaa": must be a list such as ["subnet-0123456789abcdef0"], not a string'],
    [{ systemInstanceTypes: "m7i.large" }, 'invalid systemInstanceTypes "m7i.large": must be a list such as ["m7i.large"], not a string'],
    [{ systemInstanceTypes: [42] }, "invalid systemInstanceTypes[0] 42: must be a string, not a number"],
    [{ adminRoleArns: "arn:aws:iam::123456789012:role/ci" }, 'invalid adminRoleArns "arn:aws:iam::123456789012:role/ci": must be a list such as ["arn:aws:iam::123456789012:role/platform-admins"], not a string'],
    [{ publicEndpointCidrs: "203.0.113.0/24" }, 'invalid publicEndpointCidrs "203.0.113.0/24": must be a list such as ["203.0.113.0/24"], not a string'],
    [{ identityMode: "IRSA" }, 'invalid identityMode "IRSA": must be one of EksIdentityMode.POD_IDENTITY ("pod-identity"), EksIdentityMode.IRSA ("irsa") (values are case-sensitive)'],
    [{ identityMode: "podIdentity" }, 'invalid identityMode "podIdentity": must be one of EksIdentityMode.POD_IDENTITY ("pod-identity"), EksIdentityMode.IRSA ("irsa")'],
    [{ subnetIds: undefined, natGateways: "SINGLE" }, 'invalid natGateways "SINGLE": must be one of NatGatewayMode.SINGLE ("single"), NatGatewayMode.ONE_PER_ZONE ("one-per-zone") (values are case-sensitive)'],
    [{ subnetIds: ["subnet-aaa", "subnet-bbb", "subnet-aaa"] }, 'invalid subnetIds[2] "subnet-aaa": is a duplicate of subnetIds[0]; list each entry once'],
    [{ systemInstanceTypes: ["m7i-large"] }, 'invalid systemInstanceTypes[0] "m7i-large": must be an EC2 instance type such as m7i.xlarge or g6.2xlarge (family, a dot, a size)'],
    [{ systemInstanceTypes: ["M7i.large"] }, 'invalid systemInstanceTypes[0] "M7i.large": must be an EC2 instance type such as m7i.xlarge or g6.2xlarge (family, a dot, a size)'],
    [{ interfaceEndpoints: ["ecr.api"] }, 'invalid interfaceEndpoints ["ecr.api"]: applies only to the VPC Strata creates; omit it with subnetIds (your VPC is yours to lay out)'],
  ])("rejects %p with the standard error", (props, message) => {
    expect(() => build(props as any)).toThrow(new Error(`infra/Cluster: ${message}`));
  });

  it("accepts instance type names of every shape EC2 uses", () => {
    expect(() => build({ systemInstanceTypes: ["m7i.large", "m7i-flex.xlarge", "c7gn.16xlarge", "u-6tb1.metal"] })).not.toThrow();
  });
});

describe("EksCluster system workloads", () => {
  it("registers the pods of its own add-ons (CoreDNS, EBS CSI, per-node agents)", () => {
    const cluster = build();
    expect(cluster.systemWorkloads).toEqual([
      { name: "coredns", cpuMillis: 100, memoryMiB: 70, replicas: 2 },
      { name: "ebs-csi-controller", cpuMillis: 60, memoryMiB: 240, replicas: 2 },
      { name: "aws-node", cpuMillis: 50, memoryMiB: 64, perNode: true },
      { name: "kube-proxy", cpuMillis: 100, memoryMiB: 32, perNode: true },
      { name: "ebs-csi-node", cpuMillis: 30, memoryMiB: 120, perNode: true },
      { name: "eks-pod-identity-agent", cpuMillis: 25, memoryMiB: 32, perNode: true },
    ]);
  });

  it("has no pod identity agent in IRSA mode", () => {
    expect(build({ identityMode: EksIdentityMode.IRSA }).systemWorkloads.map((w) => w.name)).not.toContain("eks-pod-identity-agent");
  });
});

describe("EksCluster VPC endpoints", () => {
  it("passes interface endpoints to the VPC it creates", () => {
    const stack = awsStack();
    build({ subnetIds: undefined, interfaceEndpoints: [VpcInterfaceEndpoint.ECR_API, VpcInterfaceEndpoint.ECR_DKR] }, stack);
    const endpoints = Object.values(resourcesOfType(synthJson(stack), "aws_vpc_endpoint"));
    expect(endpoints.map((e) => e.vpc_endpoint_type).sort()).toEqual(["Gateway", "Interface", "Interface"]);
  });
});

describe("EksCluster route back to the runner networks", () => {
  const TGW = "tgw-0123456789abcdef0";
  const VGW = "vgw-0123456789abcdef0";
  const newVpc = (props: Partial<EksClusterProps>, stack = awsStack()) => {
    const cluster = build({ subnetIds: undefined, zoneCount: 2, ...props }, stack);
    return { stack, cluster };
  };
  const routeWarnings = (stack: TerraformStack) => {
    Testing.synth(stack, true);
    return annotations(stack, "warn").filter((w) => w.includes("endpointAccessCidrs"));
  };
  const NO_ROUTE =
    "the private endpoint's replies would leave through the NAT gateway and never reach the runners; add privateRoutes (transitGatewayId, vpcPeeringConnectionId or vpnGatewayId), propagatingVpnGatewayId, or cluster.vpc.addPrivateRoute";

  it("warns when a runner network outside the VPC has no private route (its replies would go to the NAT gateway); CIDRs inside the VPC need none", () => {
    const { stack } = newVpc({ endpointAccessCidrs: ["10.100.0.0/16", "10.0.64.0/20", "172.20.0.0/22"] });
    expect(routeWarnings(stack)).toEqual([`infra/Cluster: endpointAccessCidrs ["10.100.0.0/16","172.20.0.0/22"]: no private route leads back to these networks: ${NO_ROUTE}`]);
  });

  it("writes privateRoutes into the new VPC's route tables and does not warn for the networks they cover", () => {
    const { stack, cluster } = newVpc({
      endpointAccessCidrs: ["10.100.0.0/16", "172.20.0.0/22"],
      privateRoutes: [
        { destinationCidr: "10.100.0.0/17", transitGatewayId: TGW },
        { destinationCidr: "10.100.128.0/17", transitGatewayId: TGW },
        { destinationCidr: "172.16.0.0/12", vpnGatewayId: VGW },
      ],
    });
    expect(routeWarnings(stack)).toEqual([]);
    const routes = Object.values(resourcesOfType(synthJson(stack), "aws_route")).filter((r) => r.nat_gateway_id === undefined);
    expect(routes).toHaveLength(3 * 2);
    expect(cluster.vpc!.privateRoutes.map((r) => r.destinationCidr)).toEqual(["10.100.0.0/17", "10.100.128.0/17", "172.16.0.0/12"]);
  });

  it("names only the uncovered network, and sees routes added after the cluster with vpc.addPrivateRoute", () => {
    const { stack, cluster } = newVpc({
      endpointAccessCidrs: ["10.100.0.0/16", "172.20.0.0/22"],
      privateRoutes: [{ destinationCidr: "10.100.0.0/16", transitGatewayId: TGW }],
    });
    expect(routeWarnings(stack)).toEqual([`infra/Cluster: endpointAccessCidrs ["172.20.0.0/22"]: no private route leads back to this network: ${NO_ROUTE}`]);
    const later = newVpc({ endpointAccessCidrs: ["172.20.0.0/22"] });
    later.cluster.vpc!.addPrivateRoute({ destinationCidr: "172.20.0.0/22", vpnGatewayId: VGW });
    expect(routeWarnings(later.stack)).toEqual([]);
    expect(cluster.vpc!.privateRouteTableIds).toHaveLength(2);
  });

  it("does not warn with route propagation from a virtual private gateway (the VPN's routes are not known at synth)", () => {
    const { stack } = newVpc({ endpointAccessCidrs: ["10.100.0.0/16"], propagatingVpnGatewayId: VGW });
    expect(routeWarnings(stack)).toEqual([]);
    expect(Object.values(resourcesOfType(synthJson(stack), "aws_vpn_gateway_route_propagation")).map((p) => p.vpn_gateway_id)).toEqual([VGW, VGW]);
  });

  it("does not warn with your own subnets (the routes are yours)", () => {
    const stack = awsStack();
    build({ endpointAccessCidrs: ["10.100.0.0/16"] }, stack);
    expect(routeWarnings(stack)).toEqual([]);
  });

  it.each([
    [{ privateRoutes: [{ destinationCidr: "10.100.0.0/16", transitGatewayId: TGW }] }, 'invalid privateRoutes [{"destinationCidr":"10.100.0.0/16","transitGatewayId":"tgw-0123456789abcdef0"}]'],
    [{ propagatingVpnGatewayId: VGW }, `invalid propagatingVpnGatewayId "${VGW}"`],
  ])("rejects %p with subnetIds", (props, start) => {
    expect(() => build(props)).toThrow(new Error(`infra/Cluster: ${start}: applies only to the VPC Strata creates; omit it with subnetIds (your VPC is yours to lay out)`));
  });

  it("rejects a bad route with the VPC's path", () => {
    expect(() => newVpc({ privateRoutes: [{ destinationCidr: "10.100.0.0/16", transitGatewayId: "tgw-123" }] })).toThrow(
      new Error('infra/Cluster/Vpc: invalid privateRoutes[0].transitGatewayId "tgw-123": must be a transit gateway id such as "tgw-0123456789abcdef0" (tgw- and 8 or 17 hex digits)'),
    );
  });
});
