import { Construct, IConstruct } from "constructs";
import { ComputeNetwork } from "@cdktf/provider-google/lib/compute-network";
import { ComputeRouter } from "@cdktf/provider-google/lib/compute-router";
import { ComputeRouterNat } from "@cdktf/provider-google/lib/compute-router-nat";
import { ComputeSubnetwork } from "@cdktf/provider-google/lib/compute-subnetwork";
import { NamingRule, validateName } from "../core/naming";
import { cidrsOverlap, invalid, isUnresolved, validateCidr, validateNonEmpty } from "../core/validation";

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
}

/**
 * A VPC network laid out for a private GKE cluster: a custom-mode network (no auto subnets),
 * one regional subnetwork with `pods` and `services` secondary ranges, Private Google Access and
 * VPC flow logs, and a Cloud Router with Cloud NAT so that nodes without external IPs can reach
 * the internet (image registries, package mirrors). NAT logs errors.
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

  constructor(scope: Construct, id: string, props: GcpNetworkProps) {
    super(scope, id);
    const nodesCidr = props.nodesCidr ?? "10.0.0.0/20";
    const podsCidr = props.podsCidr ?? "10.4.0.0/14";
    const servicesCidr = props.servicesCidr ?? "10.8.0.0/20";

    // The GKE cluster-name rule (1-40 characters) keeps every derived name (`<name>-router`) within the 63 GCP allows.
    validateName(this, "name", props.name, NamingRule.GKE_CLUSTER);
    validateNonEmpty(this, "project", props.project);
    validateNonEmpty(this, "region", props.region);
    validateRanges(this, { nodesCidr, podsCidr, servicesCidr });
    this.nodesCidr = nodesCidr;
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
      logConfig: {
        aggregationInterval: "INTERVAL_5_SEC",
        flowSampling: 0.5,
        metadata: "INCLUDE_ALL_METADATA",
      },
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
      logConfig: { enable: true, filter: "ERRORS_ONLY" },
    });
  }
}
