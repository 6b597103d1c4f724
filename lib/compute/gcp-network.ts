import { Construct, IConstruct } from "constructs";
import { ComputeNetwork } from "@cdktf/provider-google/lib/compute-network";
import { ComputeGlobalAddress } from "@cdktf/provider-google/lib/compute-global-address";
import { ComputeRouter } from "@cdktf/provider-google/lib/compute-router";
import { ComputeRouterNat } from "@cdktf/provider-google/lib/compute-router-nat";
import { ComputeSubnetwork } from "@cdktf/provider-google/lib/compute-subnetwork";
import { ServiceNetworkingConnection } from "@cdktf/provider-google/lib/service-networking-connection";
import { NamingRule, validateName } from "../core/naming";
import { cidrsOverlap, invalid, isUnresolved, validateCidr, validateEnum, validateGcpRegion, validateMinMax, validateNonEmpty } from "../core/validation";

/** How often VPC flow logs aggregate a connection's packets into one entry: longer is fewer entries and a smaller bill. */
export enum FlowLogAggregationInterval {
  /** 5 seconds (Google Cloud's default): the most entries. */
  INTERVAL_5_SEC = "INTERVAL_5_SEC",
  /** 30 seconds. */
  INTERVAL_30_SEC = "INTERVAL_30_SEC",
  /** 1 minute. */
  INTERVAL_1_MIN = "INTERVAL_1_MIN",
  /** 5 minutes. */
  INTERVAL_5_MIN = "INTERVAL_5_MIN",
  /** 10 minutes: Strata's default. */
  INTERVAL_10_MIN = "INTERVAL_10_MIN",
  /** 15 minutes: the fewest entries. */
  INTERVAL_15_MIN = "INTERVAL_15_MIN",
}

/** True when `n` is a power of two. */
function isPowerOfTwo(n: number): boolean {
  return Number.isInteger(n) && n > 0 && (n & (n - 1)) === 0;
}

/** A power of two within [min, max]. Skips tokens and undefined. */
function validatePowerOfTwo(scope: IConstruct, prop: string, value: number | undefined, min: number, max: number): void {
  if (value === undefined || isUnresolved(value)) return;
  if (typeof value !== "number" || !isPowerOfTwo(value) || value < min || value > max) {
    invalid(scope, prop, value, `must be a power of two from ${min} to ${max} (Cloud NAT with dynamic port allocation)`);
  }
}


/** Name of the subnetwork's secondary range for Pod IPs. */
const PODS_RANGE_NAME = "pods";
/** Name of the subnetwork's secondary range for Service IPs. */
const SERVICES_RANGE_NAME = "services";

/** Prefix-length limits: subnet primary range (/8-/29), Pods (/9-/24, one node at 110 Pods needs a /24), Services (/16-/27). */
const NODES_PREFIX = { min: 8, max: 29 };
const PODS_PREFIX = { min: 9, max: 24 };
const SERVICES_PREFIX = { min: 16, max: 27 };

/** Each range well-formed and within its size limits, and no two overlapping. */
function validateRanges(scope: IConstruct, cidrs: { nodesCidr: string; podsCidr: string; servicesCidr: string }): void {
  validateCidr(scope, "nodesCidr", cidrs.nodesCidr, NODES_PREFIX.min, NODES_PREFIX.max);
  validateCidr(scope, "podsCidr", cidrs.podsCidr, PODS_PREFIX.min, PODS_PREFIX.max);
  validateCidr(scope, "servicesCidr", cidrs.servicesCidr, SERVICES_PREFIX.min, SERVICES_PREFIX.max);
  const named = Object.entries(cidrs).filter(([, v]) => !isUnresolved(v));
  for (let i = 0; i < named.length; i++) {
    for (let j = i + 1; j < named.length; j++) {
      const [propA, a] = named[i];
      const [propB, b] = named[j];
      if (cidrsOverlap(a, b)) {
        invalid(scope, propB, b, `must not overlap ${propA} (${a}); nodes, Pods and Services need disjoint ranges`);
      }
    }
  }
}

/** Props of `GcpNetwork`. */
export interface GcpNetworkProps {
  /** Name of the network, and prefix of the subnetwork, router and NAT names (the GKE cluster name). */
  readonly name: string;
  /** ID of the Google Cloud project the network lives in. */
  readonly project: string;
  /** Region of the subnetwork, Cloud Router and Cloud NAT, e.g. `us-central1`. */
  readonly region: string;
  /**
   * Primary range of the subnetwork, for node IPs (/8 to /29).
   * @default "10.0.0.0/20"
   */
  readonly nodesCidr?: string;
  /**
   * Secondary range `pods`, for Pod IPs (/9 to /24).
   * @default "10.4.0.0/14"
   */
  readonly podsCidr?: string;
  /**
   * Secondary range `services`, for Service cluster IPs (/16 to /27).
   * @default "10.8.0.0/20"
   */
  readonly servicesCidr?: string;
  /**
   * Cloud NAT: ports each VM starts with (a power of two, 32 to 32768). Dynamic port allocation
   * gives a VM more, up to `natMaxPortsPerVm`, as it opens connections: image pulls and data loaders
   * open hundreds of connections to the same registry or bucket endpoint at once, and a VM out of
   * ports drops new connections (Cloud NAT logs them as errors).
   * @default 64
   */
  readonly natMinPortsPerVm?: number;
  /**
   * Cloud NAT: most ports a VM may hold with dynamic port allocation (a power of two, 64 to 65536,
   * above `natMinPortsPerVm`). Each NAT IP serves 64,512 ports, so this bounds how many busy VMs
   * share one address before Cloud NAT adds another.
   * @default 4096
   */
  readonly natMaxPortsPerVm?: number;
  /**
   * VPC flow logs on the subnetwork. Flow logs are billed by volume (Cloud Logging ingestion); the
   * defaults below keep them to a small sample.
   * @default true
   */
  readonly flowLogs?: boolean;
  /**
   * Share of flows recorded, greater than 0 and at most 1. Only with `flowLogs`.
   * @default 0.1
   */
  readonly flowLogSampling?: number;
  /**
   * How long flow logs aggregate a connection into one entry. Only with `flowLogs`.
   * @default FlowLogAggregationInterval.INTERVAL_10_MIN
   */
  readonly flowLogAggregationInterval?: FlowLogAggregationInterval;
}

/**
 * A VPC network laid out for a private GKE cluster: a custom-mode network (no auto subnets),
 * one regional subnetwork with `pods` and `services` secondary ranges, Private Google Access and
 * sampled VPC flow logs (10% of flows, 10-minute aggregation: cheap), and a Cloud Router with Cloud
 * NAT so that nodes without external IPs can reach the internet (image registries, package
 * mirrors). NAT uses dynamic port allocation (64 to 4096 ports per VM), endpoint-independent
 * mapping off (which dynamic allocation requires) and logs errors only.
 *
 * @example
 * const net = new GcpNetwork(stack, "Network", { name: "ml", project: "acme-ml-prod", region: "us-central1" });
 */
export class GcpNetwork extends Construct {
  /** The VPC network. */
  public readonly network: ComputeNetwork;
  /** The subnetwork nodes run in. */
  public readonly subnetwork: ComputeSubnetwork;
  /** The Cloud Router that carries Cloud NAT. */
  public readonly router: ComputeRouter;
  /** Cloud NAT for private-node egress. */
  public readonly nat: ComputeRouterNat;
  /** Name of the secondary range for Pods (`pods`). */
  public readonly podsRangeName: string = PODS_RANGE_NAME;
  /** Name of the secondary range for Services (`services`). */
  public readonly servicesRangeName: string = SERVICES_RANGE_NAME;
  /** Primary range of the subnetwork. */
  public readonly nodesCidr: string;
  /** Pod range. */
  public readonly podsCidr: string;
  /** Service range. */
  public readonly servicesCidr: string;
  /**
   * The private services connection (Cloud SQL, Memorystore private service access), once
   * `addPrivateServiceAccess` has been called.
   */
  public privateServiceConnection?: ServiceNetworkingConnection;
  private readonly project: string;

  constructor(scope: Construct, id: string, props: GcpNetworkProps) {
    super(scope, id);
    const nodesCidr = props.nodesCidr ?? "10.0.0.0/20";
    const podsCidr = props.podsCidr ?? "10.4.0.0/14";
    const servicesCidr = props.servicesCidr ?? "10.8.0.0/20";

    // The GKE cluster-name rule (1-40 characters) keeps every derived name (`<name>-router`) within the 63 GCP allows.
    validateName(this, "name", props.name, NamingRule.GKE_CLUSTER);
    validateNonEmpty(this, "project", props.project);
    validateNonEmpty(this, "region", props.region);
    validateGcpRegion(this, "region", props.region);
    validateRanges(this, { nodesCidr, podsCidr, servicesCidr });
    const natMin = props.natMinPortsPerVm ?? 64;
    const natMax = props.natMaxPortsPerVm ?? 4096;
    validatePowerOfTwo(this, "natMinPortsPerVm", natMin, 32, 32768);
    validatePowerOfTwo(this, "natMaxPortsPerVm", natMax, 64, 65536);
    validateMinMax(this, "natMinPortsPerVm", natMin, "natMaxPortsPerVm", natMax);
    const flowLogs = props.flowLogs ?? true;
    if (typeof flowLogs !== "boolean") invalid(this, "flowLogs", flowLogs, "must be true or false");
    const sampling = props.flowLogSampling ?? 0.1;
    if (!isUnresolved(sampling) && (typeof sampling !== "number" || !(sampling > 0 && sampling <= 1))) {
      invalid(this, "flowLogSampling", sampling, "must be a number greater than 0 and at most 1 (the share of flows logged); set flowLogs: false to turn flow logs off");
    }
    const aggregation = props.flowLogAggregationInterval ?? FlowLogAggregationInterval.INTERVAL_10_MIN;
    validateEnum(this, "flowLogAggregationInterval", aggregation, FlowLogAggregationInterval, "FlowLogAggregationInterval");
    if (!flowLogs) {
      for (const [prop, value] of Object.entries({ flowLogSampling: props.flowLogSampling, flowLogAggregationInterval: props.flowLogAggregationInterval })) {
        if (value !== undefined) invalid(this, prop, value, "only applies with flowLogs: true; remove it, or turn flow logs on");
      }
    }
    this.nodesCidr = nodesCidr;
    this.project = props.project;
    this.podsCidr = podsCidr;
    this.servicesCidr = servicesCidr;

    this.network = new ComputeNetwork(this, "Resource", {
      name: props.name,
      project: props.project,
      autoCreateSubnetworks: false,
      routingMode: "REGIONAL",
      description: `Network of GKE cluster ${props.name}`,
    });
    this.subnetwork = new ComputeSubnetwork(this, "Subnetwork", {
      name: `${props.name}-nodes`,
      project: props.project,
      region: props.region,
      network: this.network.id,
      ipCidrRange: nodesCidr,
      secondaryIpRange: [
        { rangeName: PODS_RANGE_NAME, ipCidrRange: podsCidr },
        { rangeName: SERVICES_RANGE_NAME, ipCidrRange: servicesCidr },
      ],
      privateIpGoogleAccess: true,
      logConfig: flowLogs ? { aggregationInterval: aggregation, flowSampling: sampling, metadata: "INCLUDE_ALL_METADATA" } : undefined,
    });
    this.router = new ComputeRouter(this, "Router", {
      name: `${props.name}-router`,
      project: props.project,
      region: props.region,
      network: this.network.id,
    });
    this.nat = new ComputeRouterNat(this, "Nat", {
      name: `${props.name}-nat`,
      project: props.project,
      region: props.region,
      router: this.router.name,
      natIpAllocateOption: "AUTO_ONLY",
      sourceSubnetworkIpRangesToNat: "LIST_OF_SUBNETWORKS",
      subnetwork: [{ name: this.subnetwork.id, sourceIpRangesToNat: ["ALL_IP_RANGES"] }],
      // Dynamic port allocation needs endpoint-independent mapping off.
      enableDynamicPortAllocation: true,
      enableEndpointIndependentMapping: false,
      minPortsPerVm: natMin,
      maxPortsPerVm: natMax,
      logConfig: { enable: true, filter: "ERRORS_ONLY" },
    });
  }
  /**
   * Adds Private Service Access to the network: a reserved internal range (`purpose = VPC_PEERING`)
   * and the `servicenetworking.googleapis.com` connection that Cloud SQL private IP (and Memorystore
   * with private service access) allocate from. Call once per network; the range must not overlap
   * the nodes, Pods or Services ranges (or anything reachable through peering or VPN).
   *
   * @param cidr the range to reserve, a /16 to /24 (e.g. `10.16.0.0/20`)
   * @returns the connection; pass it to databases created in the same stack so they wait for it
   */
  public addPrivateServiceAccess(cidr: string): ServiceNetworkingConnection {
    if (this.privateServiceConnection !== undefined) {
      invalid(this, "addPrivateServiceAccess", cidr, "is already set up on this network (one private services connection per network): use privateServiceConnection");
    }
    validateCidr(this, "privateServiceAccessCidr", cidr, 16, 24);
    for (const [prop, other] of Object.entries({ nodesCidr: this.nodesCidr, podsCidr: this.podsCidr, servicesCidr: this.servicesCidr })) {
      if (!isUnresolved(cidr) && !isUnresolved(other) && cidrsOverlap(cidr, other)) {
        invalid(this, "privateServiceAccessCidr", cidr, `must not overlap ${prop} (${other})`);
      }
    }
    const [address, prefix] = cidr.split("/");
    const range = new ComputeGlobalAddress(this, "PrivateServiceRange", {
      name: `${this.network.name}-psa`,
      project: this.project,
      purpose: "VPC_PEERING",
      addressType: "INTERNAL",
      address,
      prefixLength: Number(prefix),
      network: this.network.id,
    });
    this.privateServiceConnection = new ServiceNetworkingConnection(this, "PrivateServiceConnection", {
      network: this.network.id,
      service: "servicenetworking.googleapis.com",
      reservedPeeringRanges: [range.name],
    });
    return this.privateServiceConnection;
  }
}
