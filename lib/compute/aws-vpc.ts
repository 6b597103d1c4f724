import { Construct } from "constructs";
import { Fn } from "cdktf";
import { DataAwsAvailabilityZones } from "@cdktf/provider-aws/lib/data-aws-availability-zones";
import { DefaultSecurityGroup } from "@cdktf/provider-aws/lib/default-security-group";
import { Eip } from "@cdktf/provider-aws/lib/eip";
import { InternetGateway } from "@cdktf/provider-aws/lib/internet-gateway";
import { NatGateway } from "@cdktf/provider-aws/lib/nat-gateway";
import { RouteTable } from "@cdktf/provider-aws/lib/route-table";
import { RouteTableAssociation } from "@cdktf/provider-aws/lib/route-table-association";
import { Subnet } from "@cdktf/provider-aws/lib/subnet";
import { Vpc } from "@cdktf/provider-aws/lib/vpc";
import { invalid, isUnresolved, parseIpv4Cidr, validateCidr, validateInteger } from "../core/validation";

/** How many NAT gateways give the private subnets their egress. */
export enum NatGatewayMode {
  /** One NAT gateway for the whole VPC: cheapest; egress stops if its zone fails. */
  SINGLE = "single",
  /** One NAT gateway per availability zone: zone-independent egress, one gateway-hour each. */
  ONE_PER_ZONE = "one-per-zone",
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
 * public load balancers, and a default security group that allows nothing.
 *
 * @example
 * const vpc = new AwsVpc(stack, "Vpc", { name: "ml", zoneCount: 3 });
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

  constructor(scope: Construct, id: string, props: AwsVpcProps) {
    super(scope, id);
    const cidr = props.cidr ?? "10.0.0.0/16";
    const zoneCount = props.zoneCount ?? 3;
    const natMode = props.natGateways ?? NatGatewayMode.SINGLE;
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
      const routes = new RouteTable(this, `PrivateRoutes${i}`, {
        vpcId: this.vpc.id,
        route: [{ cidrBlock: "0.0.0.0/0", natGatewayId: nats[Math.min(i, nats.length - 1)].id }],
        tags: { Name: `${props.name}-private-${i}` },
      });
      new RouteTableAssociation(this, `PrivateRoutes${i}Association`, { subnetId: priv.id, routeTableId: routes.id });
      privateSubnets.push(priv);
    }
    this.privateSubnetIds = privateSubnets.map((s) => s.id);
    this.publicSubnetIds = publicSubnets.map((s) => s.id);
  }
}
