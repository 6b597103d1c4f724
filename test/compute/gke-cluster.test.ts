import "cdktf/lib/testing/adapters/jest";
import { App, GcsBackend, TerraformLocal, TerraformStack, TerraformVariable, Testing } from "cdktf";
import { ComputeFirewall } from "@cdktf/provider-google/lib/compute-firewall";
import { ComputeNetwork } from "@cdktf/provider-google/lib/compute-network";
import { ComputeRouter } from "@cdktf/provider-google/lib/compute-router";
import { ComputeRouterNat } from "@cdktf/provider-google/lib/compute-router-nat";
import { ComputeSubnetwork } from "@cdktf/provider-google/lib/compute-subnetwork";
import { ContainerCluster } from "@cdktf/provider-google/lib/container-cluster";
import { ContainerNodePool } from "@cdktf/provider-google/lib/container-node-pool";
import { DataGoogleClientConfig } from "@cdktf/provider-google/lib/data-google-client-config";
import { DataGoogleProject } from "@cdktf/provider-google/lib/data-google-project";
import { KmsCryptoKey } from "@cdktf/provider-google/lib/kms-crypto-key";
import { KmsCryptoKeyIamMember } from "@cdktf/provider-google/lib/kms-crypto-key-iam-member";
import { KmsKeyRing } from "@cdktf/provider-google/lib/kms-key-ring";
import { ProjectIamMember } from "@cdktf/provider-google/lib/project-iam-member";
import { GoogleProvider } from "@cdktf/provider-google/lib/provider";
import { ServiceAccount } from "@cdktf/provider-google/lib/service-account";
import { ServiceAccountIamMember } from "@cdktf/provider-google/lib/service-account-iam-member";
import { HelmProvider } from "@cdktf/provider-helm/lib/provider";
import { KubernetesProvider } from "@cdktf/provider-kubernetes/lib/provider";
import { ServiceAccountV1 } from "@cdktf/provider-kubernetes/lib/service-account-v1";
import {
  CapacityType,
  ClusterAuthentication,
  ClusterTarget,
  IWorkloadIdentity,
  NodePoolPurpose,
  WorkloadIdentityKind,
} from "../../lib/core/cluster";
import { GcpNetwork } from "../../lib/compute/gcp-network";
import { GkeCluster, GkeClusterProps, GkeLoggingComponent, GkeReleaseChannel } from "../../lib/compute/gke-cluster";
import { FlowLogAggregationInterval } from "../../lib/compute/gcp-network";
import { GkeWorkloadIdentity } from "../../lib/compute/gke-workload-identity";
import { annotations as annotationsOf, prepareApp, resourceInventory, SynthJson } from "../support/synth";

const BASE: GkeClusterProps = { clusterName: "ml-prod", project: "acme-ml-prod", location: "us-central1" };
const ONE_ZONE_NODES = { min: 1, max: 3 };

/** A stack whose state lives in Cloud Storage, with a default Google provider unless `provider` is false. */
function gcpStack(app: App, id: string, provider = true): TerraformStack {
  const stack = new TerraformStack(app, id);
  new GcsBackend(stack, { bucket: "strata-test-state", prefix: id });
  if (provider) new GoogleProvider(stack, "google", { project: "acme-ml-prod", region: "us-central1" });
  return stack;
}

/** A cluster in a fresh app and stack, for validation tests. */
function cluster(props: Partial<GkeClusterProps> = {}): GkeCluster {
  return new GkeCluster(gcpStack(Testing.app(), "infra"), "Cluster", { ...BASE, ...props });
}

function only(json: SynthJson, type: string): any {
  const all = Object.values(json.resource?.[type] ?? {});
  if (all.length !== 1) throw new Error(`expected one ${type}, found ${all.length}`);
  return all[0];
}

describe("GkeCluster: secure defaults", () => {
  let gke: GkeCluster;
  let synth: string;
  let json: SynthJson;

  beforeAll(() => {
    const stack = gcpStack(Testing.app(), "infra");
    gke = new GkeCluster(stack, "Cluster", BASE);
    synth = Testing.synth(stack);
    json = JSON.parse(synth);
  });

  test("is a GKE cluster with the given name", () => {
    expect(gke.target).toBe(ClusterTarget.GCP_GKE);
    expect(gke.clusterName).toBe("ml-prod");
    expect(gke.region).toBe("us-central1");
    expect(synth).toHaveResourceWithProperties(ContainerCluster, {
      name: "ml-prod",
      project: "acme-ml-prod",
      location: "us-central1",
      description: "Strata GKE cluster ml-prod",
    });
  });

  test("nodes and control-plane endpoint are private; no network, not even Google's, is authorized", () => {
    expect(gke.privateEndpointOnly).toBe(true);
    const c = only(json, "google_container_cluster");
    expect(c.private_cluster_config).toEqual({
      enable_private_nodes: true,
      enable_private_endpoint: true,
      master_ipv4_cidr_block: "172.16.0.0/28",
      master_global_access_config: { enabled: false },
    });
    expect(c.master_authorized_networks_config).toEqual({ gcp_public_cidrs_access_enabled: false, private_endpoint_enforcement_enabled: true });
  });

  test("the control plane may reach admission webhooks on the nodes on 8443 and 9443, from its own range only", () => {
    expect(gke.webhookFirewall).toBeInstanceOf(ComputeFirewall);
    expect(only(json, "google_compute_firewall")).toEqual({
      name: "ml-prod-us-central1-webhooks",
      project: "acme-ml-prod",
      network: "${google_compute_network.Cluster_Network_A5E2F637.name}",
      description: "Lets the control plane of GKE cluster ml-prod reach admission webhooks on its nodes",
      direction: "INGRESS",
      source_ranges: ["172.16.0.0/28"],
      target_service_accounts: ["${google_service_account.Cluster_NodeServiceAccount_5891CF5E.email}"],
      allow: [{ protocol: "tcp", ports: ["8443", "9443"] }],
    });
  });

  test("Workload Identity, Dataplane V2, shielded nodes, release channel, no client certificate or legacy ABAC", () => {
    expect(gke.workloadPool).toBe("acme-ml-prod.svc.id.goog");
    expect(synth).toHaveResourceWithProperties(ContainerCluster, {
      workload_identity_config: { workload_pool: "acme-ml-prod.svc.id.goog" },
      datapath_provider: "ADVANCED_DATAPATH",
      enable_shielded_nodes: true,
      release_channel: { channel: "REGULAR" },
      master_auth: { client_certificate_config: { issue_client_certificate: false } },
      enable_legacy_abac: false,
    });
    expect(only(json, "google_container_cluster").network_policy).toBeUndefined(); // Dataplane V2 enforces policies itself
  });

  test("VPC-native networking on the new subnetwork's secondary ranges", () => {
    expect(synth).toHaveResourceWithProperties(ContainerCluster, {
      networking_mode: "VPC_NATIVE",
      network: "${google_compute_network.Cluster_Network_A5E2F637.id}",
      subnetwork: "${google_compute_subnetwork.Cluster_Network_Subnetwork_57682E96.id}",
      ip_allocation_policy: { cluster_secondary_range_name: "pods", services_secondary_range_name: "services" },
    });
  });

  test("secrets are encrypted at the application layer with the cluster's KMS key", () => {
    expect(synth).toHaveResourceWithProperties(ContainerCluster, {
      database_encryption: { state: "ENCRYPTED", key_name: "${google_kms_crypto_key.Cluster_SecretsKey_0735A163.id}" },
    });
  });

  test("KMS key ring and keys rotate every 90 days and are protected from destroy", () => {
    expect(synth).toHaveResourceWithProperties(KmsKeyRing, {
      name: "ml-prod-gke",
      location: "us-central1",
      project: "acme-ml-prod",
      lifecycle: { prevent_destroy: true },
    });
    for (const name of ["secrets", "boot-disks"]) {
      expect(synth).toHaveResourceWithProperties(KmsCryptoKey, {
        name,
        key_ring: "${google_kms_key_ring.Cluster_KeyRing_26F0C7F0.id}",
        purpose: "ENCRYPT_DECRYPT",
        rotation_period: "7776000s",
        destroy_scheduled_duration: "2592000s",
        lifecycle: { prevent_destroy: true },
      });
    }
  });

  test("the GKE and Compute Engine service agents may use their key, and the cluster waits for the grants", () => {
    expect(synth).toHaveDataSourceWithProperties(DataGoogleProject, { project_id: "acme-ml-prod" });
    expect(synth).toHaveResourceWithProperties(KmsCryptoKeyIamMember, {
      crypto_key_id: "${google_kms_crypto_key.Cluster_SecretsKey_0735A163.id}",
      role: "roles/cloudkms.cryptoKeyEncrypterDecrypter",
      member: "serviceAccount:service-${data.google_project.Cluster_Project_1E048B00.number}@container-engine-robot.iam.gserviceaccount.com",
    });
    expect(synth).toHaveResourceWithProperties(KmsCryptoKeyIamMember, {
      crypto_key_id: "${google_kms_crypto_key.Cluster_BootDiskKey_34D98438.id}",
      role: "roles/cloudkms.cryptoKeyEncrypterDecrypter",
      member: "serviceAccount:service-${data.google_project.Cluster_Project_1E048B00.number}@compute-system.iam.gserviceaccount.com",
    });
    expect(only(json, "google_container_cluster").depends_on).toEqual(
      expect.arrayContaining([
        "google_kms_crypto_key_iam_member.Cluster_SecretsKeyGkeAgent_69AEC5C3",
        "google_kms_crypto_key_iam_member.Cluster_BootDiskKeyComputeAgent_E41FDAD2",
        "google_project_iam_member.Cluster_NodeRoleDefaultNodeServiceAccount_F97BDF07",
        "google_project_iam_member.Cluster_NodeRoleArtifactRegistryReader_B933BACA",
      ]),
    );
  });

  test("nodes run as a dedicated least-privilege service account", () => {
    expect(synth).toHaveResourceWithProperties(ServiceAccount, { account_id: "ml-prod-nodes", project: "acme-ml-prod" });
    const roles = Object.values(json.resource!.google_project_iam_member).map((m: any) => [m.role, m.member]);
    expect(roles.sort()).toEqual([
      ["roles/artifactregistry.reader", "serviceAccount:${google_service_account.Cluster_NodeServiceAccount_5891CF5E.email}"],
      ["roles/container.defaultNodeServiceAccount", "serviceAccount:${google_service_account.Cluster_NodeServiceAccount_5891CF5E.email}"],
    ]);
  });

  test("deletion protection in GKE and in Terraform", () => {
    expect(synth).toHaveResourceWithProperties(ContainerCluster, {
      deletion_protection: true,
      lifecycle: { prevent_destroy: true, ignore_changes: ["node_config"] },
    });
  });

  test("system component logs go to Cloud Logging; control-plane and workload logs are opt-in", () => {
    expect(only(json, "google_container_cluster").logging_config).toEqual({ enable_components: ["SYSTEM_COMPONENTS"] });
  });

  test("the default pool is removed, and while it lives it is as locked down as the system pool", () => {
    const c = only(json, "google_container_cluster");
    expect(c.remove_default_node_pool).toBe(true);
    expect(c.initial_node_count).toBe(1);
    expect(c.node_config).toEqual({
      service_account: "${google_service_account.Cluster_NodeServiceAccount_5891CF5E.email}",
      oauth_scopes: ["https://www.googleapis.com/auth/cloud-platform"],
      image_type: "COS_CONTAINERD",
      boot_disk_kms_key: "${google_kms_crypto_key.Cluster_BootDiskKey_34D98438.id}",
      shielded_instance_config: { enable_secure_boot: true, enable_integrity_monitoring: true },
      workload_metadata_config: { mode: "GKE_METADATA" },
      metadata: { "disable-legacy-endpoints": "true" },
    });
  });

  test("the system node pool: autoscaling per zone, GKE metadata server, secure boot, CMEK boot disk, Strata labels", () => {
    const pool = only(json, "google_container_node_pool");
    expect(pool).toMatchObject({
      name: "system",
      cluster: "${google_container_cluster.Cluster_EB0386A7.id}",
      location: "us-central1",
      project: "acme-ml-prod",
      initial_node_count: 1,
      autoscaling: { min_node_count: 1, max_node_count: 3 },
      management: { auto_repair: true, auto_upgrade: true },
      upgrade_settings: { strategy: "SURGE", max_surge: 1, max_unavailable: 0 },
      lifecycle: { ignore_changes: ["initial_node_count"] },
    });
    expect(pool.node_config).toEqual({
      machine_type: "e2-standard-4",
      disk_type: "pd-balanced",
      disk_size_gb: 100,
      image_type: "COS_CONTAINERD",
      service_account: "${google_service_account.Cluster_NodeServiceAccount_5891CF5E.email}",
      oauth_scopes: ["https://www.googleapis.com/auth/cloud-platform"],
      workload_metadata_config: { mode: "GKE_METADATA" },
      shielded_instance_config: { enable_secure_boot: true, enable_integrity_monitoring: true },
      metadata: { "disable-legacy-endpoints": "true" },
      boot_disk_kms_key: "${google_kms_crypto_key.Cluster_BootDiskKey_34D98438.id}",
      labels: { "strata.io/pool": "system", "strata.io/purpose": "system", "strata.io/capacity-type": "on-demand" },
    });
  });

  test("the system pool is registered with totals over the three zones of a regional cluster", () => {
    expect(gke.nodePools).toEqual([
      {
        name: "system",
        purpose: NodePoolPurpose.SYSTEM,
        capacityType: CapacityType.ON_DEMAND,
        labels: { "strata.io/pool": "system", "strata.io/purpose": "system", "strata.io/capacity-type": "on-demand" },
        taints: [],
        minNodes: ONE_ZONE_NODES.min * 3,
        maxNodes: ONE_ZONE_NODES.max * 3,
        instanceTypes: ["e2-standard-4"],
      },
    ]);
  });

  test("a custom-mode network with a flow-logged subnetwork, Private Google Access, and Cloud NAT", () => {
    expect(gke.network).toBeInstanceOf(GcpNetwork);
    expect(synth).toHaveResourceWithProperties(ComputeNetwork, { name: "ml-prod", auto_create_subnetworks: false, project: "acme-ml-prod" });
    expect(synth).toHaveResourceWithProperties(ComputeSubnetwork, {
      name: "ml-prod-nodes",
      region: "us-central1",
      ip_cidr_range: "10.0.0.0/20",
      secondary_ip_range: [
        { range_name: "pods", ip_cidr_range: "10.4.0.0/14" },
        { range_name: "services", ip_cidr_range: "10.8.0.0/20" },
      ],
      private_ip_google_access: true,
      log_config: { aggregation_interval: "INTERVAL_10_MIN", flow_sampling: 0.1, metadata: "INCLUDE_ALL_METADATA" },
    });
    expect(synth).toHaveResourceWithProperties(ComputeRouter, {
      name: "ml-prod-router",
      region: "us-central1",
      network: "${google_compute_network.Cluster_Network_A5E2F637.id}",
    });
    expect(synth).toHaveResourceWithProperties(ComputeRouterNat, {
      name: "ml-prod-nat",
      router: "${google_compute_router.Cluster_Network_Router_691DDA4F.name}",
      nat_ip_allocate_option: "AUTO_ONLY",
      source_subnetwork_ip_ranges_to_nat: "LIST_OF_SUBNETWORKS",
      subnetwork: [{ name: "${google_compute_subnetwork.Cluster_Network_Subnetwork_57682E96.id}", source_ip_ranges_to_nat: ["ALL_IP_RANGES"] }],
      enable_dynamic_port_allocation: true,
      enable_endpoint_independent_mapping: false,
      min_ports_per_vm: 64,
      max_ports_per_vm: 4096,
      log_config: { enable: true, filter: "ERRORS_ONLY" },
    });
  });

  test("resource addresses are stable (renaming one would replace the cloud resource)", () => {
    expect(resourceInventory(json)).toEqual([
      "google_compute_firewall.Cluster_WebhookFirewall_33546D6C",
      "google_compute_network.Cluster_Network_A5E2F637",
      "google_compute_router.Cluster_Network_Router_691DDA4F",
      "google_compute_router_nat.Cluster_Network_Nat_B5A7E1B8",
      "google_compute_subnetwork.Cluster_Network_Subnetwork_57682E96",
      "google_container_cluster.Cluster_EB0386A7",
      "google_container_node_pool.Cluster_SystemNodePool_68135A24",
      "google_kms_crypto_key.Cluster_BootDiskKey_34D98438",
      "google_kms_crypto_key.Cluster_SecretsKey_0735A163",
      "google_kms_crypto_key_iam_member.Cluster_BootDiskKeyComputeAgent_E41FDAD2",
      "google_kms_crypto_key_iam_member.Cluster_SecretsKeyGkeAgent_69AEC5C3",
      "google_kms_key_ring.Cluster_KeyRing_26F0C7F0",
      "google_project_iam_member.Cluster_NodeRoleArtifactRegistryReader_B933BACA",
      "google_project_iam_member.Cluster_NodeRoleDefaultNodeServiceAccount_F97BDF07",
      "google_service_account.Cluster_NodeServiceAccount_5891CF5E",
    ]);
  });
});

describe("GkeCluster: options", () => {
  let gke: GkeCluster;
  let synth: string;
  let json: SynthJson;

  beforeAll(() => {
    const stack = gcpStack(Testing.app(), "infra");
    gke = new GkeCluster(stack, "Cluster", {
      ...BASE,
      clusterName: "ml-dev",
      location: "europe-west4-b",
      releaseChannel: GkeReleaseChannel.STABLE,
      publicEndpoint: true,
      masterAuthorizedCidrs: ["203.0.113.0/24", "198.51.100.7/32"],
      privateEndpointGlobalAccess: true,
      webhookPorts: [8443, 9443, 15017],
      masterIpv4CidrBlock: "192.168.100.16/28",
      nodesCidr: "10.10.0.0/22",
      podsCidr: "10.16.0.0/16",
      servicesCidr: "10.17.0.0/22",
      systemMachineType: "n2-standard-8",
      systemMinNodes: 2,
      systemMaxNodes: 5,
      systemDiskSizeGiB: 200,
      keyRingName: "ml-dev-gke-2",
      deletionProtection: false,
    });
    synth = Testing.synth(stack);
    json = JSON.parse(synth);
  });

  test("a zone makes a zonal cluster; the network and keys go in the zone's region", () => {
    expect(gke.region).toBe("europe-west4");
    expect(synth).toHaveResourceWithProperties(ContainerCluster, { location: "europe-west4-b" });
    expect(synth).toHaveResourceWithProperties(ContainerNodePool, { location: "europe-west4-b" });
    expect(synth).toHaveResourceWithProperties(ComputeSubnetwork, { region: "europe-west4" });
    expect(synth).toHaveResourceWithProperties(ComputeRouterNat, { region: "europe-west4" });
    expect(synth).toHaveResourceWithProperties(KmsKeyRing, { name: "ml-dev-gke-2", location: "europe-west4" });
    expect(gke.nodePools[0]).toMatchObject({ minNodes: 2, maxNodes: 5, instanceTypes: ["n2-standard-8"] });
  });

  test("publicEndpoint gives a public endpoint reachable only from the authorized CIDRs; global access to the private one", () => {
    expect(gke.privateEndpointOnly).toBe(false);
    const c = only(json, "google_container_cluster");
    expect(c.private_cluster_config).toEqual({
      enable_private_nodes: true,
      enable_private_endpoint: false,
      master_ipv4_cidr_block: "192.168.100.16/28",
      master_global_access_config: { enabled: true },
    });
    expect(c.master_authorized_networks_config).toEqual({
      gcp_public_cidrs_access_enabled: false,
      private_endpoint_enforcement_enabled: true,
      cidr_blocks: [
        { cidr_block: "203.0.113.0/24", display_name: "strata-authorized-0" },
        { cidr_block: "198.51.100.7/32", display_name: "strata-authorized-1" },
      ],
    });
  });

  test("webhookPorts replaces the ports the control plane may open on the nodes, from its own range", () => {
    expect(only(json, "google_compute_firewall")).toMatchObject({
      name: "ml-dev-europe-west4-b-webhooks",
      source_ranges: ["192.168.100.16/28"],
      allow: [{ protocol: "tcp", ports: ["8443", "9443", "15017"] }],
    });
  });

  test("release channel, CIDRs and system pool sizing are applied", () => {
    expect(synth).toHaveResourceWithProperties(ContainerCluster, { release_channel: { channel: "STABLE" } });
    expect(synth).toHaveResourceWithProperties(ComputeSubnetwork, {
      ip_cidr_range: "10.10.0.0/22",
      secondary_ip_range: [
        { range_name: "pods", ip_cidr_range: "10.16.0.0/16" },
        { range_name: "services", ip_cidr_range: "10.17.0.0/22" },
      ],
    });
    const pool = only(json, "google_container_node_pool");
    expect(pool.autoscaling).toEqual({ min_node_count: 2, max_node_count: 5 });
    expect(pool.initial_node_count).toBe(2);
    expect(pool.node_config).toMatchObject({ machine_type: "n2-standard-8", disk_size_gb: 200 });
  });

  test("the default system pool maximum grows with the system workloads constructs register (per zone, read at synth)", () => {
    const app = new App();
    const stack = new TerraformStack(app, "infra");
    new GcsBackend(stack, { bucket: "state", prefix: "infra" });
    new GoogleProvider(stack, "google", { project: "acme-ml-prod", region: "us-central1" });
    const cluster = new GkeCluster(stack, "Cluster", BASE);
    const max = () => (Object.values(JSON.parse(Testing.synth(stack)).resource.google_container_node_pool) as any[])[0].autoscaling.max_node_count;
    expect(max()).toBe(3);
    // 40 pods of 1 vCPU, 2 GiB: 11 e2-standard-4 nodes (about 3.7 vCPU allocatable each) and a spare,
    // over three zones.
    cluster.addSystemWorkload({ name: "big-platform", cpuMillis: 1000, memoryMiB: 2048, replicas: 40 });
    expect(max()).toBe(4);
    expect(cluster.nodePools.find((p) => p.name === "system")?.maxNodes).toBe(12);
  });

  test("deletionProtection: false lifts GKE and Terraform protection from the cluster and keys", () => {
    const c = only(json, "google_container_cluster");
    expect(c.deletion_protection).toBe(false);
    expect(c.lifecycle).toEqual({ prevent_destroy: false, ignore_changes: ["node_config"] });
    for (const key of Object.values(json.resource!.google_kms_crypto_key)) {
      expect((key as any).lifecycle).toEqual({ prevent_destroy: false });
    }
    expect(only(json, "google_kms_key_ring").lifecycle).toEqual({ prevent_destroy: false });
  });
});

describe("GkeCluster: bring your own network", () => {
  let synth: string;
  let gke: GkeCluster;

  beforeAll(() => {
    const stack = gcpStack(Testing.app(), "infra");
    gke = new GkeCluster(stack, "Cluster", {
      ...BASE,
      network: "projects/acme-net/global/networks/shared",
      subnetwork: "projects/acme-net/regions/us-central1/subnetworks/ml",
      podsRangeName: "ml-pods",
      servicesRangeName: "ml-services",
    });
    synth = Testing.synth(stack);
  });

  test("creates no network, router or NAT", () => {
    expect(gke.network).toBeUndefined();
    expect(synth).not.toHaveResource(ComputeNetwork);
    expect(synth).not.toHaveResource(ComputeSubnetwork);
    expect(synth).not.toHaveResource(ComputeRouter);
    expect(synth).not.toHaveResource(ComputeRouterNat);
  });

  test("runs in the given subnetwork and secondary ranges", () => {
    expect(synth).toHaveResourceWithProperties(ContainerCluster, {
      network: "projects/acme-net/global/networks/shared",
      subnetwork: "projects/acme-net/regions/us-central1/subnetworks/ml",
      networking_mode: "VPC_NATIVE",
      ip_allocation_policy: { cluster_secondary_range_name: "ml-pods", services_secondary_range_name: "ml-services" },
      private_cluster_config: {
        enable_private_nodes: true,
        enable_private_endpoint: true,
        master_ipv4_cidr_block: "172.16.0.0/28",
        master_global_access_config: { enabled: false },
      },
    });
  });

  test("the webhook firewall rule goes on the given network, in the project its path names (a Shared VPC host)", () => {
    expect(synth).toHaveResourceWithProperties(ComputeFirewall, {
      name: "ml-prod-us-central1-webhooks",
      project: "acme-net",
      network: "projects/acme-net/global/networks/shared",
      source_ranges: ["172.16.0.0/28"],
      target_service_accounts: ["${google_service_account.Cluster_NodeServiceAccount_5891CF5E.email}"],
      allow: [{ protocol: "tcp", ports: ["8443", "9443"] }],
    });
  });

  test("a network given by name is in the cluster's project; an empty webhookPorts creates no rule", () => {
    const byName = gcpStack(Testing.app(), "infra");
    const existing = { network: "shared", subnetwork: "ml", podsRangeName: "pods", servicesRangeName: "services" };
    new GkeCluster(byName, "Cluster", { ...BASE, ...existing });
    expect(Testing.synth(byName)).toHaveResourceWithProperties(ComputeFirewall, { project: "acme-ml-prod", network: "shared" });

    const none = gcpStack(Testing.app(), "infra");
    const gkeWithout = new GkeCluster(none, "Cluster", { ...BASE, ...existing, webhookPorts: [] });
    expect(gkeWithout.webhookFirewall).toBeUndefined();
    expect(Testing.synth(none)).not.toHaveResource(ComputeFirewall);
  });
});

describe("GkeCluster: authorized networks on a private-only endpoint", () => {
  test("internal CIDRs (a VPN, an interconnect) may reach the private endpoint; the endpoint stays private", () => {
    const stack = gcpStack(Testing.app(), "infra");
    const gke = new GkeCluster(stack, "Cluster", { ...BASE, masterAuthorizedCidrs: ["10.200.0.0/16", "192.168.50.0/24", "100.64.0.0/20"] });
    expect(gke.privateEndpointOnly).toBe(true);
    const c = only(JSON.parse(Testing.synth(stack)), "google_container_cluster");
    expect(c.private_cluster_config.enable_private_endpoint).toBe(true);
    expect(c.master_authorized_networks_config).toEqual({
      gcp_public_cidrs_access_enabled: false,
      private_endpoint_enforcement_enabled: true,
      cidr_blocks: [
        { cidr_block: "10.200.0.0/16", display_name: "strata-authorized-0" },
        { cidr_block: "192.168.50.0/24", display_name: "strata-authorized-1" },
        { cidr_block: "100.64.0.0/20", display_name: "strata-authorized-2" },
      ],
    });
  });

  test("privateEndpointGlobalAccess opens the private endpoint to every region of the network", () => {
    const stack = gcpStack(Testing.app(), "infra");
    new GkeCluster(stack, "Cluster", { ...BASE, privateEndpointGlobalAccess: true });
    expect(only(JSON.parse(Testing.synth(stack)), "google_container_cluster").private_cluster_config).toMatchObject({
      enable_private_endpoint: true,
      master_global_access_config: { enabled: true },
    });
  });
});

describe("GkeCluster: workload identity", () => {
  let gke: GkeCluster;
  let identity: GkeWorkloadIdentity;
  let synth: string;
  let json: SynthJson;
  const EMAIL = "${google_service_account.Cluster_Trainer_ServiceAccount_2392F44A.email}";

  beforeAll(() => {
    const stack = gcpStack(Testing.app(), "infra");
    gke = new GkeCluster(stack, "Cluster", BASE);
    identity = gke.addWorkloadIdentity("Trainer", { namespace: "training", serviceAccountName: "trainer" }) as GkeWorkloadIdentity;
    gke.addWorkloadIdentity("Long", { namespace: "feature-store-online", serviceAccountName: "materialization.worker" });
    new TerraformLocal(stack, "email", identity.gcpServiceAccountEmail);
    new TerraformLocal(stack, "annotations", identity.serviceAccountAnnotations);
    synth = Testing.synth(stack);
    json = JSON.parse(synth);
  });

  test("is a Google service account identity for the Kubernetes service account", () => {
    expect(identity).toBeInstanceOf(GkeWorkloadIdentity);
    expect(identity.kind).toBe(WorkloadIdentityKind.GCP_SERVICE_ACCOUNT);
    expect(identity.namespace).toBe("training");
    expect(identity.serviceAccountName).toBe("trainer");
    expect((json.locals as any).email).toBe(EMAIL);
    const contract: IWorkloadIdentity = identity;
    expect(contract.awsRoleArn).toBeUndefined();
    expect(contract.credentialsSecretName).toBeUndefined();
  });

  test("creates the Google service account and the workloadIdentityUser binding, after the cluster", () => {
    expect(synth).toHaveResourceWithProperties(ServiceAccount, {
      account_id: "ml-prod-training-trainer",
      project: "acme-ml-prod",
      display_name: "training/trainer on ml-prod",
    });
    expect(synth).toHaveResourceWithProperties(ServiceAccountIamMember, {
      service_account_id: "${google_service_account.Cluster_Trainer_ServiceAccount_2392F44A.name}",
      role: "roles/iam.workloadIdentityUser",
      member: "serviceAccount:acme-ml-prod.svc.id.goog[training/trainer]",
      depends_on: ["google_container_cluster.Cluster_EB0386A7"],
    });
  });

  test("the Kubernetes service account is annotated with the Google service account email", () => {
    expect((json.locals as any).annotations).toEqual({ "iam.gke.io/gcp-service-account": EMAIL });
  });

  test("long names give a hashed account ID of exactly 30 characters", () => {
    const ids = Object.values(json.resource!.google_service_account).map((sa: any) => sa.account_id as string);
    const long = ids.find((id) => id.startsWith("ml-prod-feature"))!;
    expect(long).toMatch(/^[a-z][-a-z0-9]{4,28}[a-z0-9]$/);
    expect(long).toHaveLength(30);
    expect(long).toMatch(/-[0-9a-f]{8}$/);
    expect(ids).toContain("ml-prod-nodes");
  });

  test("dots become dashes, and IDs under 6 characters get a suffix", () => {
    const stack = gcpStack(Testing.app(), "infra");
    const short = new GkeCluster(stack, "Cluster", { ...BASE, clusterName: "a" });
    short.addWorkloadIdentity("Short", { namespace: "b", serviceAccountName: "c" });
    short.addWorkloadIdentity("Dotted", { namespace: "ns", serviceAccountName: "x.y" });
    const ids = Object.values(JSON.parse(Testing.synth(stack)).resource.google_service_account).map((sa: any) => sa.account_id);
    expect(ids.sort()).toEqual(["a-b-c-wi", "a-nodes", "a-ns-x-y"]);
  });
});

describe("GkeCluster: connecting later stacks", () => {
  function setup(
    authentication: ClusterAuthentication,
    options: { publicEndpoint?: boolean; authorized?: string[]; dnsEndpoint?: boolean } = {},
  ) {
    const app = Testing.app();
    const infra = gcpStack(app, "infra");
    const gke = new GkeCluster(infra, "Cluster", {
      ...BASE,
      publicEndpoint: options.publicEndpoint,
      masterAuthorizedCidrs: options.authorized,
      // The DNS-based endpoint is opt-in: these tests turn it on unless they say otherwise.
      dnsEndpoint: options.dnsEndpoint ?? true,
    });
    const trainer = gke.addWorkloadIdentity("Trainer", { namespace: "training", serviceAccountName: "trainer" });
    const platform = gcpStack(app, "platform");
    const conn = gke.connect(platform, "Ml", { authentication });
    conn.addServiceAccount(trainer);
    prepareApp(app);
    const platformSynth = Testing.synth(platform);
    return {
      gke,
      infraJson: JSON.parse(Testing.synth(infra)) as SynthJson,
      platformSynth,
      platformJson: JSON.parse(platformSynth) as SynthJson,
    };
  }

  const REMOTE = "data.terraform_remote_state.cross-stack-reference-input-infra.outputs";
  const DNS_HOST = `https://\${${REMOTE}.cross-stack-output-google_container_clusterCluster_EB0386A7control_plane_endpoints_config0dns_endpoint_config0endpoint}`;
  const PRIVATE_HOST = `https://\${${REMOTE}.cross-stack-output-google_container_clusterCluster_EB0386A7private_cluster_config0private_endpoint}`;
  const CA = `\${base64decode(${REMOTE}.cross-stack-output-google_container_clusterCluster_EB0386A7master_auth0cluster_ca_certificate)}`;
  const EXEC = { api_version: "client.authentication.k8s.io/v1beta1", command: "gke-gcloud-auth-plugin", args: [] };

  test("by default the DNS-based endpoint is closed and later stacks use the private IP endpoint with the cluster CA", () => {
    const app = Testing.app();
    const infra = gcpStack(app, "infra");
    const gke = new GkeCluster(infra, "Cluster", BASE);
    const platform = gcpStack(app, "platform");
    gke.connect(platform, "Ml");
    prepareApp(app);
    expect(gke.dnsEndpoint).toBe(false);
    const cluster = (Object.values((JSON.parse(Testing.synth(infra)) as SynthJson).resource!.google_container_cluster) as any[])[0];
    expect(cluster.control_plane_endpoints_config).toEqual({ dns_endpoint_config: { allow_external_traffic: false } });
    const provider = (JSON.parse(Testing.synth(platform)) as SynthJson).provider!.kubernetes[0];
    expect(provider.host).toBe(PRIVATE_HOST);
    expect(provider.cluster_ca_certificate).toBe(CA);
  });

  describe("DNS-based endpoint, exec plugin (the default authentication)", () => {
    let result: ReturnType<typeof setup>;
    beforeAll(() => {
      result = setup(ClusterAuthentication.EXEC_PLUGIN);
    });

    test("the DNS-based endpoint accepts traffic from outside Google Cloud; the IP endpoint stays private", () => {
      expect(result.gke.dnsEndpoint).toBe(true);
      expect(result.gke.privateEndpointOnly).toBe(true);
      const c = only(result.infraJson, "google_container_cluster");
      expect(c.control_plane_endpoints_config).toEqual({ dns_endpoint_config: { allow_external_traffic: true } });
      expect(c.private_cluster_config.enable_private_endpoint).toBe(true);
    });

    test("the infra stack exports the DNS endpoint, and no CA", () => {
      const outputs = Object.values(result.infraJson.output ?? {}).map((o: any) => o.value);
      expect(outputs).toContain("${google_container_cluster.Cluster_EB0386A7.control_plane_endpoints_config[0].dns_endpoint_config[0].endpoint}");
      expect(outputs.filter((v) => /private_endpoint|master_auth|\.endpoint}$/.test(v) && !v.includes("dns_endpoint_config"))).toEqual([]);
    });

    test("kubernetes and helm providers reach the DNS endpoint over https through gke-gcloud-auth-plugin, trusting the system roots", () => {
      expect(result.platformSynth).toHaveProviderWithProperties(KubernetesProvider, { host: DNS_HOST, exec: [EXEC] });
      expect(result.platformSynth).toHaveProviderWithProperties(HelmProvider, { kubernetes: { host: DNS_HOST, exec: EXEC } });
      // The DNS endpoint's certificate is publicly trusted, not issued by the cluster CA: giving the CA would fail TLS.
      expect(result.platformJson.provider!.kubernetes[0].cluster_ca_certificate).toBeUndefined();
      expect(result.platformJson.provider!.helm[0].kubernetes.cluster_ca_certificate).toBeUndefined();
      expect(result.platformSynth).not.toHaveDataSource(DataGoogleClientConfig);
    });

    test("the service account annotation is a cross-stack reference to the Google service account", () => {
      expect(result.platformSynth).toHaveResourceWithProperties(ServiceAccountV1, {
        metadata: expect.objectContaining({
          name: "trainer",
          namespace: "training",
          annotations: {
            "iam.gke.io/gcp-service-account": `\${${REMOTE}.cross-stack-output-google_service_accountCluster_Trainer_ServiceAccount_2392F44Aemail}`,
          },
        }),
      });
    });
  });

  test("data-source token on the DNS endpoint: google_client_config in the later stack, no CA", () => {
    const { platformSynth, platformJson } = setup(ClusterAuthentication.DATA_SOURCE_TOKEN);
    expect(platformSynth).toHaveDataSource(DataGoogleClientConfig);
    const token = "${data.google_client_config.Ml_GoogleClientConfig_B9C61163.access_token}";
    expect(platformSynth).toHaveProviderWithProperties(KubernetesProvider, { host: DNS_HOST, token });
    expect(platformSynth).toHaveProviderWithProperties(HelmProvider, { kubernetes: { host: DNS_HOST, token } });
    expect(platformJson.provider!.kubernetes[0].cluster_ca_certificate).toBeUndefined();
  });

  describe("dnsEndpoint: false", () => {
    test("closes the DNS endpoint to outside traffic (written out, so a console change is reverted)", () => {
      const { gke, infraJson } = setup(ClusterAuthentication.EXEC_PLUGIN, { dnsEndpoint: false });
      expect(gke.dnsEndpoint).toBe(false);
      expect(only(infraJson, "google_container_cluster").control_plane_endpoints_config).toEqual({
        dns_endpoint_config: { allow_external_traffic: false },
      });
    });

    test("the infra stack exports the private endpoint and CA", () => {
      const { infraJson } = setup(ClusterAuthentication.EXEC_PLUGIN, { dnsEndpoint: false });
      const outputs = Object.values(infraJson.output ?? {}).map((o: any) => o.value);
      expect(outputs).toEqual(
        expect.arrayContaining([
          "${google_container_cluster.Cluster_EB0386A7.private_cluster_config[0].private_endpoint}",
          "${google_container_cluster.Cluster_EB0386A7.master_auth[0].cluster_ca_certificate}",
        ]),
      );
    });

    test("kubernetes and helm providers reach the private endpoint through gke-gcloud-auth-plugin, with the cluster CA", () => {
      const { platformSynth } = setup(ClusterAuthentication.EXEC_PLUGIN, { dnsEndpoint: false });
      expect(platformSynth).toHaveProviderWithProperties(KubernetesProvider, { host: PRIVATE_HOST, cluster_ca_certificate: CA, exec: [EXEC] });
      expect(platformSynth).toHaveProviderWithProperties(HelmProvider, {
        kubernetes: { host: PRIVATE_HOST, cluster_ca_certificate: CA, exec: EXEC },
      });
    });

    test("data-source token on the private endpoint", () => {
      const { platformSynth } = setup(ClusterAuthentication.DATA_SOURCE_TOKEN, { dnsEndpoint: false });
      const token = "${data.google_client_config.Ml_GoogleClientConfig_B9C61163.access_token}";
      expect(platformSynth).toHaveProviderWithProperties(KubernetesProvider, { host: PRIVATE_HOST, cluster_ca_certificate: CA, token });
      expect(platformSynth).toHaveProviderWithProperties(HelmProvider, {
        kubernetes: { host: PRIVATE_HOST, cluster_ca_certificate: CA, token },
      });
    });

    test("a public endpoint is reached at the cluster's endpoint", () => {
      const { platformJson } = setup(ClusterAuthentication.EXEC_PLUGIN, { publicEndpoint: true, authorized: ["203.0.113.0/24"], dnsEndpoint: false });
      expect(platformJson.provider!.kubernetes[0].host).toBe(
        `https://\${${REMOTE}.cross-stack-output-google_container_clusterCluster_EB0386A7endpoint}`,
      );
      expect(platformJson.provider!.kubernetes[0].cluster_ca_certificate).toBe(CA);
    });

    test("authorized CIDRs without publicEndpoint keep later stacks on the private endpoint", () => {
      const { platformJson } = setup(ClusterAuthentication.EXEC_PLUGIN, { authorized: ["10.200.0.0/16"], dnsEndpoint: false });
      expect(platformJson.provider!.kubernetes[0].host).toBe(PRIVATE_HOST);
    });
  });

  test("authorized CIDRs do not move later stacks off the DNS endpoint", () => {
    const { platformJson } = setup(ClusterAuthentication.EXEC_PLUGIN, { authorized: ["10.200.0.0/16"] });
    expect(platformJson.provider!.kubernetes[0].host).toBe(DNS_HOST);
  });

  test("a public IP endpoint beside the DNS endpoint: later stacks still use the DNS endpoint, and a warning says the public one is unused", () => {
    const app = Testing.app();
    const infra = gcpStack(app, "infra");
    new GkeCluster(infra, "Cluster", { ...BASE, publicEndpoint: true, masterAuthorizedCidrs: ["203.0.113.0/24"], dnsEndpoint: true });
    const json = JSON.parse(Testing.synth(infra)) as SynthJson;
    expect(only(json, "google_container_cluster").control_plane_endpoints_config.dns_endpoint_config.allow_external_traffic).toBe(true);
    expect(annotationsOf(infra)).toEqual([
      "infra/Cluster: publicEndpoint true: adds a public IP endpoint that later stacks do not use: they connect through the DNS-based endpoint " +
        "(dnsEndpoint), which reaches runners outside the network without one. Remove publicEndpoint, or set dnsEndpoint: false to connect through the public IP endpoint",
    ]);
    const quiet = gcpStack(Testing.app(), "infra");
    new GkeCluster(quiet, "Cluster", { ...BASE, publicEndpoint: true, masterAuthorizedCidrs: ["203.0.113.0/24"] });
    expect(annotationsOf(quiet)).toEqual([]);
  });

  test("data-source token without a Google provider in the later stack is an error", () => {
    const app = Testing.app();
    const gke = new GkeCluster(gcpStack(app, "infra"), "Cluster", BASE);
    const platform = gcpStack(app, "platform", false);
    expect(() => gke.connect(platform, "Ml", { authentication: ClusterAuthentication.DATA_SOURCE_TOKEN })).toThrow(
      'platform/Ml: invalid authentication "data-source-token": DATA_SOURCE_TOKEN needs a Google provider in stack "platform" to read google_client_config; add one or use EXEC_PLUGIN',
    );
  });

  test("connecting from the cluster's own stack is an error", () => {
    const stack = gcpStack(Testing.app(), "infra");
    const gke = new GkeCluster(stack, "Cluster", BASE);
    expect(() => gke.connect(stack, "Ml")).toThrow(/infra\/Ml: invalid cluster "infra\/Cluster": must be created in an earlier stack/);
  });
});

describe("GkeCluster: tokens", () => {
  test("project and location may be Terraform variables", () => {
    const stack = gcpStack(Testing.app(), "infra");
    const project = new TerraformVariable(stack, "project", { type: "string" });
    const location = new TerraformVariable(stack, "location", { type: "string" });
    const gke = new GkeCluster(stack, "Cluster", { clusterName: "ml", project: project.stringValue, location: location.stringValue });
    const synth = Testing.synth(stack);
    expect(synth).toHaveResourceWithProperties(ContainerCluster, {
      project: "${var.project}",
      location: "${var.location}",
      workload_identity_config: { workload_pool: "${var.project}.svc.id.goog" },
    });
    expect(synth).toHaveResourceWithProperties(KmsKeyRing, { location: '${regex("^[a-z]+-[a-z]+[0-9]+", var.location)}' });
    expect(gke.nodePools[0]).toMatchObject({ minNodes: 1, maxNodes: 3 });
  });

  test("authorized CIDRs may be tokens; publicEndpoint and dnsEndpoint, which pick the endpoint later stacks use, may not", () => {
    const stack = gcpStack(Testing.app(), "infra");
    const vpn = new TerraformVariable(stack, "vpn", { type: "string" });
    new GkeCluster(stack, "Cluster", { ...BASE, masterAuthorizedCidrs: [vpn.stringValue] });
    expect(Testing.synth(stack)).toHaveResourceWithProperties(ContainerCluster, {
      master_authorized_networks_config: {
        gcp_public_cidrs_access_enabled: false,
        private_endpoint_enforcement_enabled: true,
        cidr_blocks: [{ cidr_block: "${var.vpn}", display_name: "strata-authorized-0" }],
      },
    });
    const other = gcpStack(Testing.app(), "infra");
    const open = new TerraformVariable(other, "open", { type: "bool" });
    expect(() => new GkeCluster(other, "Cluster", { ...BASE, publicEndpoint: open.booleanValue as any, masterAuthorizedCidrs: ["203.0.113.0/24"] })).toThrow(
      "infra/Cluster: invalid publicEndpoint",
    );
    expect(() => new GkeCluster(other, "Cluster2", { ...BASE, clusterName: "ml-dev", dnsEndpoint: open.booleanValue as any })).toThrow(
      /^infra\/Cluster2: invalid dnsEndpoint .*: must be true or false written in code, not a token: it decides which endpoint later stacks connect to$/,
    );
  });
});

describe("GkeCluster: rejected input", () => {
  const cases: [string, Partial<GkeClusterProps>, string][] = [
    [
      "cluster name with uppercase and underscore",
      { clusterName: "ML_Prod" },
      `infra/Cluster: invalid clusterName "ML_Prod": must contain only lowercase letters, digits and '-', start with a letter and end with a letter or digit`,
    ],
    ["cluster name over 40 characters", { clusterName: "a".repeat(41) }, `invalid clusterName "${"a".repeat(41)}": must be 1 to 40 characters long (got 41)`],
    ["project ID too short", { project: "acme" }, `infra/Cluster: invalid project "acme": must be a Google Cloud project ID: 6 to 30 lowercase letters`],
    [
      "project display name instead of its ID",
      { project: "Acme ML Prod" },
      `infra/Cluster: invalid project "Acme ML Prod": looks like a project name (the display name), not its ID; must be a Google Cloud project ID`,
    ],
    ["project ID with uppercase", { project: "Acme-ML-Prod" }, `invalid project "Acme-ML-Prod": looks like a project name (the display name), not its ID; must be a Google Cloud project ID`],
    ["project ID starting with a digit", { project: "1acme-ml" }, `infra/Cluster: invalid project "1acme-ml": must be a Google Cloud project ID: 6 to 30`],
    ["project ID over 30 characters", { project: "a".repeat(31) }, `invalid project "${"a".repeat(31)}": must be a Google Cloud project ID`],
    [
      "a well-formed but unknown region",
      { location: "us-central9" },
      `infra/Cluster: invalid location "us-central9": is not a Google Cloud region Strata knows (its list is dated 2025-11-01 and may be out of date); check the spelling, or if Google has opened this region since, accept it with the app context key "strata:extraGcpRegions": ["us-central9"]`,
    ],
    ["a zone of an unknown region", { location: "europe-west99-b" }, `invalid location "europe-west99-b": is in the region "europe-west99", which is not a Google Cloud region Strata knows`],
    ["a release channel in the wrong case", { releaseChannel: "regular" as any }, `infra/Cluster: invalid releaseChannel "regular": must be one of GkeReleaseChannel.RAPID ("RAPID"), GkeReleaseChannel.REGULAR ("REGULAR"), GkeReleaseChannel.STABLE ("STABLE") (values are case-sensitive)`],
    ["a release channel that does not exist", { releaseChannel: "EXTENDED" as any }, `invalid releaseChannel "EXTENDED": must be one of GkeReleaseChannel.RAPID ("RAPID"), GkeReleaseChannel.REGULAR ("REGULAR"), GkeReleaseChannel.STABLE ("STABLE")`],
    ["a malformed system machine type", { systemMachineType: "e2standard4" }, `infra/Cluster: invalid systemMachineType "e2standard4": must be a Compute Engine machine type such as n2-standard-8 or g2-standard-8 (series, kind, size)`],
    [
      "a single CIDR string where a list belongs",
      { masterAuthorizedCidrs: "10.0.0.0/8" as any },
      `infra/Cluster: invalid masterAuthorizedCidrs "10.0.0.0/8": must be a list such as ["10.200.0.0/16"], not a string`,
    ],
    ["a single webhook port where a list belongs", { webhookPorts: 9443 as any }, `infra/Cluster: invalid webhookPorts 9443: must be a list such as [8443, 9443], not a number`],
    [
      "an authorized CIDR listed twice",
      { masterAuthorizedCidrs: ["10.200.0.0/16", "10.201.0.0/16", "10.200.0.0/16"] },
      `infra/Cluster: invalid masterAuthorizedCidrs[2] "10.200.0.0/16": is a duplicate of masterAuthorizedCidrs[0]; list each CIDR once`,
    ],
    [
      "more authorized CIDRs than GKE accepts with a public endpoint",
      { publicEndpoint: true, masterAuthorizedCidrs: Array.from({ length: 51 }, (_, i) => `203.0.${i}.0/24`) },
      `infra/Cluster: invalid masterAuthorizedCidrs "51 CIDRs": GKE accepts at most 50 authorized networks with a public endpoint; summarise ranges`,
    ],
    [
      "more authorized CIDRs than GKE accepts on a private endpoint",
      { masterAuthorizedCidrs: Array.from({ length: 101 }, (_, i) => `10.${100 + i}.0.0/16`) },
      `invalid masterAuthorizedCidrs "101 CIDRs": GKE accepts at most 100 authorized networks on a private-only endpoint`,
    ],
    ["dnsEndpoint as a string", { dnsEndpoint: "false" as any }, `infra/Cluster: invalid dnsEndpoint "false": must be true or false, not a string`],
    [
      "publicEndpoint as a string",
      { publicEndpoint: "false" as any, masterAuthorizedCidrs: ["10.200.0.0/16"] },
      `infra/Cluster: invalid publicEndpoint "false": must be true or false, not a string`,
    ],
    ["privateEndpointGlobalAccess as a number", { privateEndpointGlobalAccess: 1 as any }, `infra/Cluster: invalid privateEndpointGlobalAccess 1: must be true or false, not a number`],
    ["deletionProtection as a string", { deletionProtection: "false" as any }, `infra/Cluster: invalid deletionProtection "false": must be true or false, not a string`],
    ["logging components as a single string", { loggingComponents: "WORKLOADS" as any }, `infra/Cluster: invalid loggingComponents "WORKLOADS": must be a list such as ["SYSTEM_COMPONENTS"], not a string`],
    ["a logging component in the wrong case", { loggingComponents: ["SYSTEM_COMPONENTS", "workloads" as any] }, `infra/Cluster: invalid loggingComponents[1] "workloads": must be one of GkeLoggingComponent.SYSTEM_COMPONENTS ("SYSTEM_COMPONENTS"), GkeLoggingComponent.APISERVER ("APISERVER")`],
    [
      "logging components without SYSTEM_COMPONENTS",
      { loggingComponents: [GkeLoggingComponent.WORKLOADS] },
      `infra/Cluster: invalid loggingComponents ["WORKLOADS"]: must include SYSTEM_COMPONENTS, which GKE requires`,
    ],
    ["a logging component twice", { loggingComponents: [GkeLoggingComponent.SYSTEM_COMPONENTS, GkeLoggingComponent.SYSTEM_COMPONENTS] }, `invalid loggingComponents[1] "SYSTEM_COMPONENTS": is a duplicate of loggingComponents[0]; list each component once`],
    ["NAT ports that are not a power of two", { natMinPortsPerVm: 100 }, `infra/Cluster/Network: invalid natMinPortsPerVm 100: must be a power of two from 32 to 32768 (Cloud NAT with dynamic port allocation)`],
    ["NAT minimum above the maximum", { natMinPortsPerVm: 8192, natMaxPortsPerVm: 4096 }, `infra/Cluster/Network: invalid natMinPortsPerVm 8192: must be less than or equal to natMaxPortsPerVm (4096)`],
    ["NAT maximum too large", { natMaxPortsPerVm: 131072 }, `invalid natMaxPortsPerVm 131072: must be a power of two from 64 to 65536`],
    ["flow log sampling of 0", { flowLogSampling: 0 }, `infra/Cluster/Network: invalid flowLogSampling 0: must be a number greater than 0 and at most 1 (the share of flows logged); set flowLogs: false to turn flow logs off`],
    ["flow log sampling above 1", { flowLogSampling: 1.5 }, `invalid flowLogSampling 1.5: must be a number greater than 0 and at most 1`],
    ["flow log sampling as a percentage string", { flowLogSampling: "10%" as any }, `invalid flowLogSampling "10%": must be a number greater than 0 and at most 1`],
    ["flow log settings with flow logs off", { flowLogs: false, flowLogSampling: 0.5 }, `infra/Cluster/Network: invalid flowLogSampling 0.5: only applies with flowLogs: true`],
    ["a flow log interval in the wrong case", { flowLogAggregationInterval: "interval_5_sec" as any }, `invalid flowLogAggregationInterval "interval_5_sec": must be one of FlowLogAggregationInterval.INTERVAL_5_SEC ("INTERVAL_5_SEC")`],
    [
      "NAT settings with an existing network",
      { network: "shared", subnetwork: "ml", podsRangeName: "p", servicesRangeName: "s", natMinPortsPerVm: 128 },
      `infra/Cluster: invalid natMinPortsPerVm 128: only configures a network the cluster creates`,
    ],
    ["project ID ending with a dash", { project: "acme-ml-prod-" }, `invalid project "acme-ml-prod-"`],
    [
      "location that is neither a region nor a zone",
      { location: "us-central" },
      `infra/Cluster: invalid location "us-central": must be a region such as "us-central1" (regional) or a zone such as "us-central1-a" (zonal)`,
    ],
    ["location with a multi-letter zone suffix", { location: "us-central1-ab" }, `invalid location "us-central1-ab"`],
    [
      "Pod range overlapping the node range",
      { nodesCidr: "10.0.0.0/16", podsCidr: "10.0.128.0/17" },
      `infra/Cluster/Network: invalid podsCidr "10.0.128.0/17": must not overlap nodesCidr (10.0.0.0/16); nodes, Pods and Services need disjoint ranges`,
    ],
    ["Service range overlapping the Pod range", { servicesCidr: "10.5.0.0/20" }, `invalid servicesCidr "10.5.0.0/20": must not overlap podsCidr (10.4.0.0/14)`],
    ["control-plane range inside the Pod range", { masterIpv4CidrBlock: "10.5.0.16/28" }, `invalid masterIpv4CidrBlock "10.5.0.16/28": must not overlap podsCidr (10.4.0.0/14)`],
    [
      "control-plane range overlapping the node range",
      { masterIpv4CidrBlock: "10.0.1.0/28" },
      `infra/Cluster: invalid masterIpv4CidrBlock "10.0.1.0/28": must not overlap nodesCidr (10.0.0.0/20); the control plane needs its own range`,
    ],
    ["node CIDR with host bits set", { nodesCidr: "10.0.0.1/20" }, `infra/Cluster/Network: invalid nodesCidr "10.0.0.1/20": must be an IPv4 CIDR block such as 10.0.0.0/16, with no host bits set`],
    ["Pod range smaller than /24", { podsCidr: "10.4.0.0/25" }, `invalid podsCidr "10.4.0.0/25": must have a prefix length from /9 to /24`],
    ["Service range larger than /16", { servicesCidr: "10.8.0.0/15" }, `invalid servicesCidr "10.8.0.0/15": must have a prefix length from /16 to /27`],
    [
      "control-plane range that is not a /28",
      { masterIpv4CidrBlock: "172.16.0.0/24" },
      `infra/Cluster: invalid masterIpv4CidrBlock "172.16.0.0/24": must have a prefix length from /28 to /28`,
    ],
    [
      "the whole internet as an authorized network",
      { publicEndpoint: true, masterAuthorizedCidrs: ["203.0.113.0/24", "0.0.0.0/0"] },
      `infra/Cluster: invalid masterAuthorizedCidrs[1] "0.0.0.0/0": must not be 0.0.0.0/0: list the CIDRs of your CI runners and VPN egress, or keep the endpoint private`,
    ],
    ["the whole internet on a private endpoint", { masterAuthorizedCidrs: ["0.0.0.0/0"] }, `invalid masterAuthorizedCidrs[0] "0.0.0.0/0": must not be 0.0.0.0/0`],
    ["a malformed authorized network", { masterAuthorizedCidrs: ["203.0.113.0"] }, `invalid masterAuthorizedCidrs[0] "203.0.113.0": must be an IPv4 CIDR block`],
    [
      "an empty authorized network list with a public endpoint",
      { publicEndpoint: true, masterAuthorizedCidrs: [] },
      `infra/Cluster: invalid masterAuthorizedCidrs []: must list at least one CIDR: a public endpoint is reachable only from listed CIDRs`,
    ],
    [
      "an empty authorized network list",
      { masterAuthorizedCidrs: [] },
      `invalid masterAuthorizedCidrs []: must list at least one CIDR, or be omitted (the control plane is then reachable from the cluster's network only)`,
    ],
    [
      "a public endpoint without authorized networks",
      { publicEndpoint: true },
      `infra/Cluster: invalid masterAuthorizedCidrs undefined: is required with publicEndpoint: true: list the CIDRs of your CI runners and VPN egress that may reach the public endpoint`,
    ],
    [
      "a public CIDR on a private-only endpoint",
      { masterAuthorizedCidrs: ["10.200.0.0/16", "8.8.8.0/24"] },
      `infra/Cluster: invalid masterAuthorizedCidrs[1] "8.8.8.0/24": is a public range, and the control plane has only a private endpoint, which GKE lets only internal ranges reach (RFC 1918 and other non-public ranges, such as a VPN's); set publicEndpoint: true to let public CIDRs reach a public endpoint`,
    ],
    ["a CIDR reaching beyond an internal range", { masterAuthorizedCidrs: ["10.0.0.0/7"] }, `invalid masterAuthorizedCidrs[0] "10.0.0.0/7": is a public range`],
    ["a webhook port out of range", { webhookPorts: [9443, 70000] }, `infra/Cluster: invalid webhookPorts[1] 70000: must be an integer from 1 to 65535`],
    ["a webhook port of zero", { webhookPorts: [0] }, `invalid webhookPorts[0] 0: must be an integer from 1 to 65535`],
    ["a fractional webhook port", { webhookPorts: [8443.5] }, `invalid webhookPorts[0] 8443.5: must be an integer from 1 to 65535`],
    ["a webhook port listed twice", { webhookPorts: [9443, 8443, 9443] }, `infra/Cluster: invalid webhookPorts[2] 9443: is a duplicate of webhookPorts[0]; list each port once`],
    [
      "system pool minimum above maximum",
      { systemMinNodes: 4, systemMaxNodes: 2 },
      `infra/Cluster: invalid systemMinNodes 4: must be less than or equal to systemMaxNodes (2)`,
    ],
    ["system pool without nodes", { systemMinNodes: 0 }, `invalid systemMinNodes 0: must be an integer from 1 to 1000`],
    ["fractional system pool maximum", { systemMaxNodes: 2.5 }, `invalid systemMaxNodes 2.5: must be an integer from 1 to 1000`],
    ["system disk under 10 GiB", { systemDiskSizeGiB: 5 }, `invalid systemDiskSizeGiB 5: must be an integer from 10 to 65536`],
    ["malformed machine type", { systemMachineType: "E2 Standard 4" }, `invalid systemMachineType "E2 Standard 4": must be a Compute Engine machine type such as n2-standard-8 or g2-standard-8 (series, kind, size)`],
    ["key ring name with dots", { keyRingName: "ml.prod" }, `invalid keyRingName "ml.prod": must be 1 to 63 letters, digits, '_' and '-'`],
    ["network without subnetwork", { network: "shared", podsRangeName: "p", servicesRangeName: "s" }, `infra/Cluster: invalid subnetwork undefined: is required with network (an existing VPC network)`],
    ["network without range names", { network: "shared", subnetwork: "ml" }, `invalid podsRangeName undefined: is required with network`],
    ["subnetwork without network", { subnetwork: "ml" }, `invalid subnetwork "ml": is only used with network (an existing VPC network); set network too, or remove it`],
    [
      "CIDRs with an existing network",
      { network: "shared", subnetwork: "ml", podsRangeName: "p", servicesRangeName: "s", nodesCidr: "10.0.0.0/20" },
      `invalid nodesCidr "10.0.0.0/20": only configures a network the cluster creates`,
    ],
  ];

  test.each(cases)("%s", (_name, props, message) => {
    expect(() => cluster(props)).toThrow(message);
  });

  test("workload identity: credentials Secrets are for on-prem clusters", () => {
    const gke = cluster();
    expect(() =>
      gke.addWorkloadIdentity("Trainer", { namespace: "training", serviceAccountName: "trainer", credentialsSecretName: "keys" }),
    ).toThrow(
      'infra/Cluster/Trainer: invalid credentialsSecretName "keys": is only for on-prem clusters; GKE workloads use a Google service account through Workload Identity',
    );
  });

  test("workload identity: namespace and service account names must be Kubernetes names", () => {
    const gke = cluster();
    expect(() => gke.addWorkloadIdentity("A", { namespace: "Training", serviceAccountName: "trainer" })).toThrow(
      'infra/Cluster/A: invalid namespace "Training": must be a DNS-1123 label',
    );
    expect(() => gke.addWorkloadIdentity("B", { namespace: "training", serviceAccountName: "trainer_1" })).toThrow(
      'infra/Cluster/B: invalid serviceAccountName "trainer_1": must be a DNS-1123 subdomain',
    );
  });

  test("a second node pool named system is rejected", () => {
    const gke = cluster();
    expect(() =>
      gke.registerNodePool({
        name: "system",
        purpose: NodePoolPurpose.GENERAL,
        capacityType: CapacityType.ON_DEMAND,
        labels: {},
        taints: [],
        minNodes: 0,
        maxNodes: 1,
      }),
    ).toThrow('infra/Cluster: invalid node pool name "system": must be unique in the cluster');
  });

  test("GcpNetwork validates its own ranges", () => {
    const stack = gcpStack(Testing.app(), "net");
    expect(
      () => new GcpNetwork(stack, "Network", { name: "ml", project: "acme-ml-prod", region: "us-central1", servicesCidr: "10.0.0.0/20" }),
    ).toThrow('net/Network: invalid servicesCidr "10.0.0.0/20": must not overlap nodesCidr (10.0.0.0/20); nodes, Pods and Services need disjoint ranges');
  });
});

describe("GkeCluster names are unique per project in an app", () => {
  it("rejects a second cluster of the same name in the same project; another project is fine", () => {
    const app = Testing.app();
    new GkeCluster(gcpStack(app, "usc1"), "Cluster", { ...BASE, location: "us-central1" });
    expect(() => new GkeCluster(gcpStack(app, "euw4"), "Cluster", { ...BASE, location: "europe-west4" })).toThrow(
      `euw4/Cluster: invalid clusterName "${BASE.clusterName}": is already used in project ${BASE.project} by usc1/Cluster`,
    );
    expect(() => new GkeCluster(gcpStack(app, "other"), "Cluster", { ...BASE, project: "acme-ml-other" })).not.toThrow();
  });
});

describe("GkeCluster: logs, NAT and flow logs as props", () => {
  const synthOf = (props: Partial<GkeClusterProps>) => {
    const stack = gcpStack(Testing.app(), "infra");
    new GkeCluster(stack, "Cluster", { ...BASE, ...props });
    return JSON.parse(Testing.synth(stack)) as SynthJson;
  };

  test("workload and control-plane logs are opt-in components", () => {
    const json = synthOf({ loggingComponents: [GkeLoggingComponent.SYSTEM_COMPONENTS, GkeLoggingComponent.APISERVER, GkeLoggingComponent.WORKLOADS] });
    expect(only(json, "google_container_cluster").logging_config).toEqual({ enable_components: ["SYSTEM_COMPONENTS", "APISERVER", "WORKLOADS"] });
  });

  test.each([GkeLoggingComponent.APISERVER, GkeLoggingComponent.SCHEDULER, GkeLoggingComponent.CONTROLLER_MANAGER])(
    "control-plane component %s is off by default and sent to Cloud Logging when listed",
    (component) => {
      expect(only(synthOf({}), "google_container_cluster").logging_config.enable_components).not.toContain(component);
      expect(only(synthOf({ loggingComponents: [GkeLoggingComponent.SYSTEM_COMPONENTS, component] }), "google_container_cluster").logging_config).toEqual({
        enable_components: ["SYSTEM_COMPONENTS", component],
      });
    },
  );

  test("NAT port range and flow-log sampling are tunable; flow logs can be turned off", () => {
    const tuned = synthOf({ natMinPortsPerVm: 128, natMaxPortsPerVm: 16384, flowLogSampling: 0.5, flowLogAggregationInterval: FlowLogAggregationInterval.INTERVAL_1_MIN });
    expect(only(tuned, "google_compute_router_nat")).toMatchObject({ min_ports_per_vm: 128, max_ports_per_vm: 16384, enable_dynamic_port_allocation: true });
    expect(only(tuned, "google_compute_subnetwork").log_config).toEqual({ aggregation_interval: "INTERVAL_1_MIN", flow_sampling: 0.5, metadata: "INCLUDE_ALL_METADATA" });
    expect(only(synthOf({ flowLogs: false }), "google_compute_subnetwork").log_config).toBeUndefined();
  });

  test("a domain-scoped project ID and every known region are accepted", () => {
    expect(() => cluster({ project: "example.com:acme-ml" })).not.toThrow();
    expect(() => cluster({ location: "northamerica-south1" })).not.toThrow();
    expect(() => cluster({ location: "europe-west12-b" })).not.toThrow();
  });

  test("GcpNetwork: a zone where a region belongs, and an unknown region", () => {
    const net = (region: string) => new GcpNetwork(gcpStack(Testing.app(), "infra"), "Network", { name: "ml", project: "acme-ml-prod", region });
    expect(() => net("us-central1-a")).toThrow('infra/Network: invalid region "us-central1-a": is a zone; give its region ("us-central1")');
    expect(() => net("us-central9")).toThrow('infra/Network: invalid region "us-central9": is not a Google Cloud region Strata knows (its list is dated 2025-11-01');
    expect(() => net("uscentral1")).toThrow('infra/Network: invalid region "uscentral1": must be a Google Cloud region such as "us-central1"');
  });

  test("with a public endpoint, authorized networks still guard the private endpoint", () => {
    const json = synthOf({ publicEndpoint: true, masterAuthorizedCidrs: ["203.0.113.0/24", "10.200.0.0/16"] });
    expect(only(json, "google_container_cluster").master_authorized_networks_config.private_endpoint_enforcement_enabled).toBe(true);
  });
});
