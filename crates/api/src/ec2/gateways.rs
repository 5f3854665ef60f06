//! CreateInternetGateway, AttachInternetGateway, DetachInternetGateway,
//! DeleteInternetGateway, DescribeInternetGateways (EC2 API reference pages of the same names;
//! output shape `InternetGateway`).

use model::ec2::InternetGateway;
use model::{Ec2Command, ResourceKind};

use super::filters::{self, one};
use super::{by_ids, check_dry_run, list, ok, owner, paginate, required, sort_by_creation, submit, tag_set, tag_specifications};
use crate::error::ApiError;
use crate::xml::Xml;
use crate::{Api, Request, ids};

/// Filter names of DescribeInternetGateways.
const FILTERS: &[&str] = &["internet-gateway-id", "attachment.vpc-id", "attachment.state", "owner-id"];

/// One `InternetGateway` element body. An attachment's state reads `available`, as EC2
/// reports it for internet gateways.
fn render(x: &mut Xml, api: &Api, g: &InternetGateway) {
    x.list("attachmentSet", "item", g.attached_vpc_id.iter(), |x, vpc| {
        x.text("vpcId", vpc).text("state", "available");
    })
    .text("internetGatewayId", &g.id)
    .text("ownerId", owner(api));
    tag_set(x, &g.tags);
}

/// `CreateInternetGateway`: `TagSpecification.N` (`internet-gateway`). Output
/// `internetGateway` (detached).
///
/// Errors: `InvalidParameterValue` for bad tags.
pub(crate) async fn create(api: &Api, req: &Request, x: &mut Xml) -> Result<(), ApiError> {
    let id = ids::ec2("igw");
    let op = Ec2Command::CreateInternetGateway {
        internet_gateway_id: id.clone(),
        tags: tag_specifications(&req.params, "internet-gateway")?,
        now: state::now_millis(),
    };
    let snap = submit(api, req, op).await?;
    let r = snap.region(&req.region);
    let g = r.ec2.internet_gateways.get(&id).ok_or_else(|| ApiError::internal("internet gateway vanished after create"))?;
    x.elem("internetGateway", |x| render(x, api, g));
    Ok(())
}

fn ids_of(req: &Request) -> Result<(String, String), ApiError> {
    Ok((required(&req.params, "InternetGatewayId")?.to_string(), required(&req.params, "VpcId")?.to_string()))
}

/// `AttachInternetGateway`: `InternetGatewayId`, `VpcId`. Output `return`.
///
/// Errors: `InvalidInternetGatewayID.NotFound`; `InvalidVpcID.NotFound`;
/// `Resource.AlreadyAssociated` if the gateway is attached or the VPC has a gateway.
pub(crate) async fn attach(api: &Api, req: &Request, x: &mut Xml) -> Result<(), ApiError> {
    let (internet_gateway_id, vpc_id) = ids_of(req)?;
    submit(api, req, Ec2Command::AttachInternetGateway { internet_gateway_id, vpc_id }).await?;
    ok(x);
    Ok(())
}

/// `DetachInternetGateway`: `InternetGatewayId`, `VpcId`. Output `return`. Routes through the
/// gateway stay, as `blackhole`.
///
/// Errors: `InvalidInternetGatewayID.NotFound`; `InvalidVpcID.NotFound`; `Gateway.NotAttached`
/// if it is not attached to that VPC.
pub(crate) async fn detach(api: &Api, req: &Request, x: &mut Xml) -> Result<(), ApiError> {
    let (internet_gateway_id, vpc_id) = ids_of(req)?;
    submit(api, req, Ec2Command::DetachInternetGateway { internet_gateway_id, vpc_id }).await?;
    ok(x);
    Ok(())
}

/// `DeleteInternetGateway`: `InternetGatewayId`. Output `return`.
///
/// Errors: `InvalidInternetGatewayID.NotFound`; `DependencyViolation` while attached.
pub(crate) async fn delete(api: &Api, req: &Request, x: &mut Xml) -> Result<(), ApiError> {
    let internet_gateway_id = required(&req.params, "InternetGatewayId")?.to_string();
    submit(api, req, Ec2Command::DeleteInternetGateway { internet_gateway_id }).await?;
    ok(x);
    Ok(())
}

/// `DescribeInternetGateways`: `InternetGatewayId.N`, `Filter.N` (see `FILTERS` and the tag
/// filters), `MaxResults` (5–1000), `NextToken`. Output `internetGatewaySet`, `nextToken`.
///
/// Errors: `InvalidInternetGatewayID.NotFound`; `InvalidParameterValue`.
pub(crate) fn describe(api: &Api, req: &Request, x: &mut Xml) -> Result<(), ApiError> {
    let p = &req.params;
    let wanted = list(p, "InternetGatewayId")?;
    let filters = filters::decode(p, FILTERS)?;
    let snap = api.state.current();
    let r = snap.region(&req.region);
    let mut gws: Vec<&InternetGateway> = if wanted.is_empty() {
        r.ec2.internet_gateways.values().collect()
    } else {
        by_ids(&wanted, ResourceKind::InternetGateway, |id| r.ec2.internet_gateways.get(id))?
    };
    sort_by_creation(&r.ec2, &mut gws, |g| &g.id);
    gws.dedup_by(|a, b| a.id == b.id);
    filters::retain(&mut gws, &filters, |g| Some(&g.tags), |g, name| match name {
        "internet-gateway-id" => one(&g.id),
        "attachment.vpc-id" => g.attached_vpc_id.iter().cloned().collect(),
        "attachment.state" => g.attached_vpc_id.iter().map(|_| "available".to_string()).collect(),
        "owner-id" => one(owner(api)),
        _ => vec![],
    });
    let (page, next) = paginate(gws, p, 5, 1000)?;
    check_dry_run(p)?;
    x.list("internetGatewaySet", "item", page, |x, g| render(x, api, g)).opt("nextToken", next);
    Ok(())
}
