import { Construct } from "constructs";
import { Fn } from "cdktf";
import { DataAwsAvailabilityZones } from "@cdktf/provider-aws/lib/data-aws-availability-zones";
import { DataAwsVpcEndpointService } from "@cdktf/provider-aws/lib/data-aws-vpc-endpoint-service";
import { DefaultSecurityGroup } from "@cdktf/provider-aws/lib/default-security-group";
import { Eip } from "@cdktf/provider-aws/lib/eip";
import { InternetGateway } from "@cdktf/provider-aws/lib/internet-gateway";
import { NatGateway } from "@cdktf/provider-aws/lib/nat-gateway";
import { RouteTable } from "@cdktf/provider-aws/lib/route-table";
import { RouteTableAssociation } from "@cdktf/provider-aws/lib/route-table-association";
import { SecurityGroup } from "@cdktf/provider-aws/lib/security-group";
import { Subnet } from "@cdktf/provider-aws/lib/subnet";
import { Vpc } from "@cdktf/provider-aws/lib/vpc";
import { VpcEndpoint } from "@cdktf/provider-aws/lib/vpc-endpoint";
import { VpcSecurityGroupIngressRule } from "@cdktf/provider-aws/lib/vpc-security-group-ingress-rule";
import { invalid, isUnresolved, parseIpv4Cidr, validateCidr, validateEnum, validateInteger, validateList, validateUniqueList } from "../core/validation";

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
 * optionally interface endpoints (`interfaceEndpoints`).
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
  /** The S3 gateway endpoint on the private route tables. */
  public readonly s3Endpoint: VpcEndpoint;

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
      const routes = new RouteTable(this, `PrivateRoutes${i}`, {
        vpcId: this.vpc.id,
        route: [{ cidrBlock: "0.0.0.0/0", natGatewayId: nats[Math.min(i, nats.length - 1)].id }],
        tags: { Name: `${props.name}-private-${i}` },
      });
      new RouteTableAssociation(this, `PrivateRoutes${i}Association`, { subnetId: priv.id, routeTableId: routes.id });
      privateSubnets.push(priv);
      privateRoutes.push(routes);
    }
    this.privateSubnetIds = privateSubnets.map((s) => s.id);
    this.publicSubnetIds = publicSubnets.map((s) => s.id);

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
}
