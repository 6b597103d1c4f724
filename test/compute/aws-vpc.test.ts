import { Fn, Lazy } from "cdktf";
import { Ec2TransitGatewayVpcAttachment } from "@cdktf/provider-aws/lib/ec2-transit-gateway-vpc-attachment";
import { AwsVpc, NatGatewayMode, VpcInterfaceEndpoint } from "../../lib/compute/aws-vpc";
import { cidrCovered } from "../../lib/compute/aws-vpc-internal";
import { awsStack, resolve, resourcesOfType, SynthJson, synthJson } from "../support/synth";


describe("AwsVpc endpoints", () => {
  let json: SynthJson;
  beforeAll(() => {
    const stack = awsStack();
    new AwsVpc(stack, "Vpc", { name: "ml", interfaceEndpoints: [VpcInterfaceEndpoint.ECR_API, VpcInterfaceEndpoint.ECR_DKR, VpcInterfaceEndpoint.STS] });
    json = synthJson(stack);
  });

  it("puts an S3 gateway endpoint on every private route table, its service name read for the region and partition", () => {
    const routeTables = Object.keys(resourcesOfType(json, "aws_route_table")).filter((k) => k.startsWith("Vpc_PrivateRoutes"));
    expect(routeTables).toHaveLength(3);
    const s3 = Object.entries(resourcesOfType(json, "aws_vpc_endpoint")).find(([k]) => k.startsWith("Vpc_S3Endpoint_"))![1];
    expect(s3).toEqual({
      vpc_id: "${aws_vpc.Vpc_8378EB38.id}",
      service_name: expect.stringMatching(/^\$\{data\.aws_vpc_endpoint_service\.Vpc_S3Service_[0-9A-F]{8}\.service_name\}$/),
      vpc_endpoint_type: "Gateway",
      route_table_ids: routeTables.map((k) => `\${aws_route_table.${k}.id}`),
      tags: { Name: "ml-s3" },
    });
    const s3Service = Object.entries(json.data!.aws_vpc_endpoint_service).find(([k]) => k.startsWith("Vpc_S3Service_"))![1];
    expect(s3Service).toEqual({ service: "s3", service_type: "Gateway" });
  });

  it("creates the listed interface endpoints in the private subnets with private DNS, behind a security group admitting HTTPS from the VPC", () => {
    const endpoints = Object.values(resourcesOfType(json, "aws_vpc_endpoint")).filter((e) => e.vpc_endpoint_type === "Interface");
    expect(endpoints.map((e) => e.tags.Name)).toEqual(["ml-ecr.api", "ml-ecr.dkr", "ml-sts"]);
    const sg = Object.keys(resourcesOfType(json, "aws_security_group"))[0];
    for (const e of endpoints) {
      expect(e).toMatchObject({ private_dns_enabled: true, security_group_ids: [`\${aws_security_group.${sg}.id}`] });
      expect(e.subnet_ids).toHaveLength(3);
    }
    const services = Object.values(json.data!.aws_vpc_endpoint_service).filter((d: any) => d.service_type === "Interface");
    expect(services.map((d: any) => d.service)).toEqual(["ecr.api", "ecr.dkr", "sts"]);
    expect(Object.values(resourcesOfType(json, "aws_vpc_security_group_ingress_rule"))).toEqual([
      {
        security_group_id: `\${aws_security_group.${sg}.id}`,
        description: "HTTPS from the VPC",
        ip_protocol: "tcp",
        from_port: 443,
        to_port: 443,
        cidr_ipv4: "10.0.0.0/16",
      },
    ]);
  });

  it("creates no interface endpoint or security group by default", () => {
    const stack = awsStack();
    new AwsVpc(stack, "Vpc", { name: "ml" });
    const plain = synthJson(stack);
    expect(Object.values(resourcesOfType(plain, "aws_vpc_endpoint")).map((e) => e.vpc_endpoint_type)).toEqual(["Gateway"]);
    expect(resourcesOfType(plain, "aws_security_group")).toEqual({});
  });

  const ENDPOINTS =
    'VpcInterfaceEndpoint.ECR_API ("ecr.api"), VpcInterfaceEndpoint.ECR_DKR ("ecr.dkr"), VpcInterfaceEndpoint.STS ("sts"), VpcInterfaceEndpoint.EC2 ("ec2"), VpcInterfaceEndpoint.LOGS ("logs"), VpcInterfaceEndpoint.SQS ("sqs"), VpcInterfaceEndpoint.ELASTIC_LOAD_BALANCING ("elasticloadbalancing")';
  it.each([
    [{ interfaceEndpoints: ["ECR_API"] }, `invalid interfaceEndpoints[0] "ECR_API": must be one of ${ENDPOINTS} ("ECR_API" names the member VpcInterfaceEndpoint.ECR_API; give its value "ecr.api")`],
    [{ interfaceEndpoints: ["sts", "sts"] }, 'invalid interfaceEndpoints[1] "sts": is a duplicate of interfaceEndpoints[0]; list each entry once'],
    [{ interfaceEndpoints: "sts" }, 'invalid interfaceEndpoints "sts": must be a list such as [VpcInterfaceEndpoint.ECR_API] ("ecr.api"), not a string'],
    [{ natGateways: "one_per_zone" }, 'invalid natGateways "one_per_zone": must be one of NatGatewayMode.SINGLE ("single"), NatGatewayMode.ONE_PER_ZONE ("one-per-zone") ("one_per_zone" names the member NatGatewayMode.ONE_PER_ZONE; give its value "one-per-zone")'],
  ])("rejects %p", (props, message) => {
    expect(() => new AwsVpc(awsStack(), "Vpc", { name: "ml", ...(props as any) })).toThrow(new Error(`infra/Vpc: ${message}`));
  });

  it("puts one NAT gateway in each zone with ONE_PER_ZONE", () => {
    const stack = awsStack();
    new AwsVpc(stack, "Vpc", { name: "ml", natGateways: NatGatewayMode.ONE_PER_ZONE });
    expect(Object.keys(resourcesOfType(synthJson(stack), "aws_nat_gateway"))).toHaveLength(3);
  });
});

describe("AwsVpc private routes", () => {
  const TGW = "tgw-0123456789abcdef0";
  const PCX = "pcx-0123456789abcdef0";
  const VGW = "vgw-0123456789abcdef0";
  const tables = (json: SynthJson) => Object.keys(resourcesOfType(json, "aws_route_table")).filter((k) => k.startsWith("Vpc_PrivateRoutes"));

  it("keeps no inline routes in the private route tables: the NAT default route is a separate aws_route, and the table ids are exposed", () => {
    const stack = awsStack();
    const vpc = new AwsVpc(stack, "Vpc", { name: "ml", zoneCount: 2 });
    const json = synthJson(stack);
    const ids = tables(json);
    expect(ids).toHaveLength(2);
    for (const id of ids) expect(resourcesOfType(json, "aws_route_table")[id].route).toBeUndefined();
    expect(resolve(stack, vpc.privateRouteTableIds)).toEqual(ids.map((k) => `\${aws_route_table.${k}.id}`));
    const routes = resourcesOfType(json, "aws_route");
    expect(Object.keys(routes).map((k) => k.replace(/_[0-9A-F]{8}$/, ""))).toEqual(["Vpc_PrivateRoutes0Default", "Vpc_PrivateRoutes1Default"]);
    expect(Object.values(routes)).toEqual(
      ids.map((k) => ({ route_table_id: `\${aws_route_table.${k}.id}`, destination_cidr_block: "0.0.0.0/0", nat_gateway_id: "${aws_nat_gateway.Vpc_Nat0_4D96AEC4.id}" })),
    );
    expect(vpc.privateRoutes).toEqual([]);
    expect(resourcesOfType(json, "aws_vpn_gateway_route_propagation")).toEqual({});
  });

  it("adds each privateRoutes entry to every private route table, one aws_route per table named after its CIDR, with the one target given", () => {
    const stack = awsStack();
    const vpc = new AwsVpc(stack, "Vpc", {
      name: "ml",
      zoneCount: 2,
      privateRoutes: [
        { destinationCidr: "10.100.0.0/16", transitGatewayId: TGW },
        { destinationCidr: "172.20.0.0/22", vpcPeeringConnectionId: PCX },
        { destinationCidr: "192.168.0.0/16", vpnGatewayId: VGW },
      ],
    });
    const json = synthJson(stack);
    const ids = tables(json);
    const table = (i: number) => `\${aws_route_table.${ids[i]}.id}`;
    const routes = resourcesOfType(json, "aws_route");
    const byName = (name: string) => Object.entries(routes).find(([k]) => k.replace(/_[0-9A-F]{8}$/, "") === `Vpc_${name}`)?.[1];
    expect(Object.keys(routes)).toHaveLength(2 + 6);
    expect(byName("PrivateRoutes0To10_100_0_0_16")).toEqual({ route_table_id: table(0), destination_cidr_block: "10.100.0.0/16", transit_gateway_id: TGW });
    expect(byName("PrivateRoutes1To10_100_0_0_16")).toEqual({ route_table_id: table(1), destination_cidr_block: "10.100.0.0/16", transit_gateway_id: TGW });
    expect(byName("PrivateRoutes0To172_20_0_0_22")).toEqual({ route_table_id: table(0), destination_cidr_block: "172.20.0.0/22", vpc_peering_connection_id: PCX });
    expect(byName("PrivateRoutes1To172_20_0_0_22")).toEqual({ route_table_id: table(1), destination_cidr_block: "172.20.0.0/22", vpc_peering_connection_id: PCX });
    // A virtual private gateway is a route's gateway_id (as an internet gateway would be).
    expect(byName("PrivateRoutes0To192_168_0_0_16")).toEqual({ route_table_id: table(0), destination_cidr_block: "192.168.0.0/16", gateway_id: VGW });
    expect(byName("PrivateRoutes1To192_168_0_0_16")).toEqual({ route_table_id: table(1), destination_cidr_block: "192.168.0.0/16", gateway_id: VGW });
    expect(vpc.privateRoutes.map((r) => r.destinationCidr)).toEqual(["10.100.0.0/16", "172.20.0.0/22", "192.168.0.0/16"]);
  });

  it("adds a route later with addPrivateRoute, whose target may come from an attachment in the same stack (Terraform orders the route after it)", () => {
    const stack = awsStack();
    const vpc = new AwsVpc(stack, "Vpc", { name: "ml", zoneCount: 2 });
    const attachment = new Ec2TransitGatewayVpcAttachment(stack, "Tgw", { transitGatewayId: TGW, vpcId: vpc.vpc.id, subnetIds: vpc.privateSubnetIds });
    vpc.addPrivateRoute({ destinationCidr: "10.100.0.0/16", transitGatewayId: attachment.transitGatewayId });
    const routes = Object.values(resourcesOfType(synthJson(stack), "aws_route")).filter((r) => r.transit_gateway_id !== undefined);
    expect(routes.map((r) => r.transit_gateway_id)).toEqual([
      "${aws_ec2_transit_gateway_vpc_attachment.Tgw.transit_gateway_id}",
      "${aws_ec2_transit_gateway_vpc_attachment.Tgw.transit_gateway_id}",
    ]);
  });

  it("propagates a virtual private gateway's routes to every private route table", () => {
    const stack = awsStack();
    const vpc = new AwsVpc(stack, "Vpc", { name: "ml", zoneCount: 2, propagatingVpnGatewayId: VGW });
    const json = synthJson(stack);
    expect(Object.values(resourcesOfType(json, "aws_vpn_gateway_route_propagation"))).toEqual(
      tables(json).map((k) => ({ route_table_id: `\${aws_route_table.${k}.id}`, vpn_gateway_id: VGW })),
    );
    expect(vpc.propagatingVpnGatewayIds).toEqual([VGW]);
  });

  const route = (extra: object) => ({ destinationCidr: "10.100.0.0/16", ...extra });
  it.each([
    [{ privateRoutes: "10.100.0.0/16" }, 'invalid privateRoutes "10.100.0.0/16": must be a list such as [{ destinationCidr: "10.100.0.0/16", transitGatewayId: "tgw-0123456789abcdef0" }], not a string'],
    [{ privateRoutes: ["10.100.0.0/16"] }, 'invalid privateRoutes[0] "10.100.0.0/16": must be a route such as { destinationCidr: "10.100.0.0/16", transitGatewayId: "tgw-0123456789abcdef0" }, not a string'],
    [{ privateRoutes: [route({ natGatewayId: "nat-0123456789abcdef0" })] }, 'invalid privateRoutes[0].natGatewayId "nat-0123456789abcdef0": is not a route field; a route has destinationCidr, transitGatewayId, vpcPeeringConnectionId, vpnGatewayId'],
    [{ privateRoutes: [{ transitGatewayId: TGW }] }, "invalid privateRoutes[0].destinationCidr undefined: is required: the IPv4 CIDR to route, such as 10.100.0.0/16"],
    [{ privateRoutes: [route({ destinationCidr: "10.100.0.1/16", transitGatewayId: TGW })] }, 'invalid privateRoutes[0].destinationCidr "10.100.0.1/16": must be an IPv4 CIDR block such as 10.0.0.0/16, with no host bits set'],
    [{ privateRoutes: [route({ destinationCidr: 10, transitGatewayId: TGW })] }, "invalid privateRoutes[0].destinationCidr 10: must be an IPv4 CIDR block (a string), not a number"],
    [{ privateRoutes: [route({ destinationCidr: "0.0.0.0/0", transitGatewayId: TGW })] }, 'invalid privateRoutes[0].destinationCidr "0.0.0.0/0": must not be 0.0.0.0/0: the default route goes through the NAT gateway; list the networks to send elsewhere'],
    [{ privateRoutes: [route({ destinationCidr: "10.0.4.0/24", transitGatewayId: TGW })] }, 'invalid privateRoutes[0].destinationCidr "10.0.4.0/24": overlaps the VPC CIDR 10.0.0.0/16: addresses inside the VPC take its local route; route only networks outside it'],
    [
      { privateRoutes: [route({ transitGatewayId: TGW }), route({ destinationCidr: "10.100.8.0/22", vpnGatewayId: VGW })] },
      'invalid privateRoutes[1].destinationCidr "10.100.8.0/22": overlaps privateRoutes[0].destinationCidr (10.100.0.0/16); give each network one route (a more specific route to another target wins silently)',
    ],
    [{ privateRoutes: [route({})] }, 'invalid privateRoutes[0] {"destinationCidr":"10.100.0.0/16"}: must name exactly one target: transitGatewayId, vpcPeeringConnectionId or vpnGatewayId'],
    [
      { privateRoutes: [route({ transitGatewayId: TGW, vpnGatewayId: VGW })] },
      `invalid privateRoutes[0] {"destinationCidr":"10.100.0.0/16","transitGatewayId":"${TGW}","vpnGatewayId":"${VGW}"}: names transitGatewayId and vpnGatewayId; give exactly one target per route`,
    ],
    [{ privateRoutes: [route({ transitGatewayId: "tgw-XYZ" })] }, 'invalid privateRoutes[0].transitGatewayId "tgw-XYZ": must be a transit gateway id such as "tgw-0123456789abcdef0" (tgw- and 8 or 17 hex digits)'],
    [{ privateRoutes: [route({ vpcPeeringConnectionId: TGW })] }, `invalid privateRoutes[0].vpcPeeringConnectionId "${TGW}": must be a VPC peering connection id such as "pcx-0123456789abcdef0" (pcx- and 8 or 17 hex digits)`],
    [{ privateRoutes: [route({ vpnGatewayId: ["vgw-0123456789abcdef0"] })] }, 'invalid privateRoutes[0].vpnGatewayId ["vgw-0123456789abcdef0"]: must be a virtual private gateway id such as "vgw-0123456789abcdef0" (vgw- and 8 or 17 hex digits), not a list'],
    [{ propagatingVpnGatewayId: "VGW-0123456789ABCDEF0" }, 'invalid propagatingVpnGatewayId "VGW-0123456789ABCDEF0": must be a virtual private gateway id such as "vgw-0123456789abcdef0" (vgw- and 8 or 17 hex digits)'],
  ])("rejects %p", (props, message) => {
    expect(() => new AwsVpc(awsStack(), "Vpc", { name: "ml", ...(props as any) })).toThrow(new Error(`infra/Vpc: ${message}`));
  });

  it("rejects a later route that overlaps an earlier one, and a gateway propagated twice", () => {
    const vpc = new AwsVpc(awsStack(), "Vpc", { name: "ml", privateRoutes: [route({ transitGatewayId: TGW })], propagatingVpnGatewayId: VGW });
    expect(() => vpc.addPrivateRoute({ destinationCidr: "10.0.0.0/8", vpnGatewayId: VGW })).toThrow(
      new Error('infra/Vpc: invalid privateRoutes[1].destinationCidr "10.0.0.0/8": overlaps the VPC CIDR 10.0.0.0/16: addresses inside the VPC take its local route; route only networks outside it'),
    );
    expect(() => vpc.addPrivateRoute({ destinationCidr: "10.100.0.0/16", vpcPeeringConnectionId: PCX })).toThrow(
      new Error('infra/Vpc: invalid privateRoutes[1].destinationCidr "10.100.0.0/16": overlaps privateRoutes[0].destinationCidr (10.100.0.0/16); give each network one route (a more specific route to another target wins silently)'),
    );
    expect(() => vpc.propagateVpnGatewayRoutes(VGW)).toThrow(
      new Error(`infra/Vpc: invalid propagatingVpnGatewayIds[1] "${VGW}": already propagates to the private route tables; list each gateway once`),
    );
  });

  it("accepts tokens for the destination and the target", () => {
    const stack = awsStack();
    const vpc = new AwsVpc(stack, "Vpc", { name: "ml", zoneCount: 2 });
    vpc.addPrivateRoute({ destinationCidr: Fn.lower(Lazy.stringValue({ produce: () => "10.100.0.0/16" })), transitGatewayId: Fn.lower(Lazy.stringValue({ produce: () => TGW })) });
    const keys = Object.keys(resourcesOfType(synthJson(stack), "aws_route")).filter((k) => !k.includes("Default"));
    expect(keys.map((k) => k.replace(/_[0-9A-F]{8}$/, ""))).toEqual(["Vpc_PrivateRoutes0Route0", "Vpc_PrivateRoutes1Route0"]);
  });
});

describe("cidrCovered", () => {
  it.each([
    ["10.100.0.0/16", ["10.100.0.0/16"], true],
    ["10.100.4.0/22", ["10.100.0.0/16"], true],
    ["10.100.0.0/16", ["10.100.0.0/17", "10.100.128.0/17"], true],
    ["10.100.0.0/16", ["10.100.0.0/17"], false],
    ["10.100.0.0/16", ["10.100.0.0/17", "10.100.128.0/18", "10.100.192.0/18"], true],
    ["10.100.0.0/16", ["10.101.0.0/16"], false],
    ["10.0.0.0/8", ["10.0.0.0/16"], false],
    ["172.20.0.0/22", [], false],
  ])("%s covered by %p: %p", (cidr, covers, expected) => {
    expect(cidrCovered(cidr, covers)).toBe(expected);
  });
});
