//! CreateLoadBalancer, DescribeLoadBalancers, DeleteLoadBalancer, SetSecurityGroups,
//! SetSubnets, SetIpAddressType, DescribeCapacityReservation.

use model::command::CreateLoadBalancer;
use model::{Elbv2Command, IpAddressType, LoadBalancer, LoadBalancerType, ModelError, ResourceKind, Scheme};

use super::{decode_tags, paginate, render, submit};
use crate::error::ApiError;
use crate::service::Service;
use crate::xml::Xml;
use crate::{Api, Request, ids};

/// Route 53 hosted zone ids of Application (and Classic/Gateway) Load Balancers per region, as
/// in AWS General Reference, "Elastic Load Balancing endpoints and quotas".
const ALB_HOSTED_ZONE_IDS: &[(&str, &str)] = &[
    ("af-south-1", "Z268VQBMOI5EKX"),
    ("ap-east-1", "Z3DQVH9N71FHZ0"),
    ("ap-northeast-1", "Z14GRHDCWA56QT"),
    ("ap-northeast-2", "ZWKZPGTI48KDX"),
    ("ap-northeast-3", "Z5LXEXXYW11ES"),
    ("ap-south-1", "ZP97RAFLXTNZK"),
    ("ap-southeast-1", "Z1LMS91P8CMLE5"),
    ("ap-southeast-2", "Z1GM3OXH4ZPM65"),
    ("ca-central-1", "ZQSVJUPU6J1EY"),
    ("eu-central-1", "Z215JYRZR1TBD5"),
    ("eu-north-1", "Z23TAZ6LKFMNIO"),
    ("eu-south-1", "Z3ULH7SSC9OV64"),
    ("eu-west-1", "Z32O12XQLNTSW2"),
    ("eu-west-2", "ZHURV8PSTC4K8"),
    ("eu-west-3", "Z3Q77PNBQS71R4"),
    ("me-south-1", "ZS929ML54UICD"),
    ("sa-east-1", "Z2P70J7HTTTPLU"),
    ("us-east-1", "Z35SXDOTRQ7X7K"),
    ("us-east-2", "Z3AADJGX6KTTL2"),
    ("us-west-1", "Z368ELLRRE2KJ0"),
    ("us-west-2", "Z1H1FL5HABSF5"),
];

/// Route 53 hosted zone ids of Network Load Balancers per region (same AWS page).
const NLB_HOSTED_ZONE_IDS: &[(&str, &str)] = &[
    ("af-south-1", "Z203XCE67M25HM"),
    ("ap-east-1", "Z12Y7K3UBGUAD1"),
    ("ap-northeast-1", "Z31USIVHYNEOWT"),
    ("ap-northeast-2", "ZIBE1TIR4HY56"),
    ("ap-northeast-3", "Z1GWIQ4HH19I5X"),
    ("ap-south-1", "ZVDDRBQ08TROA"),
    ("ap-southeast-1", "ZKVM4W9LS7TM"),
    ("ap-southeast-2", "ZCT6FZBF4DROD"),
    ("ca-central-1", "Z2EPGBW3API2WT"),
    ("eu-central-1", "Z3F0SRJ5LGBH90"),
    ("eu-north-1", "Z1UDT6IFJ4EJM"),
    ("eu-south-1", "Z23146JA1KNAFP"),
    ("eu-west-1", "Z2IFOLAFXWLO4F"),
    ("eu-west-2", "ZD4D7Y8KGAS4G"),
    ("eu-west-3", "Z1CMS0P5QUZ6D5"),
    ("me-south-1", "Z3QSRYVP46NYYV"),
    ("sa-east-1", "ZTK26PT1VY4CU"),
    ("us-east-1", "Z26RNL4JYFTOTI"),
    ("us-east-2", "ZLMOA37VPKANP"),
    ("us-west-1", "Z24FKFUX50B4VW"),
    ("us-west-2", "Z18D5FSROUN65G"),
];

/// The `CanonicalHostedZoneId` AWS reports for a load balancer of this type in `region`
/// (General Reference, "Elastic Load Balancing endpoints and quotas"). A region outside that
/// table (elbow accepts any region name) gets the us-east-1 zone.
fn hosted_zone_id(kind: LoadBalancerType, region: &str) -> &'static str {
    let table = if kind == LoadBalancerType::Network { NLB_HOSTED_ZONE_IDS } else { ALB_HOSTED_ZONE_IDS };
    table.iter().find(|(r, _)| *r == region).or_else(|| table.iter().find(|(r, _)| *r == "us-east-1")).map_or("", |(_, z)| *z)
}

/// The `DNSName` of a new load balancer, in AWS's per-type form with `suffix` standing for
/// `elb.amazonaws.com`: ALB `[internal-]<name>-<10 digits>.<region>.<suffix>`; NLB
/// `[internal-]<name>-<16 hex>.elb.<region>.<rest>` where `suffix` is `elb.<rest>` (else
/// `<name>-<16 hex>.<region>.<suffix>`), as in the ALB/NLB guides' "DNS name" sections.
fn dns_name(kind: LoadBalancerType, scheme: Scheme, name: &str, region: &str, suffix: &str) -> String {
    let prefix = if scheme == Scheme::Internal { "internal-" } else { "" };
    let name = name.to_ascii_lowercase();
    match kind {
        LoadBalancerType::Network => match suffix.strip_prefix("elb.") {
            Some(rest) => format!("{prefix}{name}-{}.elb.{region}.{rest}", ids::hex(16)),
            None => format!("{prefix}{name}-{}.{region}.{suffix}", ids::hex(16)),
        },
        _ => format!("{prefix}{name}-{}.{region}.{suffix}", ids::digits(10)),
    }
}

fn not_found(arn: &str) -> ApiError {
    ApiError::from_model(ModelError::not_found(ResourceKind::LoadBalancer, arn), Service::Elbv2)
}

pub(crate) async fn create(api: &Api, req: &Request, x: &mut Xml) -> Result<(), ApiError> {
    let p = &req.params;
    let name = p.required("Name")?.to_string();
    let mut subnets = p.list("Subnets")?.unwrap_or_default();
    for m in p.structs("SubnetMappings")?.unwrap_or_default() {
        subnets.push(m.required("SubnetId")?.to_string());
    }
    let security_groups = p.list("SecurityGroups")?;
    let scheme = p.enumeration("Scheme", Scheme::parse, Scheme::ALL)?.unwrap_or(Scheme::InternetFacing);
    let kind = p.enumeration("Type", LoadBalancerType::parse, LoadBalancerType::ALL)?.unwrap_or(LoadBalancerType::Application);
    let ip_address_type = p.enumeration("IpAddressType", IpAddressType::parse, IpAddressType::ALL)?.unwrap_or(IpAddressType::Ipv4);
    let tags = decode_tags(p)?;
    let id = ids::hex(16);
    let arn = model::ids::load_balancer_arn(&req.region, &api.config.account_id, kind.arn_prefix(), &name, &id);
    let dns_name = dns_name(kind, scheme, &name, &req.region, &api.config.dns_suffix);
    let snap = submit(
        api,
        req,
        Elbv2Command::CreateLoadBalancer(CreateLoadBalancer {
            arn,
            id,
            name: name.clone(),
            dns_name,
            canonical_hosted_zone_id: hosted_zone_id(kind, &req.region).to_string(),
            subnets,
            security_groups,
            scheme,
            kind,
            ip_address_type,
            tags,
            now: state::now_millis(),
        }),
    )
    .await?;
    let region = snap.region(&req.region);
    let lb = region.load_balancers.values().find(|lb| lb.name == name).ok_or_else(|| ApiError::internal("load balancer vanished after create"))?;
    x.list("LoadBalancers", "member", [lb], render::load_balancer);
    Ok(())
}

pub(crate) fn describe(api: &Api, req: &Request, x: &mut Xml) -> Result<(), ApiError> {
    let p = &req.params;
    let arns = p.list("LoadBalancerArns")?;
    let names = p.list("Names")?;
    if arns.as_ref().is_some_and(|a| a.len() > 20) {
        return Err(p.constraint("LoadBalancerArns", None, "Member must have length less than or equal to 20"));
    }
    let snap = api.state.current();
    let region = snap.region(&req.region);
    let mut lbs: Vec<&LoadBalancer> = match (&arns, &names) {
        (Some(_), Some(_)) => return Err(ApiError::validation("Specify either LoadBalancerArns or Names, not both")),
        (Some(arns), None) => {
            let missing: Vec<&String> = arns.iter().filter(|a| !region.load_balancers.contains_key(*a)).collect();
            if !missing.is_empty() {
                return Err(ApiError::new("LoadBalancerNotFound", format!("One or more load balancers not found: {}", join(&missing))));
            }
            arns.iter().filter_map(|a| region.load_balancers.get(a)).collect()
        }
        (None, Some(names)) => {
            let missing: Vec<&String> = names.iter().filter(|n| !region.load_balancers.values().any(|lb| &lb.name == *n)).collect();
            if !missing.is_empty() {
                return Err(ApiError::new("LoadBalancerNotFound", format!("One or more load balancers not found: {}", join(&missing))));
            }
            names.iter().filter_map(|n| region.load_balancers.values().find(|lb| &lb.name == n)).collect()
        }
        (None, None) => {
            let mut v: Vec<&LoadBalancer> = region.load_balancers.values().collect();
            v.sort_by_key(|lb| (lb.created_time, lb.name.clone()));
            v
        }
    };
    // A load balancer named twice (by ARN or name) is listed once, wherever the repeats are.
    let mut seen = std::collections::HashSet::new();
    lbs.retain(|lb| seen.insert(lb.arn.clone()));
    let (page, next) = paginate(lbs, p)?;
    x.list("LoadBalancers", "member", page, render::load_balancer).opt("NextMarker", next);
    Ok(())
}

fn join(v: &[&String]) -> String {
    v.iter().map(|s| format!("'{s}'")).collect::<Vec<_>>().join(", ")
}

pub(crate) async fn delete(api: &Api, req: &Request) -> Result<(), ApiError> {
    let arn = req.params.required("LoadBalancerArn")?.to_string();
    submit(api, req, Elbv2Command::DeleteLoadBalancer { arn }).await?;
    Ok(())
}

pub(crate) async fn set_security_groups(api: &Api, req: &Request, x: &mut Xml) -> Result<(), ApiError> {
    let p = &req.params;
    let arn = p.required("LoadBalancerArn")?.to_string();
    let groups = p.list("SecurityGroups")?.ok_or_else(|| p.constraint("SecurityGroups", None, "Member must not be null"))?;
    let snap = submit(api, req, Elbv2Command::SetSecurityGroups { arn: arn.clone(), security_groups: groups }).await?;
    let lb = snap.region(&req.region).load_balancers.get(&arn).cloned().ok_or_else(|| not_found(&arn))?;
    x.strings("SecurityGroupIds", "member", &lb.security_groups);
    Ok(())
}

pub(crate) async fn set_subnets(api: &Api, req: &Request, x: &mut Xml) -> Result<(), ApiError> {
    let p = &req.params;
    let arn = p.required("LoadBalancerArn")?.to_string();
    let mut subnets = p.list("Subnets")?.unwrap_or_default();
    for m in p.structs("SubnetMappings")?.unwrap_or_default() {
        subnets.push(m.required("SubnetId")?.to_string());
    }
    let snap = submit(api, req, Elbv2Command::SetSubnets { arn: arn.clone(), subnets }).await?;
    let lb = snap.region(&req.region).load_balancers.get(&arn).cloned().ok_or_else(|| not_found(&arn))?;
    x.list("AvailabilityZones", "member", &lb.availability_zones, |x, z| {
        x.text("ZoneName", &z.zone_name).text("SubnetId", &z.subnet_id).strings("LoadBalancerAddresses", "member", Vec::<String>::new());
    })
    .text("IpAddressType", lb.ip_address_type.as_str());
    Ok(())
}

pub(crate) async fn set_ip_address_type(api: &Api, req: &Request, x: &mut Xml) -> Result<(), ApiError> {
    let p = &req.params;
    let arn = p.required("LoadBalancerArn")?.to_string();
    let t = p.enumeration("IpAddressType", IpAddressType::parse, IpAddressType::ALL)?.ok_or_else(|| p.constraint("IpAddressType", None, "Member must not be null"))?;
    submit(api, req, Elbv2Command::SetIpAddressType { arn, ip_address_type: t }).await?;
    x.text("IpAddressType", t.as_str());
    Ok(())
}

/// A truthful stub: elbow has no capacity units to reserve, so there are no reservations.
pub(crate) fn describe_capacity_reservation(api: &Api, req: &Request, x: &mut Xml) -> Result<(), ApiError> {
    let arn = req.params.required("LoadBalancerArn")?;
    if !api.state.current().region(&req.region).load_balancers.contains_key(arn) {
        return Err(not_found(arn));
    }
    x.strings("CapacityReservationState", "member", Vec::<String>::new());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosted_zone_ids_follow_region_and_type() {
        assert_eq!(hosted_zone_id(LoadBalancerType::Application, "us-east-1"), "Z35SXDOTRQ7X7K");
        assert_eq!(hosted_zone_id(LoadBalancerType::Network, "us-east-1"), "Z26RNL4JYFTOTI");
        assert_eq!(hosted_zone_id(LoadBalancerType::Application, "eu-central-1"), "Z215JYRZR1TBD5");
        assert_eq!(hosted_zone_id(LoadBalancerType::Network, "eu-central-1"), "Z3F0SRJ5LGBH90");
        assert_eq!(hosted_zone_id(LoadBalancerType::Network, "elbow-local-1"), "Z26RNL4JYFTOTI", "unknown regions use us-east-1's");
    }

    #[test]
    fn dns_names_have_awss_per_type_form() {
        let alb = dns_name(LoadBalancerType::Application, Scheme::Internal, "Web", "us-east-1", "elb.localhost");
        let (host, rest) = alb.split_once('.').unwrap();
        assert_eq!(rest, "us-east-1.elb.localhost");
        let digits = host.strip_prefix("internal-web-").unwrap();
        assert!(digits.len() == 10 && digits.bytes().all(|b| b.is_ascii_digit()), "{alb}");

        let nlb = dns_name(LoadBalancerType::Network, Scheme::InternetFacing, "net", "eu-west-1", "elb.localhost");
        let (host, rest) = nlb.split_once('.').unwrap();
        assert_eq!(rest, "elb.eu-west-1.localhost");
        let hex = host.strip_prefix("net-").unwrap();
        assert!(hex.len() == 16 && hex.bytes().all(|b| b.is_ascii_hexdigit()), "{nlb}");

        let other = dns_name(LoadBalancerType::Network, Scheme::InternetFacing, "net", "eu-west-1", "lb.test");
        assert!(other.ends_with(".eu-west-1.lb.test"), "{other}");
    }
}
