//! Identifiers: ARNs, resource ids and DNS names in AWS's formats
//! (ELBv2 API reference, "Elastic Load Balancing resource ARNs"; EC2 "Resource IDs").

/// Milliseconds since the Unix epoch (UTC). The model never reads a clock: times arrive in
/// commands, so `apply` stays deterministic.
pub type Millis = u64;

/// The parts of an ARN: `arn:<partition>:<service>:<region>:<account>:<resource>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Arn<'a> {
    /// `aws` for elbow.
    pub partition: &'a str,
    /// `elasticloadbalancing`, `iam`, `acm`, `ec2`, ….
    pub service: &'a str,
    /// Empty for IAM.
    pub region: &'a str,
    /// 12 digits.
    pub account: &'a str,
    /// Everything after the fifth colon, e.g. `targetgroup/tg1/73e2d6bc24d8a067`.
    pub resource: &'a str,
}

impl<'a> Arn<'a> {
    /// Splits an ARN; `None` unless it has six colon-separated parts starting with `arn`.
    pub fn parse(s: &'a str) -> Option<Arn<'a>> {
        let mut it = s.splitn(6, ':');
        if it.next()? != "arn" {
            return None;
        }
        Some(Arn {
            partition: it.next()?,
            service: it.next()?,
            region: it.next()?,
            account: it.next()?,
            resource: it.next()?,
        })
    }
}

/// `arn:aws:elasticloadbalancing:<region>:<account>:loadbalancer/<app|net|gwy>/<name>/<id>`.
pub fn load_balancer_arn(region: &str, account: &str, type_prefix: &str, name: &str, id: &str) -> String {
    format!("arn:aws:elasticloadbalancing:{region}:{account}:loadbalancer/{type_prefix}/{name}/{id}")
}

/// `arn:aws:elasticloadbalancing:<region>:<account>:targetgroup/<name>/<id>`.
pub fn target_group_arn(region: &str, account: &str, name: &str, id: &str) -> String {
    format!("arn:aws:elasticloadbalancing:{region}:{account}:targetgroup/{name}/{id}")
}

/// `…:listener/<app|net|gwy>/<lb-name>/<lb-id>/<id>`: the load balancer's ARN with
/// `loadbalancer/` replaced by `listener/` and the listener id appended.
pub fn listener_arn(load_balancer_arn: &str, id: &str) -> String {
    format!("{}/{id}", load_balancer_arn.replacen(":loadbalancer/", ":listener/", 1))
}

/// `…:listener-rule/<app|net>/<lb-name>/<lb-id>/<listener-id>/<id>`.
pub fn rule_arn(listener_arn: &str, id: &str) -> String {
    format!("{}/{id}", listener_arn.replacen(":listener/", ":listener-rule/", 1))
}

/// The trailing `/`-separated component of an ARN (the 16-hex id for ELBv2 resources).
pub fn arn_id(arn: &str) -> &str {
    arn.rsplit('/').next().unwrap_or(arn)
}

/// True if `s` is a valid ELBv2 load balancer or target group name: 1–32 characters of
/// `[A-Za-z0-9-]`, not starting or ending with `-` (CreateLoadBalancer/CreateTargetGroup `Name`).
pub fn is_valid_elb_name(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 32
        && !s.starts_with('-')
        && !s.ends_with('-')
        && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

/// The EC2 region's availability zone names elbow offers: `<region>a`, `<region>b`, ….
pub fn zone_names(region: &str, count: usize) -> Vec<String> {
    (0..count).map(|i| format!("{region}{}", (b'a' + i as u8) as char)).collect()
}

/// An EC2 zone id like `use1-az1` for zone index `i` of `region` (EC2 "AZ IDs").
pub fn zone_id(region: &str, i: usize) -> String {
    let mut abbrev = String::new();
    for (n, part) in region.split('-').enumerate() {
        match n {
            0 => abbrev.push_str(part),
            _ => {
                if part.chars().all(|c| c.is_ascii_digit()) {
                    abbrev.push_str(part);
                } else if let Some(c) = part.chars().next() {
                    abbrev.push(c);
                }
            }
        }
    }
    format!("{abbrev}-az{}", i + 1)
}

/// A deterministic id of `hex_len` hex digits derived from `seed` (FNV-1a based), for resources
/// that must exist with the same id on every node without being stored, such as the default VPC.
pub fn stable_hex_id(seed: &str, hex_len: usize) -> String {
    let mut out = String::with_capacity(hex_len);
    let mut round: u64 = 0;
    while out.len() < hex_len {
        let mut h: u64 = 0xcbf2_9ce4_8422_2325 ^ round;
        for b in seed.bytes() {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        }
        out.push_str(&format!("{h:016x}"));
        round += 1;
    }
    out.truncate(hex_len);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arns_nest_as_aws_does() {
        let lb = load_balancer_arn("us-east-1", "123456789012", "app", "my-alb", "50dc6c495c0c9188");
        assert_eq!(lb, "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/my-alb/50dc6c495c0c9188");
        let l = listener_arn(&lb, "f2f7dc8efc522ab2");
        assert_eq!(l, "arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/my-alb/50dc6c495c0c9188/f2f7dc8efc522ab2");
        let r = rule_arn(&l, "9683b2d02a6cabee");
        assert_eq!(r, "arn:aws:elasticloadbalancing:us-east-1:123456789012:listener-rule/app/my-alb/50dc6c495c0c9188/f2f7dc8efc522ab2/9683b2d02a6cabee");
        let p = Arn::parse(&r).unwrap();
        assert_eq!((p.service, p.region, p.account), ("elasticloadbalancing", "us-east-1", "123456789012"));
        assert_eq!(arn_id(&r), "9683b2d02a6cabee");
    }

    #[test]
    fn names_follow_elb_rules() {
        assert!(is_valid_elb_name("my-alb-1"));
        assert!(!is_valid_elb_name("-x"));
        assert!(!is_valid_elb_name("x-"));
        assert!(!is_valid_elb_name("a_b"));
        assert!(!is_valid_elb_name(&"a".repeat(33)));
    }

    #[test]
    fn zone_ids_look_like_aws() {
        assert_eq!(zone_id("us-east-1", 0), "use1-az1");
        assert_eq!(zone_id("eu-west-2", 1), "euw2-az2");
        assert_eq!(zone_names("us-east-1", 2), vec!["us-east-1a", "us-east-1b"]);
    }

    #[test]
    fn stable_ids_are_stable_and_distinct() {
        assert_eq!(stable_hex_id("a", 17), stable_hex_id("a", 17));
        assert_ne!(stable_hex_id("a", 17), stable_hex_id("b", 17));
        assert_eq!(stable_hex_id("a", 17).len(), 17);
    }
}
