import { Construct } from "constructs";
import { Fn, Lazy, TerraformStack, Token } from "cdktf";
import { ComputeFirewall } from "@cdktf/provider-google/lib/compute-firewall";
import { ContainerCluster } from "@cdktf/provider-google/lib/container-cluster";
import { ContainerNodePool, ContainerNodePoolNodeConfig } from "@cdktf/provider-google/lib/container-node-pool";
import { DataGoogleClientConfig } from "@cdktf/provider-google/lib/data-google-client-config";
import { DataGoogleProject } from "@cdktf/provider-google/lib/data-google-project";
import { GoogleProvider } from "@cdktf/provider-google/lib/provider";
import { KmsCryptoKey } from "@cdktf/provider-google/lib/kms-crypto-key";
import { KmsCryptoKeyIamMember } from "@cdktf/provider-google/lib/kms-crypto-key-iam-member";
import { KmsKeyRing } from "@cdktf/provider-google/lib/kms-key-ring";
import { ProjectIamMember } from "@cdktf/provider-google/lib/project-iam-member";
import { ServiceAccount } from "@cdktf/provider-google/lib/service-account";
import {
  CapacityType,
  ClusterAccess,
  ClusterAuthentication,
  ClusterTarget,
  ConnectOptions,
  IKubernetesCluster,
  IWorkloadIdentity,
  NodePoolInfo,
  NodePoolPurpose,
  SystemWorkload,
  WorkloadIdentityOptions,
} from "../core/cluster";
import { ClusterConnection } from "../core/connection";
import { generatedName } from "../core/generated-names";
import { validateGcpMachineType } from "../core/machine-types";
import { CAPACITY_LABEL, POOL_LABEL, PURPOSE_LABEL } from "../core/labels";
import { NamingRule, validateName } from "../core/naming";
import { assertNewWorkloadIdentity, defaultSystemMaxNodes, NodePoolRegistry } from "../core/node-pools";
import {
  cidrsOverlap,
  GCP_ZONE_PATTERN,
  invalid,
  isUnresolved,
  parseIpv4Cidr,
  validateCidr,
  validateEnum,
  validateGcpLocation,
  validateInteger,
  validateList,
  validateMinMax,
  validateBoolean,
  validateUniqueList,
  warn,
} from "../core/validation";
import { FlowLogAggregationInterval, GcpNetwork } from "./gcp-network";
import { GkeGpuNodePool, GkeGpuNodePoolOptions } from "./gke-gpu-node-pool";
import { GkeWorkloadIdentity } from "./gke-workload-identity";

/** GKE release channels: how quickly the control plane and nodes receive new Kubernetes versions. */
export enum GkeReleaseChannel {
  /** Newest versions, weeks after upstream; for testing, not production. */
  RAPID = "RAPID",
  /** Versions qualified in RAPID for a few months: the balance of features and stability. */
  REGULAR = "REGULAR",
  /** Versions qualified in REGULAR for a few months: the slowest, for the most conservative clusters. */
  STABLE = "STABLE",
}

/**
 * Log components GKE sends to Cloud Logging (Cloud Logging bills by volume). Cloud Audit Logs'
 * Admin Activity entries (who changed what in the cluster) are always written and are not a component.
 */
export enum GkeLoggingComponent {
  /** Logs of GKE's system pods and node services (kubelet, container runtime, kube-system): required whenever logging is on. */
  SYSTEM_COMPONENTS = "SYSTEM_COMPONENTS",
  /** Kubernetes API server logs: verbose; for debugging the control plane. */
  APISERVER = "APISERVER",
  /** Controller manager logs. */
  CONTROLLER_MANAGER = "CONTROLLER_MANAGER",
  /** Scheduler logs (why a Pod stays Pending). */
  SCHEDULER = "SCHEDULER",
  /** stdout and stderr of every workload container: the largest volume on a busy cluster. */
  WORKLOADS = "WORKLOADS",
}
/** The node service account's project roles, by construct-id suffix: logs, metrics and image pulls only. */
const NODE_ROLES: { [id: string]: string } = {
  DefaultNodeServiceAccount: "roles/container.defaultNodeServiceAccount",
  ArtifactRegistryReader: "roles/artifactregistry.reader",
};
/** Full API access scope: the node service account's IAM roles are what limit it. */
const CLOUD_PLATFORM_SCOPE = "https://www.googleapis.com/auth/cloud-platform";
/** Automatic rotation period of the KMS keys (90 days). */
const KEY_ROTATION_PERIOD = "7776000s";
/** How long destroyed key versions stay recoverable (30 days). */
const KEY_DESTROY_SCHEDULED_DURATION = "2592000s";
/**
 * GCP project IDs: 6-30 characters, lowercase letters, digits and `-`, starting with a letter, not
 * ending with `-`; legacy domain-scoped projects prefix a domain (`example.com:my-project`).
 */
const PROJECT_ID = /^(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)+:)?[a-z][a-z0-9-]{4,28}[a-z0-9]$/;
/**
 * Most CIDR blocks GKE accepts as authorized networks: 50 with a public endpoint, 100 with a
 * private endpoint only (GKE's quotas page as remembered, not re-read: if GKE refuses a list below
 * these, its error names the real limit).
 */
const MAX_AUTHORIZED_CIDRS_PUBLIC = 50;
const MAX_AUTHORIZED_CIDRS_PRIVATE = 100;
/** Compute Engine machine types (`e2-standard-4`, `n2-highmem-8`, `custom-4-8192`). */
/** Cloud KMS key ring names. */
const KEY_RING_NAME = /^[a-zA-Z0-9_-]{1,63}$/;
/** Zones GKE spreads a regional cluster's nodes over when no node locations are given. */
const REGIONAL_ZONE_COUNT = 3;
/**
 * Ranges GKE may accept as authorized networks of a private-only endpoint (it rejects others with
 * "is not a reserved network, which is required for private endpoints"): RFC 1918, and the other
 * non-public ranges Google Cloud lets a VPC network use internally (RFC 6598 shared space, RFC 6890
 * IETF assignments, RFC 5737 documentation, RFC 7526 6to4 relay, RFC 2544 benchmarking, class E).
 */
const INTERNAL_RANGES = [
  "10.0.0.0/8",
  "172.16.0.0/12",
  "192.168.0.0/16",
  "100.64.0.0/10",
  "192.0.0.0/24",
  "192.0.2.0/24",
  "192.88.99.0/24",
  "198.18.0.0/15",
  "198.51.100.0/24",
  "203.0.113.0/24",
  "240.0.0.0/4",
];
/** Webhook ports the control plane may reach on nodes by default: many operators (8443) and Kueue, controller-runtime's default (9443). */
const DEFAULT_WEBHOOK_PORTS = [8443, 9443];
/** A network given by path (`projects/<project>/global/networks/<name>`, optionally a full self link); group 1 is its project. */
const NETWORK_PATH = /(?:^|\/)projects\/([^/]+)\/global\/networks\/[^/]+$/;

/** True when `cidr` lies entirely inside one of the internal ranges. */
function isInternalCidr(cidr: string): boolean {
  const c = parseIpv4Cidr(cidr);
  if (!c) return false;
  return INTERNAL_RANGES.some((range) => {
    const r = parseIpv4Cidr(range)!;
    const mask = (0xffffffff << (32 - r.prefix)) >>> 0;
    return c.prefix >= r.prefix && (c.network & mask) >>> 0 === r.network;
  });
}

/** Props of `GkeCluster`. */
export interface GkeClusterProps {
  /** Cluster name (1-40 lowercase letters, digits and `-`, starting with a letter). Also names the network, keys and node service account. */
  readonly clusterName: string;
  /** ID of the Google Cloud project (6-30 lowercase letters, digits and `-`, e.g. `acme-ml-prod`). */
  readonly project: string;
  /**
   * Where the cluster runs: a region (`us-central1`) for a regional cluster, whose control plane
   * and nodes span three zones, or a zone (`us-central1-a`) for a zonal cluster. The network,
   * NAT and KMS key ring are created in the region.
   */
  readonly location: string;
  /**
   * Release channel that picks the Kubernetes version and drives automatic upgrades.
   * @default GkeReleaseChannel.REGULAR
   */
  readonly releaseChannel?: GkeReleaseChannel;
  /**
   * Log components sent to Cloud Logging. `SYSTEM_COMPONENTS` is required; control-plane components
   * (`APISERVER`, `CONTROLLER_MANAGER`, `SCHEDULER`) and `WORKLOADS` (every container's stdout and
   * stderr, the largest and costliest volume) are opt-in. Admin Activity audit logs are always on.
   * @default [GkeLoggingComponent.SYSTEM_COMPONENTS]
   */
  readonly loggingComponents?: GkeLoggingComponent[];
  /**
   * Name or self link of an existing VPC network to run in. Requires `subnetwork`,
   * `podsRangeName` and `servicesRangeName`; no network, NAT or router is created, so the
   * network must already give private nodes egress (Cloud NAT) if they need it.
   * @default - a new network (see `nodesCidr`, `podsCidr`, `servicesCidr`)
   */
  readonly network?: string;
  /**
   * Name or self link of the existing subnetwork for nodes, in the cluster's region. Only with `network`.
   * @default - the new network's subnetwork
   */
  readonly subnetwork?: string;
  /**
   * Name of the existing subnetwork's secondary range for Pods. Only with `network`.
   * @default - "pods" in the new network
   */
  readonly podsRangeName?: string;
  /**
   * Name of the existing subnetwork's secondary range for Services. Only with `network`.
   * @default - "services" in the new network
   */
  readonly servicesRangeName?: string;
  /**
   * Primary range of the new subnetwork, for nodes (/8 to /29). Not allowed with `network`.
   * @default "10.0.0.0/20"
   */
  readonly nodesCidr?: string;
  /**
   * Secondary range of the new subnetwork for Pods (/9 to /24). Not allowed with `network`.
   * @default "10.4.0.0/14"
   */
  readonly podsCidr?: string;
  /**
   * Secondary range of the new subnetwork for Services (/16 to /27). Not allowed with `network`.
   * @default "10.8.0.0/20"
   */
  readonly servicesCidr?: string;
  /**
   * Cloud NAT: ports each node starts with (a power of two, 32 to 32768); dynamic port allocation
   * grows it up to `natMaxPortsPerVm`. See `GcpNetworkProps`. Not allowed with `network`.
   * @default 64
   */
  readonly natMinPortsPerVm?: number;
  /**
   * Cloud NAT: most ports a node may hold (a power of two, 64 to 65536). Not allowed with `network`.
   * @default 4096
   */
  readonly natMaxPortsPerVm?: number;
  /**
   * VPC flow logs on the new subnetwork. Not allowed with `network`.
   * @default true
   */
  readonly flowLogs?: boolean;
  /**
   * Share of flows the subnetwork's flow logs record (greater than 0, at most 1). Not allowed with `network`.
   * @default 0.1
   */
  readonly flowLogSampling?: number;
  /**
   * Aggregation interval of the subnetwork's flow logs. Not allowed with `network`.
   * @default FlowLogAggregationInterval.INTERVAL_10_MIN
   */
  readonly flowLogAggregationInterval?: FlowLogAggregationInterval;
  /**
   * The /28 range of the control plane's private endpoint. Must not overlap any range of the
   * network (or of networks peered with it).
   * @default "172.16.0.0/28"
   */
  readonly masterIpv4CidrBlock?: string;
  /**
   * CIDRs allowed to reach the control plane's IP endpoints (GKE authorized networks), in addition
   * to the nodes' subnetwork and Pod range, which GKE always allows: CI runners in another
   * subnetwork, a VPN or Interconnect range (such as `10.200.0.0/16`). They are enforced on the
   * private endpoint (`private_endpoint_enforcement_enabled`) and, with `publicEndpoint`, on the
   * public one; they do not apply to the DNS-based endpoint (`dnsEndpoint`), which IAM guards. Without
   * `publicEndpoint` they must be internal ranges: GKE accepts only internal ranges as authorized
   * networks of a private-only endpoint. Runners in other regions also need
   * `privateEndpointGlobalAccess`. At most 50 CIDRs with a public endpoint, 100 without; each once.
   * `0.0.0.0/0` is always rejected; Google Cloud public IPs are never authorized.
   * @default - none: the control plane is reachable from the nodes' subnetwork and Pod range only
   */
  readonly masterAuthorizedCidrs?: string[];
  /**
   * Give the control plane a public endpoint as well, reachable only from `masterAuthorizedCidrs`
   * (required, and non-empty, when this is true): for runners outside the network, such as hosted CI
   * with known egress IPs. With `dnsEndpoint: false`, later stacks then connect through the public
   * endpoint; otherwise through the private one. Rarely needed: the DNS-based endpoint (`dnsEndpoint`)
   * reaches hosted CI without an IP allow-list. Meant to be temporary: turn it off again once a runner inside the
   * network (or over VPN) exists; the cluster is updated in place.
   * @default false (private IP endpoint only)
   */
  readonly publicEndpoint?: boolean;
  /**
   * Let clients in any region of the VPC network (and networks connected to it in other regions)
   * reach the private endpoint. By default only the cluster's region can.
   * @default false
   */
  readonly privateEndpointGlobalAccess?: boolean;
  /**
   * Open GKE's DNS-based control-plane endpoint (`gke-<id>.<region>.gke.goog`) to clients outside
   * Google Cloud (`control_plane_endpoints_config.dns_endpoint_config.allow_external_traffic`), and
   * connect later stacks through it. Every request must carry Google credentials with the IAM
   * permission `container.clusters.connect` on the cluster's project; Google rejects the others
   * before they reach the API server, and Kubernetes RBAC applies after. No network path, VPN route
   * or authorized network is needed: a runner anywhere with Google credentials (hosted CI through
   * Workload Identity Federation, a laptop) can apply the platform and workloads stacks. Google
   * recommends it as the way to reach the control plane. `masterAuthorizedCidrs` does not apply to
   * it; VPC Service Controls can restrict it further. The IP endpoints are unchanged: private (and
   * public with `publicEndpoint`), guarded by authorized networks. Set false to keep the control
   * plane reachable only over the network (then later stacks connect through an IP endpoint: see
   * `publicEndpoint` and `masterAuthorizedCidrs`). Off by default, so the control plane has no
   * internet-facing name unless asked: it is the explicit opt-in that says so, and the simplest runner
   * path when no VPN or Interconnect reaches the network.
   * @default false (the control plane is reachable only through its private IP endpoint)
   */
  readonly dnsEndpoint?: boolean;
  /**
   * TCP ports on the nodes that the control plane may open, for admission webhooks. GKE's own
   * firewall rule lets the control plane reach nodes on 443 and 10250 only, so webhooks served on
   * other ports (Kueue on 9443, many operators on 8443) time out, which can block the resources
   * they admit cluster-wide. Strata adds an INGRESS rule from `masterIpv4CidrBlock` to the nodes
   * (by their service account) for these ports, on the cluster's network; in a Shared VPC that is
   * the host project. Each port 1-65535; an empty list creates no rule.
   * @default [8443, 9443]
   */
  readonly webhookPorts?: number[];
  /**
   * Machine type of the system node pool (on-demand).
   * @default "e2-standard-4"
   */
  readonly systemMachineType?: string;
  /**
   * Minimum nodes of the system node pool per zone (1-1000). A regional cluster has three zones.
   * @default 1
   */
  readonly systemMinNodes?: number;
  /**
   * Maximum nodes of the system node pool per zone (1-1000). GKE's cluster autoscaler grows the pool
   * up to it; a maximum below what the registered system workloads request gets a synth warning.
   * @default - sized at synth from the system workloads Strata constructs register on the cluster
   * (`addSystemWorkload`): enough `systemMachineType` nodes for their requests plus one spare, spread
   * over the pool's zones, and at least 3 per zone
   */
  readonly systemMaxNodes?: number;
  /**
   * Boot disk size of system nodes, in GiB (10-65536, pd-balanced).
   * @default 100
   */
  readonly systemDiskSizeGiB?: number;
  /**
   * Name of the Cloud KMS key ring for the secrets and boot-disk keys. Key rings can never be
   * deleted in Google Cloud, so a cluster re-created under the same name needs a new one.
   * @default "<clusterName>-gke"
   */
  readonly keyRingName?: string;
  /**
   * Protect the cluster from deletion (GKE deletion protection and Terraform `prevent_destroy` on
   * the cluster, its key ring and keys). Set to false only for throwaway clusters.
   * @default true
   */
  readonly deletionProtection?: boolean;
}

/**
 * A Google Kubernetes Engine (Standard) cluster, secure by default: private nodes, a private
 * control-plane IP endpoint (optionally also a public one, reachable only from listed CIDRs, or the
 * IAM-authenticated DNS-based endpoint for runners outside the network, `dnsEndpoint`), a
 * firewall rule that lets the control plane reach admission webhooks on the nodes, a VPC-native
 * network with Cloud NAT (or your own), Workload Identity, Dataplane V2, shielded nodes, Kubernetes
 * secrets encrypted at the application layer and node boot disks encrypted with Cloud KMS keys
 * (rotation every 90 days), a least-privilege node service account, control-plane and workload
 * logs, a release channel, no client certificates or legacy ABAC, an autoscaling system node
 * pool (Container-Optimized OS, secure boot, GKE metadata server), and deletion protection.
 *
 * @example
 * const infra = new TerraformStack(app, "infra");
 * new GoogleProvider(infra, "google", { project: "acme-ml-prod", region: "us-central1" });
 * const cluster = new GkeCluster(infra, "Cluster", { clusterName: "ml-prod", project: "acme-ml-prod", location: "us-central1" });
 * const platform = new TerraformStack(app, "platform");
 * const conn = cluster.connect(platform, "Ml");
 */
export class GkeCluster extends Construct implements IKubernetesCluster {
  /** Always `ClusterTarget.GCP_GKE`. */
  public readonly target = ClusterTarget.GCP_GKE;
  /** Cluster name. */
  public readonly clusterName: string;
  /** Project ID. */
  public readonly project: string;
  /** Location: a region or a zone. */
  public readonly location: string;
  /** The region the cluster (or its zone) is in. */
  public readonly region: string;
  /** The GKE cluster resource. */
  public readonly resource: ContainerCluster;
  /** The network, when the cluster created one. */
  public readonly network?: GcpNetwork;
  /** The Cloud KMS key ring holding the cluster's keys. */
  public readonly keyRing: KmsKeyRing;
  /** The key that encrypts Kubernetes secrets in etcd (application-layer secrets encryption). */
  public readonly secretsKey: KmsCryptoKey;
  /** The key that encrypts node boot disks. */
  public readonly bootDiskKey: KmsCryptoKey;
  /** The Google service account of the cluster's nodes. */
  public readonly nodeServiceAccount: ServiceAccount;
  /** The system node pool. */
  public readonly systemNodePool: ContainerNodePool;
  /** The Workload Identity pool, `<project>.svc.id.goog`. */
  public readonly workloadPool: string;
  /** True when the control plane has only a private IP endpoint (no `publicEndpoint`); says nothing about the DNS-based endpoint. */
  public readonly privateEndpointOnly: boolean;
  /** True when the DNS-based endpoint accepts traffic from outside Google Cloud (`dnsEndpoint`); later stacks then connect through it. */
  public readonly dnsEndpoint: boolean;
  /**
   * The host later stacks connect to: the DNS-based endpoint's name with `dnsEndpoint`, else the
   * private endpoint IP when private-only, else the public endpoint IP.
   */
  public readonly endpoint: string;
  /** The firewall rule that lets the control plane reach admission webhooks on the nodes (none when `webhookPorts` is empty). */
  public readonly webhookFirewall?: ComputeFirewall;
  /** Base64-encoded cluster CA certificate. */
  public readonly clusterCaCertificate: string;
  /** The project number (for service agent emails). */
  public readonly projectNumber: string;

  private readonly pools: NodePoolRegistry;

  constructor(scope: Construct, id: string, props: GkeClusterProps) {
    super(scope, id);
    const releaseChannel = props.releaseChannel ?? GkeReleaseChannel.REGULAR;
    const masterCidr = props.masterIpv4CidrBlock ?? "172.16.0.0/28";
    const machineType = props.systemMachineType ?? "e2-standard-4";
    const systemMin = props.systemMinNodes ?? 1;
    // The default maximum follows what the platform installs: read when the stack synthesizes, after every
    // construct registered its system workloads (per zone: GKE sizes regional pools per zone).
    const systemMaxAtSynth = (): number =>
      props.systemMaxNodes ?? Math.max(3, Math.ceil(defaultSystemMaxNodes(this.systemWorkloads, [machineType], 0, 0) / systemZones));
    const systemMax = props.systemMaxNodes ?? Lazy.numberValue({ produce: systemMaxAtSynth });
    const diskSize = props.systemDiskSizeGiB ?? 100;
    const keyRingName = props.keyRingName ?? `${props.clusterName}-gke`;
    const protect = props.deletionProtection ?? true;
    const ownNetwork = props.network === undefined;
    const nodesCidr = props.nodesCidr ?? "10.0.0.0/20";
    const podsCidr = props.podsCidr ?? "10.4.0.0/14";
    const servicesCidr = props.servicesCidr ?? "10.8.0.0/20";

    validateName(this, "clusterName", props.clusterName, NamingRule.GKE_CLUSTER);
    if (!isUnresolved(props.project) && !(typeof props.project === "string" && PROJECT_ID.test(props.project))) {
      const displayName = typeof props.project === "string" && /[A-Z\s_]/.test(props.project);
      invalid(
        this,
        "project",
        props.project,
        (displayName ? "looks like a project name (the display name), not its ID; " : "") +
          "must be a Google Cloud project ID: 6 to 30 lowercase letters, digits and '-', starting with a letter and not ending with '-' (e.g. \"acme-ml-prod\"), optionally after a domain (\"example.com:acme-ml\")",
      );
    }
    validateGcpLocation(this, "location", props.location);
    const zone = isUnresolved(props.location) ? undefined : GCP_ZONE_PATTERN.exec(props.location);
    validateEnum(this, "releaseChannel", releaseChannel, GkeReleaseChannel, "GkeReleaseChannel");
    const loggingComponents = props.loggingComponents ?? [GkeLoggingComponent.SYSTEM_COMPONENTS];
    validateList(this, "loggingComponents", loggingComponents, `["${GkeLoggingComponent.SYSTEM_COMPONENTS}"]`);
    validateUniqueList(this, "loggingComponents", loggingComponents, "component");
    loggingComponents.forEach((c, i) => {
      validateEnum(this, `loggingComponents[${i}]`, c, GkeLoggingComponent, "GkeLoggingComponent");
    });
    if (!isUnresolved(loggingComponents) && !loggingComponents.includes(GkeLoggingComponent.SYSTEM_COMPONENTS)) {
      invalid(this, "loggingComponents", loggingComponents, "must include SYSTEM_COMPONENTS, which GKE requires for every other component (and which keeps node and system logs)");
    }
    validateCidr(this, "masterIpv4CidrBlock", masterCidr, 28, 28);
    const publicEndpoint = props.publicEndpoint ?? false;
    const dnsEndpoint = props.dnsEndpoint ?? false;
    // Both decide which endpoint later stacks connect to, so they must be known at synth.
    for (const [prop, value] of Object.entries({ publicEndpoint, dnsEndpoint })) {
      if (Token.isUnresolved(value)) {
        invalid(this, prop, value, "must be true or false written in code, not a token: it decides which endpoint later stacks connect to");
      }
      validateBoolean(this, prop, value);
    }
    validateBoolean(this, "privateEndpointGlobalAccess", props.privateEndpointGlobalAccess);
    validateBoolean(this, "deletionProtection", props.deletionProtection);
    if (publicEndpoint && dnsEndpoint) {
      warn(
        this,
        "publicEndpoint",
        publicEndpoint,
        "adds a public IP endpoint that later stacks do not use: they connect through the DNS-based endpoint (dnsEndpoint), " +
          "which reaches runners outside the network without one. Remove publicEndpoint, or set dnsEndpoint: false to connect through the public IP endpoint",
      );
    }
    const authorizedCidrs = props.masterAuthorizedCidrs;
    if (publicEndpoint && authorizedCidrs === undefined) {
      invalid(
        this,
        "masterAuthorizedCidrs",
        authorizedCidrs,
        "is required with publicEndpoint: true: list the CIDRs of your CI runners and VPN egress that may reach the public endpoint",
      );
    }
    if (authorizedCidrs !== undefined) {
      validateList(this, "masterAuthorizedCidrs", authorizedCidrs, '["10.200.0.0/16"]');
      // Each entry becomes a cidr_blocks block, so the list itself must be literal (its entries may be tokens).
      if (Token.isUnresolved(authorizedCidrs)) {
        invalid(this, "masterAuthorizedCidrs", authorizedCidrs, "must be a list written out in code (its entries may be tokens), not a single list token");
      }
      if (authorizedCidrs.length === 0) {
        invalid(
          this,
          "masterAuthorizedCidrs",
          authorizedCidrs,
          publicEndpoint
            ? "must list at least one CIDR: a public endpoint is reachable only from listed CIDRs"
            : "must list at least one CIDR, or be omitted (the control plane is then reachable from the cluster's network only)",
        );
      }
      const maxCidrs = publicEndpoint ? MAX_AUTHORIZED_CIDRS_PUBLIC : MAX_AUTHORIZED_CIDRS_PRIVATE;
      if (authorizedCidrs.length > maxCidrs) {
        invalid(
          this,
          "masterAuthorizedCidrs",
          `${authorizedCidrs.length} CIDRs`,
          `GKE accepts at most ${maxCidrs} authorized networks ${publicEndpoint ? "with a public endpoint" : "on a private-only endpoint"}; summarise ranges`,
        );
      }
      validateUniqueList(this, "masterAuthorizedCidrs", authorizedCidrs, "CIDR");
      authorizedCidrs.forEach((cidr, i) => {
        validateCidr(this, `masterAuthorizedCidrs[${i}]`, cidr);
        if (isUnresolved(cidr)) return;
        if (parseIpv4Cidr(cidr)?.prefix === 0) {
          invalid(
            this,
            `masterAuthorizedCidrs[${i}]`,
            cidr,
            "must not be 0.0.0.0/0: list the CIDRs of your CI runners and VPN egress, or keep the endpoint private",
          );
        }
        if (!publicEndpoint && !isInternalCidr(cidr)) {
          invalid(
            this,
            `masterAuthorizedCidrs[${i}]`,
            cidr,
            "is a public range, and the control plane has only a private endpoint, which GKE lets only internal ranges reach " +
              "(RFC 1918 and other non-public ranges, such as a VPN's); set publicEndpoint: true to let public CIDRs reach a public endpoint",
          );
        }
      });
    }
    const webhookPorts = props.webhookPorts ?? DEFAULT_WEBHOOK_PORTS;
    validateList(this, "webhookPorts", webhookPorts, "[8443, 9443]");
    if (Token.isUnresolved(webhookPorts)) {
      invalid(this, "webhookPorts", webhookPorts, "must be a list written out in code (its entries may be tokens), not a single list token");
    }
    webhookPorts.forEach((port, i) => validateInteger(this, `webhookPorts[${i}]`, port, 1, 65535));
    validateUniqueList(this, "webhookPorts", webhookPorts, "port");
    if (ownNetwork) {
      const byoOnly = { subnetwork: props.subnetwork, podsRangeName: props.podsRangeName, servicesRangeName: props.servicesRangeName };
      for (const [prop, value] of Object.entries(byoOnly)) {
        if (value !== undefined) invalid(this, prop, value, "is only used with network (an existing VPC network); set network too, or remove it");
      }
      // The ranges themselves are checked by GcpNetwork; the control plane's must stay clear of all three.
      for (const [prop, cidr] of Object.entries({ nodesCidr, podsCidr, servicesCidr })) {
        if (!isUnresolved(masterCidr) && !isUnresolved(cidr) && cidrsOverlap(masterCidr, cidr)) {
          invalid(this, "masterIpv4CidrBlock", masterCidr, `must not overlap ${prop} (${cidr}); the control plane needs its own range`);
        }
      }
    } else {
      const required = { subnetwork: props.subnetwork, podsRangeName: props.podsRangeName, servicesRangeName: props.servicesRangeName };
      for (const [prop, value] of Object.entries(required)) {
        if (value === undefined || (!isUnresolved(value) && value.trim().length === 0)) {
          invalid(this, prop, value, "is required with network (an existing VPC network)");
        }
      }
      const ownOnly = {
        nodesCidr: props.nodesCidr,
        podsCidr: props.podsCidr,
        servicesCidr: props.servicesCidr,
        natMinPortsPerVm: props.natMinPortsPerVm,
        natMaxPortsPerVm: props.natMaxPortsPerVm,
        flowLogs: props.flowLogs,
        flowLogSampling: props.flowLogSampling,
        flowLogAggregationInterval: props.flowLogAggregationInterval,
      };
      for (const [prop, value] of Object.entries(ownOnly)) {
        if (value !== undefined) {
          invalid(this, prop, value, "only configures a network the cluster creates; the existing network's subnetwork and NAT are configured where they were created. Remove it, or remove network");
        }
      }
    }
    validateGcpMachineType(this, "systemMachineType", machineType);
    validateInteger(this, "systemMinNodes", systemMin, 1, 1000);
    validateInteger(this, "systemMaxNodes", systemMax, 1, 1000);
    validateMinMax(this, "systemMinNodes", systemMin, "systemMaxNodes", systemMax);
    validateInteger(this, "systemDiskSizeGiB", diskSize, 10, 65536);
    if (!isUnresolved(keyRingName) && !KEY_RING_NAME.test(keyRingName)) {
      invalid(this, "keyRingName", keyRingName, "must be 1 to 63 letters, digits, '_' and '-'");
    }

    // Network, service account and firewall names derive from the cluster name and are global to the project.
    const twin = this.node.root.node
      .findAll()
      .find((c): c is GkeCluster => c instanceof GkeCluster && c !== this && c.clusterName === props.clusterName && c.project === props.project);
    if (twin && !isUnresolved(props.clusterName) && !isUnresolved(props.project)) {
      invalid(
        this,
        "clusterName",
        props.clusterName,
        `is already used in project ${props.project} by ${twin.node.path}; network and service account names derive from it and are global to the project, so give each cluster its own name`,
      );
    }
    this.clusterName = props.clusterName;
    this.project = props.project;
    this.location = props.location;
    this.region = zone ? zone[1] : isUnresolved(props.location) ? Fn.regex("^[a-z]+-[a-z]+[0-9]+", props.location) : props.location;
    const regional = zone === null;
    const systemZones = regional ? REGIONAL_ZONE_COUNT : 1;
    this.workloadPool = `${props.project}.svc.id.goog`;
    this.privateEndpointOnly = !publicEndpoint;
    this.pools = new NodePoolRegistry(this);

    const projectData = new DataGoogleProject(this, "Project", { projectId: props.project });
    this.projectNumber = projectData.number;

    // Network
    let networkRef: string;
    let networkProject: string;
    let subnetworkRef: string;
    let podsRange: string;
    let servicesRange: string;
    if (ownNetwork) {
      this.network = new GcpNetwork(this, "Network", {
        name: props.clusterName,
        project: props.project,
        region: this.region,
        nodesCidr,
        podsCidr,
        servicesCidr,
        natMinPortsPerVm: props.natMinPortsPerVm,
        natMaxPortsPerVm: props.natMaxPortsPerVm,
        flowLogs: props.flowLogs,
        flowLogSampling: props.flowLogSampling,
        flowLogAggregationInterval: props.flowLogAggregationInterval,
      });
      networkRef = this.network.network.id;
      networkProject = props.project;
      subnetworkRef = this.network.subnetwork.id;
      podsRange = this.network.podsRangeName;
      servicesRange = this.network.servicesRangeName;
    } else {
      networkRef = props.network!;
      // A network given by path may live in another project (a Shared VPC host): firewall rules belong there.
      const path = isUnresolved(networkRef) ? null : NETWORK_PATH.exec(networkRef);
      networkProject = path ? path[1] : props.project;
      subnetworkRef = props.subnetwork!;
      podsRange = props.podsRangeName!;
      servicesRange = props.servicesRangeName!;
    }

    // Cloud KMS: one key for Kubernetes secrets, one for node boot disks, each usable only by its service agent.
    this.keyRing = new KmsKeyRing(this, "KeyRing", {
      name: keyRingName,
      project: props.project,
      location: this.region,
      lifecycle: { preventDestroy: protect },
    });
    const cryptoKey = (keyId: string, name: string) =>
      new KmsCryptoKey(this, keyId, {
        name,
        keyRing: this.keyRing.id,
        purpose: "ENCRYPT_DECRYPT",
        rotationPeriod: KEY_ROTATION_PERIOD,
        destroyScheduledDuration: KEY_DESTROY_SCHEDULED_DURATION,
        lifecycle: { preventDestroy: protect },
      });
    this.secretsKey = cryptoKey("SecretsKey", "secrets");
    this.bootDiskKey = cryptoKey("BootDiskKey", "boot-disks");
    const secretsKeyGrant = new KmsCryptoKeyIamMember(this, "SecretsKeyGkeAgent", {
      cryptoKeyId: this.secretsKey.id,
      role: "roles/cloudkms.cryptoKeyEncrypterDecrypter",
      member: `serviceAccount:service-${projectData.number}@container-engine-robot.iam.gserviceaccount.com`,
    });
    const bootDiskKeyGrant = new KmsCryptoKeyIamMember(this, "BootDiskKeyComputeAgent", {
      cryptoKeyId: this.bootDiskKey.id,
      role: "roles/cloudkms.cryptoKeyEncrypterDecrypter",
      member: `serviceAccount:service-${projectData.number}@compute-system.iam.gserviceaccount.com`,
    });

    // Node service account: logging, monitoring and image pulls only (no Compute Engine default account).
    this.nodeServiceAccount = new ServiceAccount(this, "NodeServiceAccount", {
      // A GKE cluster name is already a valid account ID prefix: `<name>-nodes` is 7 to 30 characters after hashing.
      accountId: generatedName([props.clusterName, "nodes"], 30),
      project: props.project,
      displayName: `Nodes of GKE cluster ${props.clusterName}`,
      description: `Least-privilege node service account of GKE cluster ${props.clusterName}`,
    });
    const nodeRoles = Object.entries(NODE_ROLES).map(
      ([roleId, role]) =>
        new ProjectIamMember(this, `NodeRole${roleId}`, {
          project: props.project,
          role,
          member: `serviceAccount:${this.nodeServiceAccount.email}`,
        }),
    );

    const nodeSecurity = this.secureNodeConfig();
    this.resource = new ContainerCluster(this, "Resource", {
      name: props.clusterName,
      project: props.project,
      location: props.location,
      description: `Strata GKE cluster ${props.clusterName}`,
      deletionProtection: protect,
      network: networkRef,
      subnetwork: subnetworkRef,
      networkingMode: "VPC_NATIVE",
      ipAllocationPolicy: { clusterSecondaryRangeName: podsRange, servicesSecondaryRangeName: servicesRange },
      datapathProvider: "ADVANCED_DATAPATH",
      privateClusterConfig: {
        enablePrivateNodes: true,
        enablePrivateEndpoint: this.privateEndpointOnly,
        masterIpv4CidrBlock: masterCidr,
        // Always written out: the provider keeps a removed block's last value (the field is optional and computed).
        masterGlobalAccessConfig: { enabled: props.privateEndpointGlobalAccess ?? false },
      },
      masterAuthorizedNetworksConfig: {
        gcpPublicCidrsAccessEnabled: false,
        // Authorized networks also guard the private endpoint: only the nodes' ranges and the listed
        // CIDRs reach it, not every address of the network (GKE enforces this on private-only
        // endpoints anyway; written out so that adding a public endpoint keeps it).
        privateEndpointEnforcementEnabled: true,
        cidrBlocks: authorizedCidrs?.map((cidr, i) => ({ cidrBlock: cidr, displayName: `strata-authorized-${i}` })),
      },
      // The DNS-based endpoint, IAM-authenticated. Always written out: the block is optional and computed,
      // so leaving it out would keep whatever the cluster has (a console change) instead of this setting.
      controlPlaneEndpointsConfig: { dnsEndpointConfig: { allowExternalTraffic: dnsEndpoint } },
      masterAuth: { clientCertificateConfig: { issueClientCertificate: false } },
      enableLegacyAbac: false,
      enableShieldedNodes: true,
      releaseChannel: { channel: releaseChannel },
      workloadIdentityConfig: { workloadPool: this.workloadPool },
      databaseEncryption: { state: "ENCRYPTED", keyName: this.secretsKey.id },
      loggingConfig: { enableComponents: loggingComponents },
      // The default pool is only a bootstrap step: create it small and secure, then remove it.
      removeDefaultNodePool: true,
      initialNodeCount: 1,
      nodeConfig: nodeSecurity,
      dependsOn: [secretsKeyGrant, bootDiskKeyGrant, ...nodeRoles],
      lifecycle: {
        preventDestroy: protect,
        // node_config only describes the removed default pool; a change to it would replace the cluster.
        ignoreChanges: ["node_config"],
      },
    });
    this.dnsEndpoint = dnsEndpoint;
    this.endpoint = dnsEndpoint
      ? this.resource.controlPlaneEndpointsConfig.dnsEndpointConfig.endpoint
      : this.privateEndpointOnly
        ? this.resource.privateClusterConfig.privateEndpoint
        : this.resource.endpoint;
    this.clusterCaCertificate = this.resource.masterAuth.clusterCaCertificate;

    // The control plane reaches nodes over the VPC peering from masterIpv4CidrBlock; GKE's own rule
    // opens only 443 and 10250, so admission webhooks on other ports need this one.
    if (webhookPorts.length > 0) {
      this.webhookFirewall = new ComputeFirewall(this, "WebhookFirewall", {
        name: generatedName([props.clusterName, props.location, "webhooks"], 63),
        project: networkProject,
        network: this.network ? this.network.network.name : networkRef,
        description: `Lets the control plane of GKE cluster ${props.clusterName} reach admission webhooks on its nodes`,
        direction: "INGRESS",
        sourceRanges: [masterCidr],
        targetServiceAccounts: [this.nodeServiceAccount.email],
        allow: [{ protocol: "tcp", ports: webhookPorts.map((port) => (isUnresolved(port) ? Token.asString(port) : String(port))) }],
      });
    }

    // System node pool: on-demand, autoscaling per zone, surge upgrades.
    const systemLabels = {
      [POOL_LABEL]: "system",
      [PURPOSE_LABEL]: NodePoolPurpose.SYSTEM,
      [CAPACITY_LABEL]: CapacityType.ON_DEMAND,
    };
    this.systemNodePool = new ContainerNodePool(this, "SystemNodePool", {
      name: "system",
      project: props.project,
      location: props.location,
      cluster: this.resource.id,
      initialNodeCount: systemMin,
      autoscaling: { minNodeCount: systemMin, maxNodeCount: systemMax },
      management: { autoRepair: true, autoUpgrade: true },
      upgradeSettings: { strategy: "SURGE", maxSurge: 1, maxUnavailable: 0 },
      nodeConfig: {
        ...nodeSecurity,
        machineType,
        diskType: "pd-balanced",
        diskSizeGb: diskSize,
        labels: systemLabels,
      },
      // The autoscaler changes the node count; initial_node_count only sizes the first creation.
      lifecycle: { ignoreChanges: ["initial_node_count"] },
    });
    const zones = regional ? REGIONAL_ZONE_COUNT : 1;
    this.pools.register({
      name: "system",
      purpose: NodePoolPurpose.SYSTEM,
      capacityType: CapacityType.ON_DEMAND,
      labels: systemLabels,
      taints: [],
      minNodes: isUnresolved(systemMin) ? systemMin : systemMin * zones,
      get maxNodes(): number {
        const max = systemMaxAtSynth();
        return isUnresolved(max) ? max : max * zones;
      },
      instanceTypes: [machineType],
    });
  }


  /**
   * The node settings every Strata pool on this cluster uses: the least-privilege node service
   * account, Container-Optimized OS, boot disks encrypted with the cluster's key, shielded nodes
   * with secure boot, the GKE metadata server and no legacy metadata endpoints.
   */
  public secureNodeConfig(): ContainerNodePoolNodeConfig {
    return {
      serviceAccount: this.nodeServiceAccount.email,
      oauthScopes: [CLOUD_PLATFORM_SCOPE],
      imageType: "COS_CONTAINERD",
      bootDiskKmsKey: this.bootDiskKey.id,
      shieldedInstanceConfig: { enableSecureBoot: true, enableIntegrityMonitoring: true },
      workloadMetadataConfig: { mode: "GKE_METADATA" },
      metadata: { "disable-legacy-endpoints": "true" },
    };
  }

  /**
   * Adds an on-demand GPU node pool for inference (min 1 node unless `minNodes: 0`), tainted
   * `nvidia.com/gpu=present:NoSchedule` by GKE.
   */
  public addGpuNodePool(id: string, options: GkeGpuNodePoolOptions): GkeGpuNodePool {
    return new GkeGpuNodePool(this, id, { ...options, cluster: this });
  }

  /**
   * Adds a spot training pool: Spot VMs with the GPU, tainted `workload=training:NoSchedule`,
   * scaling to zero when idle.
   */
  public addSpotTrainingPool(id: string, options: GkeGpuNodePoolOptions): GkeGpuNodePool {
    return new GkeGpuNodePool(this, id, { ...options, cluster: this, spotTraining: true });
  }
  /** The node pools of this cluster (node counts are totals: per-zone counts times three for a regional cluster). */
  public get nodePools(): NodePoolInfo[] {
    return this.pools.all();
  }

  /** The system workloads Strata constructs registered on this cluster. */
  public get systemWorkloads(): SystemWorkload[] {
    return this.pools.systemWorkloads();
  }

  /** Records the requests of pods a construct adds to the system nodes (names must be unique). */
  public addSystemWorkload(workload: SystemWorkload): void {
    this.pools.addSystemWorkload(workload);
  }

  /** Registers a node pool created by another construct (names must be unique). */
  public registerNodePool(pool: NodePoolInfo): void {
    this.pools.register(pool);
  }

  /**
   * Creates a Google service account that the Kubernetes service account
   * `namespace/serviceAccountName` impersonates through Workload Identity. Grant it roles with your
   * own IAM members, or through an `IObjectStore`.
   */
  public addWorkloadIdentity(id: string, options: WorkloadIdentityOptions): IWorkloadIdentity {
    assertNewWorkloadIdentity(this, options.namespace, options.serviceAccountName);
    return new GkeWorkloadIdentity(this, id, { cluster: this, ...options });
  }

  /**
   * Provider wiring for a later stack (endpoint, and CA for an IP endpoint, as cross-stack
   * references): the DNS-based endpoint with `dnsEndpoint` (the runner needs Google credentials
   * with `container.clusters.connect`, no network path); else the public IP endpoint with
   * `publicEndpoint`; else the private IP endpoint (so the runner must reach the cluster's network,
   * from an address GKE allows: the nodes' subnetwork or `masterAuthorizedCidrs`).
   */
  public accessFor(scope: Construct, authentication: ClusterAuthentication): ClusterAccess {
    // The DNS-based endpoint is served by Google's front end with a publicly trusted certificate, not
    // one issued by the cluster's CA: the providers verify it against the system roots, so no CA is
    // given (gcloud's `get-credentials --dns-endpoint` writes no certificate-authority-data either, as
    // remembered from Google's docs and seen in public Terraform configurations; not tried on a live cluster).
    const base = this.dnsEndpoint
      ? { host: `https://${this.endpoint}` }
      : { host: `https://${this.endpoint}`, clusterCaCertificate: Fn.base64decode(this.clusterCaCertificate) };
    if (authentication === ClusterAuthentication.DATA_SOURCE_TOKEN) {
      const stack = TerraformStack.of(scope);
      if (!stack.node.findAll().some((c) => c instanceof GoogleProvider && c.alias === undefined)) {
        invalid(
          scope,
          "authentication",
          authentication,
          `DATA_SOURCE_TOKEN needs a Google provider in stack "${stack.node.id}" to read google_client_config; add one or use EXEC_PLUGIN`,
        );
      }
      const config = new DataGoogleClientConfig(scope, "GoogleClientConfig");
      return { ...base, token: config.accessToken };
    }
    return { ...base, execCommand: "gke-gcloud-auth-plugin", execArgs: [] };
  }

  /**
   * Creates a `ClusterConnection` in `scope` (a later stack): kubernetes and helm providers
   * configured for this cluster.
   */
  public connect(scope: Construct, id: string, options: ConnectOptions = {}): ClusterConnection {
    return new ClusterConnection(scope, id, { cluster: this, ...options });
  }
}
