import { Construct } from "constructs";
import { Fn } from "cdktf";
import { DataAwsAvailabilityZones } from "@cdktf/provider-aws/lib/data-aws-availability-zones";
import { DataAwsVpcEndpointService } from "@cdktf/provider-aws/lib/data-aws-vpc-endpoint-service";
import { DefaultSecurityGroup } from "@cdktf/provider-aws/lib/default-security-group";
import { Eip } from "@cdktf/provider-aws/lib/eip";
import { InternetGateway } from "@cdktf/provider-aws/lib/internet-gateway";
import { NatGateway } from "@cdktf/provider-aws/lib/nat-gateway";
import { Route } from "@cdktf/provider-aws/lib/route";
import { RouteTable } from "@cdktf/provider-aws/lib/route-table";
import { RouteTableAssociation } from "@cdktf/provider-aws/lib/route-table-association";
import { SecurityGroup } from "@cdktf/provider-aws/lib/security-group";
import { Subnet } from "@cdktf/provider-aws/lib/subnet";
import { Vpc } from "@cdktf/provider-aws/lib/vpc";
import { VpcEndpoint } from "@cdktf/provider-aws/lib/vpc-endpoint";
import { VpcSecurityGroupIngressRule } from "@cdktf/provider-aws/lib/vpc-security-group-ingress-rule";
import { VpnGatewayRoutePropagation } from "@cdktf/provider-aws/lib/vpn-gateway-route-propagation";
import {
  cidrsOverlap,
  invalid,
  isUnresolved,
  parseIpv4Cidr,
  typeName,
  validateCidr,
  validateEnum,
  validateInteger,
  validateList,
  validateUniqueList,
} from "../core/validation";

/**
 * How many NAT gateways give the private subnets their egress. `SINGLE` is the cheap default (one
 * gateway-hour, but every zone's egress crosses zones to it and stops when its zone fails);
 * `ONE_PER_ZONE` is the production choice (zone-independent egress, no cross-zone data charge, one
 * gateway-hour and one Elastic IP per zone).
 */
export enum NatGatewayMode {
  /** One NAT gateway for the whole VPC: cheapest; egress stops if its zone fails. */
  SINGLE = "single",
  /** One NAT gateway per availability zone: zone-independent egress, one gateway-hour each. */
  ONE_PER_ZONE = "one-per-zone",
}

/**
 * AWS services reachable through an interface VPC endpoint in the private subnets, so their
 * traffic stays off the NAT gateways (each endpoint is billed per hour and zone, plus per GB).
 */
export enum VpcInterfaceEndpoint {
  /** Amazon ECR API (`ecr.api`): image manifests and auth tokens. Use with `ECR_DKR`. */
  ECR_API = "ecr.api",
  /** Amazon ECR Docker registry (`ecr.dkr`): image pulls (layers come from S3, through the gateway endpoint). */
  ECR_DKR = "ecr.dkr",
  /** AWS STS (`sts`): the web-identity and Pod Identity credential exchanges of workloads. */
  STS = "sts",
  /** Amazon EC2 API (`ec2`): the VPC CNI and Karpenter. */
  EC2 = "ec2",
  /** CloudWatch Logs (`logs`). */
  LOGS = "logs",
  /** Amazon SQS (`sqs`): Karpenter's interruption queue. */
  SQS = "sqs",
  /** Elastic Load Balancing (`elasticloadbalancing`): the AWS Load Balancer Controller. */
  ELASTIC_LOAD_BALANCING = "elasticloadbalancing",
}

/**
 * A route in the private route tables of an `AwsVpc`: traffic to `destinationCidr` goes to exactly
 * one target (a transit gateway, a VPC peering connection or a virtual private gateway) instead of
 * the NAT gateway. Runner and VPN networks that reach the private EKS endpoint need one, or the
 * endpoint's replies to them leave through the NAT gateway and never arrive.
 *
 * The target must be attached to the VPC before the route is created (AWS rejects a route to a
 * transit gateway without a VPC attachment, or to a virtual private gateway not attached to the
 * VPC). When the attachment is in the same stack, pass its attribute (`attachment.transitGatewayId`,
 * `attachment.vpnGatewayId`) so that Terraform creates the route after it.
 */
export interface VpcRoute {
  /** IPv4 CIDR the route sends to the target, outside the VPC CIDR and not `0.0.0.0/0` (NAT's). */
  readonly destinationCidr: string;
  /**
   * Transit gateway (`tgw-...`) attached to the VPC.
   * @default - not a transit gateway route
   */
  readonly transitGatewayId?: string;
  /**
   * VPC peering connection (`pcx-...`), active.
   * @default - not a peering route
   */
  readonly vpcPeeringConnectionId?: string;
  /**
   * Virtual private gateway (`vgw-...`) attached to the VPC (a site-to-site VPN's AWS side): a static route.
   * @default - not a virtual private gateway route
   */
  readonly vpnGatewayId?: string;
}

const ROUTE_TARGETS: ReadonlyArray<readonly [keyof VpcRoute, string, string]> = [
  ["transitGatewayId", "tgw", "a transit gateway id"],
  ["vpcPeeringConnectionId", "pcx", "a VPC peering connection id"],
  ["vpnGatewayId", "vgw", "a virtual private gateway id"],
];

/** Validates an AWS resource id with its prefix (`tgw-0123456789abcdef0`: 8 or 17 hex digits). Skips undefined and tokens. */
function validateAwsId(scope: Construct, prop: string, value: unknown, prefix: string, what: string): void {
  if (value === undefined || isUnresolved(value)) return;
  const allowed = `must be ${what} such as "${prefix}-0123456789abcdef0" (${prefix}- and 8 or 17 hex digits)`;
  if (typeof value !== "string") invalid(scope, prop, value, `${allowed}, not ${typeName(value)}`);
  if (!new RegExp(`^${prefix}-([0-9a-f]{8}|[0-9a-f]{17})$`).test(value)) invalid(scope, prop, value, allowed);
}

/** Props of `AwsVpc`. */
export interface AwsVpcProps {
  /**
   * Name used in `Name` tags and subnet discovery tags (the EKS cluster name).
   */
  readonly name: string;
  /**
   * IPv4 CIDR of the VPC, from /16 to /20. Private subnets take the first eighths of it,
   * public subnets small blocks of the last eighth.
   * @default "10.0.0.0/16"
   */
  readonly cidr?: string;
  /**
   * Number of availability zones to spread subnets over (2-6).
   * @default 3
   */
  readonly zoneCount?: number;
  /**
   * NAT gateway layout.
   * @default NatGatewayMode.SINGLE
   */
  readonly natGateways?: NatGatewayMode;
  /**
   * Interface VPC endpoints to create in the private subnets (private DNS on; a security group
   * admits HTTPS from the VPC CIDR). Each costs an endpoint-hour per zone: list the services whose
   * traffic would otherwise pay NAT processing (image pulls: `ECR_API` + `ECR_DKR`; credentials: `STS`).
   * An S3 gateway endpoint (free) is always created.
   * @default - none
   */
  readonly interfaceEndpoints?: VpcInterfaceEndpoint[];
  /**
   * Routes in every private route table besides the NAT gateway's default route: send the networks
   * of CI runners and VPN clients (the private EKS endpoint's callers) to a transit gateway, a
   * peering connection or a virtual private gateway. More can be added with `addPrivateRoute`.
   * @default - none (only the local route and 0.0.0.0/0 through NAT)
   */
  readonly privateRoutes?: VpcRoute[];
  /**
   * A virtual private gateway (`vgw-...`, attached to the VPC) whose routes (the VPN connections'
   * static routes and BGP-learned routes) propagate to every private route table. Also available
   * as `propagateVpnGatewayRoutes`.
   * @default - no route propagation
   */
  readonly propagatingVpnGatewayId?: string;
}

/** Splits `cidr` into the `index`-th block with `newBits` more prefix bits (as Terraform's cidrsubnet). */
function cidrSubnet(cidr: string, newBits: number, index: number): string {
  const parsed = parseIpv4Cidr(cidr)!;
  const prefix = parsed.prefix + newBits;
  const address = (parsed.network + index * 2 ** (32 - prefix)) >>> 0;
  return `${[24, 16, 8, 0].map((s) => (address >>> s) & 255).join(".")}/${prefix}`;
}

/**
 * A VPC laid out for an EKS cluster: private subnets for nodes (tagged for internal load
 * balancers and Karpenter discovery), small public subnets that hold only NAT gateways and
 * public load balancers, a default security group that allows nothing, an S3 gateway endpoint on
 * the private route tables (data and image layers from S3 skip NAT processing charges), and
 * optionally interface endpoints (`interfaceEndpoints`). The private route tables hold no inline
 * routes: the NAT default route and the `privateRoutes` are separate `aws_route` resources, so
 * routes you add to `privateRouteTableIds` yourself are not removed on the next apply.
 *
 * @example
 * const vpc = new AwsVpc(stack, "Vpc", {
 *   name: "ml",
 *   zoneCount: 3,
 *   privateRoutes: [{ destinationCidr: "10.100.0.0/16", transitGatewayId: "tgw-0123456789abcdef0" }],
 * });
 */
export class AwsVpc extends Construct {
  /** The VPC. */
  public readonly vpc: Vpc;
  /** IDs of the private subnets, one per zone. */
  public readonly privateSubnetIds: string[];
  /** IDs of the public subnets, one per zone. */
  public readonly publicSubnetIds: string[];
  /** The VPC CIDR. */
  public readonly cidr: string;
  /** The S3 gateway endpoint on the private route tables. */
  public readonly s3Endpoint: VpcEndpoint;
  /** IDs of the private route tables, one per zone (add your own `aws_route` resources to them). */
  public readonly privateRouteTableIds: string[];

  private readonly routeTables: RouteTable[] = [];
  private readonly routes: VpcRoute[] = [];
  private readonly propagating: string[] = [];

  constructor(scope: Construct, id: string, props: AwsVpcProps) {
    super(scope, id);
    const cidr = props.cidr ?? "10.0.0.0/16";
    const zoneCount = props.zoneCount ?? 3;
    const natMode = props.natGateways ?? NatGatewayMode.SINGLE;
    const interfaceEndpoints = props.interfaceEndpoints ?? [];
    validateEnum(this, "natGateways", props.natGateways, NatGatewayMode, "NatGatewayMode");
    validateList(this, "interfaceEndpoints", interfaceEndpoints, '[VpcInterfaceEndpoint.ECR_API] ("ecr.api")');
    interfaceEndpoints.forEach((e, i) => validateEnum(this, `interfaceEndpoints[${i}]`, e, VpcInterfaceEndpoint, "VpcInterfaceEndpoint"));
    validateUniqueList(this, "interfaceEndpoints", interfaceEndpoints);
    if (isUnresolved(cidr) || isUnresolved(zoneCount)) {
      invalid(this, isUnresolved(cidr) ? "cidr" : "zoneCount", "<token>", "must be a literal value: subnets are laid out at synth time");
    }
    validateCidr(this, "cidr", cidr, 16, 20);
    validateInteger(this, "zoneCount", zoneCount, 2, 6);
    this.cidr = cidr;

    const zones = new DataAwsAvailabilityZones(this, "Zones", {
      state: "available",
      filter: [{ name: "opt-in-status", values: ["opt-in-not-required"] }],
    });
    this.vpc = new Vpc(this, "Resource", {
      cidrBlock: cidr,
      enableDnsHostnames: true,
      enableDnsSupport: true,
      tags: { Name: props.name },
      lifecycle: {
        precondition: [
          {
            condition: `\${length(${zones.fqn}.names) >= ${zoneCount}}`,
            errorMessage: `zoneCount is ${zoneCount}, but the region has fewer available availability zones; lower zoneCount`,
          },
        ],
      },
    });
    new DefaultSecurityGroup(this, "DefaultSecurityGroup", {
      vpcId: this.vpc.id,
      tags: { Name: `${props.name}-default-deny` },
    });
    const igw = new InternetGateway(this, "InternetGateway", { vpcId: this.vpc.id, tags: { Name: props.name } });
    const publicRoutes = new RouteTable(this, "PublicRoutes", {
      vpcId: this.vpc.id,
      route: [{ cidrBlock: "0.0.0.0/0", gatewayId: igw.id }],
      tags: { Name: `${props.name}-public` },
    });

    const publicSubnets: Subnet[] = [];
    const privateSubnets: Subnet[] = [];
    const nats: NatGateway[] = [];
    const privateRoutes: RouteTable[] = [];
    for (let i = 0; i < zoneCount; i++) {
      const zone = Fn.element(zones.names, i);
      const pub = new Subnet(this, `Public${i}`, {
        vpcId: this.vpc.id,
        availabilityZone: zone,
        cidrBlock: cidrSubnet(cidrSubnet(cidr, 3, 7), 5, i),
        mapPublicIpOnLaunch: false,
        tags: { Name: `${props.name}-public-${i}`, "kubernetes.io/role/elb": "1" },
      });
      new RouteTableAssociation(this, `PublicRoutes${i}`, { subnetId: pub.id, routeTableId: publicRoutes.id });
      publicSubnets.push(pub);
      if (i === 0 || natMode === NatGatewayMode.ONE_PER_ZONE) {
        const eip = new Eip(this, `NatIp${i}`, { domain: "vpc", tags: { Name: `${props.name}-nat-${i}` } });
        nats.push(
          new NatGateway(this, `Nat${i}`, {
            allocationId: eip.allocationId,
            subnetId: pub.id,
            tags: { Name: `${props.name}-${i}` },
            dependsOn: [igw],
          }),
        );
      }
      const priv = new Subnet(this, `Private${i}`, {
        vpcId: this.vpc.id,
        availabilityZone: zone,
        cidrBlock: cidrSubnet(cidr, 3, i),
        tags: {
          Name: `${props.name}-private-${i}`,
          "kubernetes.io/role/internal-elb": "1",
          "karpenter.sh/discovery": props.name,
        },
      });
      // No inline `route` blocks: they would own the whole table and delete any route added beside them.
      const routes = new RouteTable(this, `PrivateRoutes${i}`, {
        vpcId: this.vpc.id,
        tags: { Name: `${props.name}-private-${i}` },
      });
      new Route(this, `PrivateRoutes${i}Default`, {
        routeTableId: routes.id,
        destinationCidrBlock: "0.0.0.0/0",
        natGatewayId: nats[Math.min(i, nats.length - 1)].id,
      });
      new RouteTableAssociation(this, `PrivateRoutes${i}Association`, { subnetId: priv.id, routeTableId: routes.id });
      privateSubnets.push(priv);
      privateRoutes.push(routes);
    }
    this.privateSubnetIds = privateSubnets.map((s) => s.id);
    this.publicSubnetIds = publicSubnets.map((s) => s.id);
    this.routeTables.push(...privateRoutes);
    this.privateRouteTableIds = privateRoutes.map((r) => r.id);
    validateList(this, "privateRoutes", props.privateRoutes, '[{ destinationCidr: "10.100.0.0/16", transitGatewayId: "tgw-0123456789abcdef0" }]');
    (props.privateRoutes ?? []).forEach((route, i) => this.addRouteChecked(`privateRoutes[${i}]`, route));
    if (props.propagatingVpnGatewayId !== undefined) this.propagateRoutes("propagatingVpnGatewayId", props.propagatingVpnGatewayId);

    // S3 gateway endpoint (no charge): the service name comes from the region's endpoint service,
    // so it is right in every partition.
    const s3Service = new DataAwsVpcEndpointService(this, "S3Service", { service: "s3", serviceType: "Gateway" });
    this.s3Endpoint = new VpcEndpoint(this, "S3Endpoint", {
      vpcId: this.vpc.id,
      serviceName: s3Service.serviceName,
      vpcEndpointType: "Gateway",
      routeTableIds: privateRoutes.map((r) => r.id),
      tags: { Name: `${props.name}-s3` },
    });

    if (interfaceEndpoints.length > 0) {
      const endpointSg = new SecurityGroup(this, "EndpointSecurityGroup", {
        name: `${props.name}-vpc-endpoints`,
        description: "Interface VPC endpoints: HTTPS from the VPC",
        vpcId: this.vpc.id,
        tags: { Name: `${props.name}-vpc-endpoints` },
      });
      new VpcSecurityGroupIngressRule(this, "EndpointHttpsFromVpc", {
        securityGroupId: endpointSg.id,
        description: "HTTPS from the VPC",
        ipProtocol: "tcp",
        fromPort: 443,
        toPort: 443,
        cidrIpv4: cidr,
      });
      for (const service of interfaceEndpoints) {
        const found = new DataAwsVpcEndpointService(this, `Service-${service}`, { service, serviceType: "Interface" });
        new VpcEndpoint(this, `Endpoint-${service}`, {
          vpcId: this.vpc.id,
          serviceName: found.serviceName,
          vpcEndpointType: "Interface",
          privateDnsEnabled: true,
          subnetIds: this.privateSubnetIds,
          securityGroupIds: [endpointSg.id],
          tags: { Name: `${props.name}-${service}` },
        });
      }
    }
  }

  /** The routes added to the private route tables (`privateRoutes` and `addPrivateRoute`). */
  public get privateRoutes(): VpcRoute[] {
    return [...this.routes];
  }

  /** The virtual private gateways whose routes propagate to the private route tables. */
  public get propagatingVpnGatewayIds(): string[] {
    return [...this.propagating];
  }

  /**
   * Adds a route to every private route table (one `aws_route` per table, construct id
   * `PrivateRoutes<zone>To<destination CIDR>`). Use it when the target's attachment is created after
   * the VPC, passing the attachment's attribute so that Terraform orders the route after it.
   */
  public addPrivateRoute(route: VpcRoute): void {
    this.addRouteChecked(`privateRoutes[${this.routes.length}]`, route);
  }

  /**
   * Propagates the routes of a virtual private gateway (`vgw-...`, attached to the VPC) to every
   * private route table (one `aws_vpn_gateway_route_propagation` per table).
   */
  public propagateVpnGatewayRoutes(vpnGatewayId: string): void {
    this.propagateRoutes(`propagatingVpnGatewayIds[${this.propagating.length}]`, vpnGatewayId);
  }

  private propagateRoutes(prop: string, vpnGatewayId: string): void {
    if (vpnGatewayId === undefined) invalid(this, prop, vpnGatewayId, 'is required: a virtual private gateway id such as "vgw-0123456789abcdef0"');
    validateAwsId(this, prop, vpnGatewayId, "vgw", "a virtual private gateway id");
    if (!isUnresolved(vpnGatewayId) && this.propagating.includes(vpnGatewayId)) {
      invalid(this, prop, vpnGatewayId, "already propagates to the private route tables; list each gateway once");
    }
    const n = this.propagating.length;
    this.routeTables.forEach((table, i) => {
      new VpnGatewayRoutePropagation(this, `PrivateRoutes${i}Propagation${n === 0 ? "" : n}`, { routeTableId: table.id, vpnGatewayId });
    });
    this.propagating.push(vpnGatewayId);
  }

  private addRouteChecked(prop: string, route: VpcRoute): void {
    const example = '{ destinationCidr: "10.100.0.0/16", transitGatewayId: "tgw-0123456789abcdef0" }';
    if (route === null || typeof route !== "object" || Array.isArray(route) || isUnresolved(route)) {
      invalid(this, prop, route, `must be a route such as ${example}, not ${typeName(route)}`);
    }
    const known = ["destinationCidr", ...ROUTE_TARGETS.map(([key]) => key)];
    for (const key of Object.keys(route)) {
      if (!known.includes(key)) invalid(this, `${prop}.${key}`, (route as any)[key], `is not a route field; a route has ${known.join(", ")}`);
    }
    const cidr = route.destinationCidr;
    if (cidr === undefined) invalid(this, `${prop}.destinationCidr`, cidr, "is required: the IPv4 CIDR to route, such as 10.100.0.0/16");
    validateCidr(this, `${prop}.destinationCidr`, cidr);
    if (!isUnresolved(cidr)) {
      if (parseIpv4Cidr(cidr)!.prefix === 0) {
        invalid(this, `${prop}.destinationCidr`, cidr, "must not be 0.0.0.0/0: the default route goes through the NAT gateway; list the networks to send elsewhere");
      }
      if (cidrsOverlap(cidr, this.cidr)) {
        invalid(this, `${prop}.destinationCidr`, cidr, `overlaps the VPC CIDR ${this.cidr}: addresses inside the VPC take its local route; route only networks outside it`);
      }
      const twin = this.routes.findIndex((r) => !isUnresolved(r.destinationCidr) && cidrsOverlap(r.destinationCidr, cidr));
      if (twin >= 0) {
        invalid(
          this,
          `${prop}.destinationCidr`,
          cidr,
          `overlaps privateRoutes[${twin}].destinationCidr (${this.routes[twin].destinationCidr}); give each network one route (a more specific route to another target wins silently)`,
        );
      }
    }
    const targets = ROUTE_TARGETS.filter(([key]) => route[key] !== undefined);
    if (targets.length !== 1) {
      invalid(
        this,
        prop,
        route,
        targets.length === 0
          ? "must name exactly one target: transitGatewayId, vpcPeeringConnectionId or vpnGatewayId"
          : `names ${targets.map(([key]) => key).join(" and ")}; give exactly one target per route`,
      );
    }
    const [key, prefix, what] = targets[0];
    validateAwsId(this, `${prop}.${key}`, route[key], prefix, what);

    const n = this.routes.length;
    const suffix = isUnresolved(cidr) ? `Route${n}` : `To${cidr.replace(/[./]/g, "_")}`;
    this.routeTables.forEach((table, i) => {
      new Route(this, `PrivateRoutes${i}${suffix}`, {
        routeTableId: table.id,
        destinationCidrBlock: cidr,
        transitGatewayId: route.transitGatewayId,
        vpcPeeringConnectionId: route.vpcPeeringConnectionId,
        gatewayId: route.vpnGatewayId,
      });
    });
    this.routes.push({ ...route });
  }
}
