//! XML of ELBv2 output shapes (`LoadBalancer`, `TargetGroup`, `Listener`, `Action`, `Rule`),
//! member order as in the service model.

use model::listener::Action;
use model::{Listener, LoadBalancer, RegionState, RuleCondition, TargetGroup};

use crate::xml::{Xml, timestamp};

pub(crate) fn load_balancer(x: &mut Xml, lb: &LoadBalancer) {
    x.text("LoadBalancerArn", &lb.arn)
        .text("DNSName", &lb.dns_name)
        .text("CanonicalHostedZoneId", &lb.canonical_hosted_zone_id)
        .text("CreatedTime", timestamp(lb.created_time))
        .text("LoadBalancerName", &lb.name)
        .text("Scheme", lb.scheme.as_str())
        .text("VpcId", &lb.vpc_id)
        .elem("State", |x| {
            x.text("Code", "active");
        })
        .text("Type", lb.kind.as_str())
        .list("AvailabilityZones", "member", &lb.availability_zones, |x, z| {
            x.text("ZoneName", &z.zone_name).text("SubnetId", &z.subnet_id).strings("LoadBalancerAddresses", "member", Vec::<String>::new());
        })
        .strings("SecurityGroups", "member", &lb.security_groups)
        .text("IpAddressType", lb.ip_address_type.as_str());
}

pub(crate) fn target_group(x: &mut Xml, tg: &TargetGroup, region: &RegionState) {
    let hc = &tg.health_check;
    x.text("TargetGroupArn", &tg.arn)
        .text("TargetGroupName", &tg.name)
        .opt("Protocol", tg.protocol.map(|p| p.as_str()))
        .opt("Port", tg.port.map(|p| p.to_string()))
        .opt("VpcId", tg.vpc_id.as_deref());
    // A Lambda function has no protocol or port to check: AWS omits both for `lambda` groups.
    if tg.target_type != model::TargetType::Lambda {
        x.text("HealthCheckProtocol", hc.protocol.as_str()).text("HealthCheckPort", hc.port.to_wire());
    }
    x.text("HealthCheckEnabled", if hc.enabled { "true" } else { "false" })
        .text("HealthCheckIntervalSeconds", hc.interval_seconds.to_string())
        .text("HealthCheckTimeoutSeconds", hc.timeout_seconds.to_string())
        .text("HealthyThresholdCount", hc.healthy_threshold.to_string())
        .text("UnhealthyThresholdCount", hc.unhealthy_threshold.to_string())
        .opt("HealthCheckPath", hc.path.as_deref());
    if let Some(m) = &hc.matcher {
        x.elem("Matcher", |x| {
            x.opt("HttpCode", m.http_code.as_deref()).opt("GrpcCode", m.grpc_code.as_deref());
        });
    }
    x.strings("LoadBalancerArns", "member", region.load_balancers_of_target_group(&tg.arn))
        .text("TargetType", tg.target_type.as_str())
        .opt("ProtocolVersion", tg.protocol_version.map(|v| v.as_str()))
        .text("IpAddressType", tg.ip_address_type.as_str());
}

pub(crate) fn action(x: &mut Xml, a: &Action) {
    x.text("Type", a.kind.as_str());
    let single = a.target_group_arn.clone().or_else(|| {
        a.forward.as_ref().filter(|f| f.target_groups.len() == 1).map(|f| f.target_groups[0].target_group_arn.clone())
    });
    if a.kind == model::ActionType::Forward {
        x.opt("TargetGroupArn", single.as_deref());
    }
    x.opt("Order", a.order.map(|o| o.to_string()));
    if let Some(r) = &a.redirect {
        x.elem("RedirectConfig", |x| {
            x.text("Protocol", r.protocol.as_deref().unwrap_or("#{protocol}"))
                .text("Port", r.port.as_deref().unwrap_or("#{port}"))
                .text("Host", r.host.as_deref().unwrap_or("#{host}"))
                .text("Path", r.path.as_deref().unwrap_or("/#{path}"))
                .text("Query", r.query.as_deref().unwrap_or("#{query}"))
                .text("StatusCode", r.status_code.as_str());
        });
    }
    if let Some(f) = &a.fixed_response {
        x.elem("FixedResponseConfig", |x| {
            x.opt("MessageBody", f.message_body.as_deref()).text("StatusCode", &f.status_code).opt("ContentType", f.content_type.as_deref());
        });
    }
    if a.kind == model::ActionType::Forward {
        // AWS shows every forward in ForwardConfig form too, with weight 1 for a single group.
        let groups: Vec<(String, u32)> = match &a.forward {
            Some(f) if !f.target_groups.is_empty() => f.target_groups.iter().map(|t| (t.target_group_arn.clone(), t.weight.unwrap_or(1))).collect(),
            _ => single.iter().map(|t| (t.clone(), 1)).collect(),
        };
        let stick = a.forward.as_ref().and_then(|f| f.stickiness.clone()).unwrap_or_default();
        x.elem("ForwardConfig", |x| {
            x.list("TargetGroups", "member", &groups, |x, (arn, w)| {
                x.text("TargetGroupArn", arn).text("Weight", w.to_string());
            })
            .elem("TargetGroupStickinessConfig", |x| {
                x.text("Enabled", if stick.enabled == Some(true) { "true" } else { "false" }).opt("DurationSeconds", stick.duration_seconds.map(|d| d.to_string()));
            });
        });
    }
}

pub(crate) fn listener(x: &mut Xml, l: &Listener) {
    x.text("ListenerArn", &l.arn).text("LoadBalancerArn", &l.load_balancer_arn).text("Port", l.port.to_string()).text("Protocol", l.protocol.as_str());
    if let Some(c) = &l.certificate_arn {
        x.list("Certificates", "member", [c], |x, c| {
            x.text("CertificateArn", c);
        });
    }
    x.opt("SslPolicy", l.ssl_policy.as_deref()).list("DefaultActions", "member", &l.default_actions, action);
    if !l.alpn_policy.is_empty() {
        x.strings("AlpnPolicy", "member", &l.alpn_policy);
    }
}

/// A `Rule`; `priority` `None` is the default rule (`Priority` `default`, `IsDefault` true, no
/// conditions).
pub(crate) fn rule(x: &mut Xml, arn: &str, priority: Option<u32>, conditions: &[RuleCondition], actions: &[Action]) {
    x.text("RuleArn", arn)
        .text("Priority", priority.map_or_else(|| "default".to_string(), |p| p.to_string()))
        .list("Conditions", "member", conditions, condition)
        .list("Actions", "member", actions, action)
        .text("IsDefault", if priority.is_none() { "true" } else { "false" });
}

/// A `RuleCondition` as AWS shows it: host-header and path-pattern both in the legacy `Values`
/// and in their `…Config`, the other fields in their `…Config` only.
fn condition(x: &mut Xml, c: &RuleCondition) {
    x.text("Field", &c.field);
    let config = |x: &mut Xml, tag: &str| {
        x.elem(tag, |x| {
            x.strings("Values", "member", &c.values);
        });
    };
    match c.field.as_str() {
        "host-header" => config(x.strings("Values", "member", &c.values), "HostHeaderConfig"),
        "path-pattern" => config(x.strings("Values", "member", &c.values), "PathPatternConfig"),
        "http-request-method" => config(x, "HttpRequestMethodConfig"),
        "source-ip" => config(x, "SourceIpConfig"),
        "http-header" => {
            if let Some(h) = &c.http_header {
                x.elem("HttpHeaderConfig", |x| {
                    x.text("HttpHeaderName", &h.name).strings("Values", "member", &h.values);
                });
            }
        }
        "query-string" => {
            x.elem("QueryStringConfig", |x| {
                x.list("Values", "member", &c.query_string, |x, q| {
                    x.opt("Key", q.key.as_deref()).text("Value", &q.value);
                });
            });
        }
        _ => {}
    }
}
