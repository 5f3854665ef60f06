//! CreateRouteTable, DeleteRouteTable, AssociateRouteTable, DisassociateRouteTable,
//! ReplaceRouteTableAssociation, CreateRoute, ReplaceRoute, DeleteRoute, DescribeRouteTables
//! (EC2 API reference pages of the same names;
//! output shapes `RouteTable`, `Route`, `RouteTableAssociation`). elbow routes nothing: these
//! are records, kept consistent as EC2 keeps them.

use model::ec2::{Ec2State, Route, RouteTable};
use model::{Ec2Command, ResourceKind};

use super::filters::{self, flag, one};
use super::{by_ids, check_dry_run, invalid, list, missing, ok, owner, paginate, required, sort_by_creation, submit, tag_set, tag_specifications, unsupported};
use crate::error::ApiError;
use crate::xml::Xml;
use crate::{Api, Request, ids};

/// Filter names of DescribeRouteTables (EC2 API reference, DescribeRouteTables "Filters").
/// Filters on route targets elbow does not model (NAT, transit, peering, instances, IPv6,
/// prefix lists) are accepted and match nothing, as no route has them.
const FILTERS: &[&str] = &[
    "route-table-id",
    "vpc-id",
    "owner-id",
    "association.route-table-association-id",
    "association.route-table-id",
    "association.subnet-id",
    "association.gateway-id",
    "association.main",
    "route.destination-cidr-block",
    "route.gateway-id",
    "route.origin",
    "route.state",
    "route.destination-ipv6-cidr-block",
    "route.destination-prefix-list-id",
    "route.egress-only-internet-gateway-id",
    "route.instance-id",
    "route.nat-gateway-id",
    "route.transit-gateway-id",
    "route.vpc-peering-connection-id",
];

/// `active`, or `blackhole` for a route through a gateway that is gone or detached.
fn route_state(e: &Ec2State, rt: &RouteTable, route: &Route) -> &'static str {
    if route.gateway_id == "local" || e.internet_gateways.get(&route.gateway_id).is_some_and(|g| g.attached_vpc_id.as_ref() == Some(&rt.vpc_id)) {
        "active"
    } else {
        "blackhole"
    }
}

/// One `RouteTable` element body.
fn render(x: &mut Xml, api: &Api, e: &Ec2State, rt: &RouteTable) {
    x.list("associationSet", "item", &rt.associations, |x, a| {
        x.text("main", a.main.to_string())
            .text("routeTableAssociationId", &a.id)
            .text("routeTableId", &rt.id)
            .opt("subnetId", a.subnet_id.as_deref())
            .opt("gatewayId", a.gateway_id.as_deref())
            .elem("associationState", |x| {
                x.text("state", "associated");
            });
    })
    .list("propagatingVgwSet", "item", std::iter::empty::<()>(), |_, _| {})
    .text("routeTableId", &rt.id)
    .list("routeSet", "item", &rt.routes, |x, route| {
        x.text("destinationCidrBlock", &route.destination_cidr_block)
            .text("gatewayId", &route.gateway_id)
            .text("origin", &route.origin)
            .text("state", route_state(e, rt, route));
    });
    tag_set(x, &rt.tags);
    x.text("vpcId", &rt.vpc_id).text("ownerId", owner(api));
}

/// `CreateRouteTable`: `VpcId`, `TagSpecification.N` (`route-table`), `ClientToken` (echoed).
/// Output `routeTable` with its `local` route, `clientToken`.
///
/// Errors: `MissingParameter`; `InvalidVpcID.NotFound`.
pub(crate) async fn create(api: &Api, req: &Request, x: &mut Xml) -> Result<(), ApiError> {
    let p = &req.params;
    let vpc_id = required(p, "VpcId")?.to_string();
    let id = ids::ec2("rtb");
    let op = Ec2Command::CreateRouteTable { route_table_id: id.clone(), vpc_id, tags: tag_specifications(p, "route-table")?, now: state::now_millis() };
    let snap = submit(api, req, op).await?;
    let r = snap.region(&req.region);
    let rt = r.ec2.route_tables.get(&id).ok_or_else(|| ApiError::internal("route table vanished after create"))?;
    x.elem("routeTable", |x| render(x, api, &r.ec2, rt)).opt("clientToken", p.get("ClientToken"));
    Ok(())
}

/// `DeleteRouteTable`: `RouteTableId`. Output `return`.
///
/// Errors: `InvalidRouteTableID.NotFound`; `DependencyViolation` for the main table or one
/// with associations.
pub(crate) async fn delete(api: &Api, req: &Request, x: &mut Xml) -> Result<(), ApiError> {
    let route_table_id = required(&req.params, "RouteTableId")?.to_string();
    submit(api, req, Ec2Command::DeleteRouteTable { route_table_id }).await?;
    ok(x);
    Ok(())
}

/// `AssociateRouteTable`: `RouteTableId` and one of `SubnetId`, `GatewayId`. Output
/// `associationId`, `associationState`.
///
/// Errors: `InvalidRouteTableID.NotFound`; `InvalidSubnetID.NotFound`;
/// `InvalidInternetGatewayID.NotFound`; `Resource.AlreadyAssociated` if the subnet (gateway)
/// already has an explicit association; `InvalidParameterValue` across VPCs;
/// `InvalidParameterCombination` with both targets.
pub(crate) async fn associate(api: &Api, req: &Request, x: &mut Xml) -> Result<(), ApiError> {
    let p = &req.params;
    unsupported(p, &["PublicIpv4Pool"])?;
    let route_table_id = required(p, "RouteTableId")?.to_string();
    let subnet_id = p.get("SubnetId").filter(|s| !s.is_empty()).map(str::to_string);
    let gateway_id = p.get("GatewayId").filter(|s| !s.is_empty()).map(str::to_string);
    match (&subnet_id, &gateway_id) {
        (None, None) => return Err(missing("SubnetId")),
        (Some(_), Some(_)) => return Err(ApiError::new("InvalidParameterCombination", "Specify either SubnetId or GatewayId, not both")),
        _ => {}
    }
    let association_id = ids::ec2("rtbassoc");
    submit(api, req, Ec2Command::AssociateRouteTable { route_table_id, association_id: association_id.clone(), subnet_id, gateway_id }).await?;
    x.text("associationId", association_id).elem("associationState", |x| {
        x.text("state", "associated");
    });
    Ok(())
}

/// `DisassociateRouteTable`: `AssociationId`. Output `return`.
///
/// Errors: `InvalidAssociationID.NotFound`; `InvalidParameterValue` for a main association.
pub(crate) async fn disassociate(api: &Api, req: &Request, x: &mut Xml) -> Result<(), ApiError> {
    let association_id = required(&req.params, "AssociationId")?.to_string();
    submit(api, req, Ec2Command::DisassociateRouteTable { association_id }).await?;
    ok(x);
    Ok(())
}

/// Destinations and targets of CreateRoute and ReplaceRoute that elbow does not model (IPv6,
/// prefix lists, and every target but an internet gateway).
const UNSUPPORTED_ROUTE_PARAMETERS: &[&str] = &[
    "DestinationIpv6CidrBlock",
    "DestinationPrefixListId",
    "VpcEndpointId",
    "TransitGatewayId",
    "LocalGatewayId",
    "CarrierGatewayId",
    "CoreNetworkArn",
    "OdbNetworkArn",
    "EgressOnlyInternetGatewayId",
    "InstanceId",
    "NetworkInterfaceId",
    "VpcPeeringConnectionId",
    "NatGatewayId",
];

/// `CreateRoute`: `RouteTableId`, `DestinationCidrBlock`, `GatewayId` (an internet gateway
/// attached to the table's VPC; elbow has no other targets). Output `return`.
///
/// Errors: `InvalidRouteTableID.NotFound`; `InvalidGatewayID.NotFound`; `RouteAlreadyExists`;
/// `InvalidParameterValue` for a malformed CIDR, a gateway of another VPC, or an IPv6 / NAT /
/// instance / peering target.
pub(crate) async fn create_route(api: &Api, req: &Request, x: &mut Xml) -> Result<(), ApiError> {
    let p = &req.params;
    unsupported(p, UNSUPPORTED_ROUTE_PARAMETERS)?;
    let route_table_id = required(p, "RouteTableId")?.to_string();
    let destination_cidr_block = required(p, "DestinationCidrBlock")?.to_string();
    let gateway_id = required(p, "GatewayId")?.to_string();
    if gateway_id == "local" {
        return Err(invalid("Cannot create a route with target 'local'; the local route exists in every route table"));
    }
    submit(api, req, Ec2Command::CreateRoute { route_table_id, destination_cidr_block, gateway_id }).await?;
    ok(x);
    Ok(())
}

/// `ReplaceRoute`: `RouteTableId`, `DestinationCidrBlock` (of an existing route), and the new
/// target: `GatewayId` (an internet gateway attached to the table's VPC, as for CreateRoute)
/// or `LocalTarget=true` (reset the local route to `local`, which on elbow it always is).
/// Output `return`.
///
/// Errors: `MissingParameter`; `InvalidRouteTableID.NotFound`; `InvalidRoute.NotFound` when the
/// table has no route to that destination; `InvalidGatewayID.NotFound`;
/// `InvalidParameterCombination` for `GatewayId` with `LocalTarget=true`;
/// `InvalidParameterValue` for a malformed CIDR, a gateway of another VPC, a gateway for the
/// local route, `LocalTarget` for another route, or an IPv6 / prefix-list / NAT / instance /
/// interface / peering / endpoint target.
pub(crate) async fn replace_route(api: &Api, req: &Request, x: &mut Xml) -> Result<(), ApiError> {
    let p = &req.params;
    unsupported(p, UNSUPPORTED_ROUTE_PARAMETERS)?;
    let route_table_id = required(p, "RouteTableId")?.to_string();
    let destination_cidr_block = required(p, "DestinationCidrBlock")?.to_string();
    let local = super::boolean(p, "LocalTarget")?.unwrap_or(false);
    let gateway_id = match (p.get("GatewayId").filter(|g| !g.is_empty()), local) {
        (Some(_), true) => return Err(ApiError::new("InvalidParameterCombination", "Specify either GatewayId or LocalTarget, not both")),
        (None, true) => "local".to_string(),
        (Some("local"), false) => return Err(invalid("Use LocalTarget to reset the local route; 'local' is not a gateway ID")),
        (Some(g), false) => g.to_string(),
        (None, false) => return Err(missing("GatewayId")),
    };
    submit(api, req, Ec2Command::ReplaceRoute { route_table_id, destination_cidr_block, gateway_id }).await?;
    ok(x);
    Ok(())
}

/// `ReplaceRouteTableAssociation`: `AssociationId` (of a subnet, gateway or main association),
/// `RouteTableId` (the new table, in the same VPC). The association moves to the new table
/// with a new id; a main association makes that table the VPC's main one. Output
/// `newAssociationId`, `associationState`.
///
/// Errors: `MissingParameter`; `InvalidAssociationID.NotFound`;
/// `InvalidRouteTableID.NotFound`; `InvalidParameterValue` for a table of another VPC.
pub(crate) async fn replace_association(api: &Api, req: &Request, x: &mut Xml) -> Result<(), ApiError> {
    let p = &req.params;
    let association_id = required(p, "AssociationId")?.to_string();
    let route_table_id = required(p, "RouteTableId")?.to_string();
    let new_association_id = ids::ec2("rtbassoc");
    submit(api, req, Ec2Command::ReplaceRouteTableAssociation { association_id, route_table_id, new_association_id: new_association_id.clone() }).await?;
    x.text("newAssociationId", new_association_id).elem("associationState", |x| {
        x.text("state", "associated");
    });
    Ok(())
}

/// `DeleteRoute`: `RouteTableId`, `DestinationCidrBlock`. Output `return`.
///
/// Errors: `InvalidRouteTableID.NotFound`; `InvalidRoute.NotFound`; `InvalidParameterValue`
/// for the local route.
pub(crate) async fn delete_route(api: &Api, req: &Request, x: &mut Xml) -> Result<(), ApiError> {
    let p = &req.params;
    unsupported(p, &["DestinationIpv6CidrBlock", "DestinationPrefixListId"])?;
    let route_table_id = required(p, "RouteTableId")?.to_string();
    let destination_cidr_block = required(p, "DestinationCidrBlock")?.to_string();
    submit(api, req, Ec2Command::DeleteRoute { route_table_id, destination_cidr_block }).await?;
    ok(x);
    Ok(())
}

/// `DescribeRouteTables`: `RouteTableId.N`, `Filter.N` (see `FILTERS` and the tag filters),
/// `MaxResults` (5–100), `NextToken`. Output `routeTableSet`, `nextToken`.
/// `association.subnet-id` matches explicit associations only, as on EC2.
///
/// Errors: `InvalidRouteTableID.NotFound`; `InvalidParameterValue`.
pub(crate) fn describe(api: &Api, req: &Request, x: &mut Xml) -> Result<(), ApiError> {
    let p = &req.params;
    let wanted = list(p, "RouteTableId")?;
    let filters = filters::decode(p, FILTERS)?;
    let snap = api.state.current();
    let r = snap.region(&req.region);
    let e = &r.ec2;
    let mut tables: Vec<&RouteTable> = if wanted.is_empty() {
        e.route_tables.values().collect()
    } else {
        by_ids(&wanted, ResourceKind::RouteTable, |id| e.route_tables.get(id))?
    };
    sort_by_creation(e, &mut tables, |t| &t.id);
    tables.dedup_by(|a, b| a.id == b.id);
    filters::retain(&mut tables, &filters, |t| Some(&t.tags), |t, name| match name {
        "route-table-id" => one(&t.id),
        "vpc-id" => one(&t.vpc_id),
        "owner-id" => one(owner(api)),
        "association.route-table-association-id" => t.associations.iter().map(|a| a.id.clone()).collect(),
        "association.route-table-id" => t.associations.iter().map(|_| t.id.clone()).collect(),
        "association.subnet-id" => t.associations.iter().filter_map(|a| a.subnet_id.clone()).collect(),
        "association.gateway-id" => t.associations.iter().filter_map(|a| a.gateway_id.clone()).collect(),
        // As on EC2, a table without associations matches neither `true` nor `false`.
        "association.main" => t.associations.iter().flat_map(|a| flag(a.main)).collect(),
        "route.destination-cidr-block" => t.routes.iter().map(|x| x.destination_cidr_block.clone()).collect(),
        "route.gateway-id" => t.routes.iter().map(|x| x.gateway_id.clone()).collect(),
        "route.origin" => t.routes.iter().map(|x| x.origin.clone()).collect(),
        "route.state" => t.routes.iter().map(|x| route_state(e, t, x).to_string()).collect(),
        // Targets and destinations elbow's routes never have.
        _ => vec![],
    });
    let (page, next) = paginate(tables, p, 5, 100)?;
    check_dry_run(p)?;
    x.list("routeTableSet", "item", page, |x, t| render(x, api, e, t)).opt("nextToken", next);
    Ok(())
}
