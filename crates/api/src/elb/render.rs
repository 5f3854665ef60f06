//! XML shapes of the classic ELB model: `LoadBalancerDescription`, `HealthCheck`,
//! `LoadBalancerAttributes`, `PolicyDescription` (field names and order as in botocore's `elb`
//! service model).

use model::RegionState;
use model::classic::{ClassicAttributes, ClassicHealthCheck, ClassicLoadBalancer, ClassicPolicy};
use model::classic_policy_types as types;

use crate::xml::{Xml, timestamp};

/// `HealthCheck`.
pub(crate) fn health_check(x: &mut Xml, hc: &ClassicHealthCheck) {
    x.text("Target", &hc.target)
        .text("Interval", hc.interval.to_string())
        .text("Timeout", hc.timeout.to_string())
        .text("UnhealthyThreshold", hc.unhealthy_threshold.to_string())
        .text("HealthyThreshold", hc.healthy_threshold.to_string());
}

/// `Instances[].InstanceId` of the instances registered and not draining.
pub(crate) fn instances(x: &mut Xml, lb: &ClassicLoadBalancer) {
    x.list("Instances", "member", lb.instances.iter().filter(|i| i.draining.is_none()), |x, i| {
        x.text("InstanceId", &i.instance_id);
    });
}

/// `LoadBalancerDescription`.
pub(crate) fn load_balancer(x: &mut Xml, lb: &ClassicLoadBalancer, region: &RegionState, account_id: &str) {
    x.text("LoadBalancerName", &lb.name).text("DNSName", &lb.dns_name);
    // Internal load balancers have no public hosted-zone name.
    if lb.scheme != "internal" {
        x.text("CanonicalHostedZoneName", &lb.dns_name);
    }
    x.text("CanonicalHostedZoneNameID", &lb.canonical_hosted_zone_name_id);
    x.list("ListenerDescriptions", "member", &lb.listeners, |x, l| {
        x.elem("Listener", |x| {
            x.text("Protocol", l.protocol.as_str())
                .text("LoadBalancerPort", l.load_balancer_port.to_string())
                .text("InstanceProtocol", l.instance_protocol.as_str())
                .text("InstancePort", l.instance_port.to_string())
                .opt("SSLCertificateId", l.ssl_certificate_id.as_deref());
        })
        .strings("PolicyNames", "member", &l.policy_names);
    });
    x.elem("Policies", |x| {
        x.list("AppCookieStickinessPolicies", "member", lb.policies.iter().filter(|p| p.type_name == types::APP_COOKIE), |x, p| {
            x.text("PolicyName", &p.name).opt("CookieName", p.attribute("CookieName"));
        })
        .list("LBCookieStickinessPolicies", "member", lb.policies.iter().filter(|p| p.type_name == types::LB_COOKIE), |x, p| {
            x.text("PolicyName", &p.name).opt("CookieExpirationPeriod", p.attribute("CookieExpirationPeriod"));
        })
        .strings("OtherPolicies", "member", lb.policies.iter().filter(|p| p.type_name != types::APP_COOKIE && p.type_name != types::LB_COOKIE).map(|p| p.name.as_str()));
    });
    x.list("BackendServerDescriptions", "member", &lb.backend_server_policies, |x, (port, names)| {
        x.text("InstancePort", port.to_string()).strings("PolicyNames", "member", names);
    })
    .strings("AvailabilityZones", "member", &lb.availability_zones)
    .strings("Subnets", "member", &lb.subnets)
    .opt("VPCId", lb.vpc_id.as_deref());
    instances(x, lb);
    x.elem("HealthCheck", |x| health_check(x, &lb.health_check));
    let group = lb.security_groups.first().and_then(|g| region.ec2.security_groups.get(g)).map(|g| g.name.clone());
    x.elem("SourceSecurityGroup", |x| {
        x.text("OwnerAlias", account_id).opt("GroupName", group.as_deref());
    })
    .strings("SecurityGroups", "member", &lb.security_groups)
    .text("CreatedTime", timestamp(lb.created_time))
    .text("Scheme", &lb.scheme);
}

/// `LoadBalancerAttributes`, with the desync mitigation mode's default shown.
pub(crate) fn attributes(x: &mut Xml, a: &ClassicAttributes) {
    x.elem("CrossZoneLoadBalancing", |x| {
        x.text("Enabled", a.cross_zone.to_string());
    });
    access_log(x, a);
    connection_draining(x, a);
    connection_settings(x, a);
    let mut additional = a.additional.clone();
    additional.entry(model::CLASSIC_DESYNC_MITIGATION_MODE.to_string()).or_insert_with(|| "defensive".into());
    x.list("AdditionalAttributes", "member", &additional, |x, (k, v)| {
        x.text("Key", k).text("Value", v);
    });
}

/// `AccessLog`.
pub(crate) fn access_log(x: &mut Xml, a: &ClassicAttributes) {
    x.elem("AccessLog", |x| {
        x.text("Enabled", a.access_log.enabled.to_string())
            .opt("S3BucketName", a.access_log.s3_bucket_name.as_deref())
            .opt("EmitInterval", a.access_log.emit_interval.map(|i| i.to_string()))
            .opt("S3BucketPrefix", a.access_log.s3_bucket_prefix.as_deref());
    });
}

/// `ConnectionDraining`.
pub(crate) fn connection_draining(x: &mut Xml, a: &ClassicAttributes) {
    x.elem("ConnectionDraining", |x| {
        x.text("Enabled", a.connection_draining.to_string()).text("Timeout", a.connection_draining_timeout.to_string());
    });
}

/// `ConnectionSettings`.
pub(crate) fn connection_settings(x: &mut Xml, a: &ClassicAttributes) {
    x.elem("ConnectionSettings", |x| {
        x.text("IdleTimeout", a.idle_timeout.to_string());
    });
}

/// `PolicyDescription`.
pub(crate) fn policy(x: &mut Xml, p: &ClassicPolicy) {
    x.text("PolicyName", &p.name).text("PolicyTypeName", &p.type_name).list("PolicyAttributeDescriptions", "member", &p.attributes, |x, (k, v)| {
        x.text("AttributeName", k).text("AttributeValue", v);
    });
}
