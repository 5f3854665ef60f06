//! DescribeSSLPolicies: the predefined security policies of [`model::ssl_policy`], as botocore's
//! `DescribeSSLPoliciesOutput` shapes them.

use model::LoadBalancerType;
use model::ssl_policy::{self, SslPolicy};

use super::paginate;
use crate::error::ApiError;
use crate::params::Params;
use crate::xml::Xml;

/// `Names.member.N` (unknown name → `SSLPolicyNotFound`), `LoadBalancerType`
/// (`application|network|gateway`: only the policies that type supports), `Marker`/`PageSize`.
/// Named policies come back in the order named, once each; otherwise all, in AWS's order.
pub(crate) fn describe(p: &Params, x: &mut Xml) -> Result<(), ApiError> {
    let kind = p.enumeration("LoadBalancerType", LoadBalancerType::parse, LoadBalancerType::ALL)?;
    let mut policies: Vec<&'static SslPolicy> = match p.list("Names")? {
        Some(names) if !names.is_empty() => {
            let mut out: Vec<&'static SslPolicy> = Vec::with_capacity(names.len());
            for n in &names {
                let policy = ssl_policy::find(n).ok_or_else(|| ApiError::new("SSLPolicyNotFound", format!("SSL policy '{n}' not found")))?;
                if !out.iter().any(|q| q.name == policy.name) {
                    out.push(policy);
                }
            }
            out
        }
        _ => ssl_policy::all().iter().collect(),
    };
    if let Some(k) = kind {
        policies.retain(|q| q.load_balancer_types.contains(&k.as_str()));
    }
    let (page, next) = paginate(policies, p)?;
    x.list("SslPolicies", "member", page, policy).opt("NextMarker", next);
    Ok(())
}

/// One `SslPolicy`: `SslProtocols`, `Ciphers` (`Name`, `Priority` from 1), `Name`,
/// `SupportedLoadBalancerTypes`.
fn policy(x: &mut Xml, q: &SslPolicy) {
    x.strings("SslProtocols", "member", q.protocols)
        .list("Ciphers", "member", q.ciphers.iter().enumerate(), |x, (i, c)| {
            x.text("Name", c).text("Priority", (i + 1).to_string());
        })
        .text("Name", q.name)
        .strings("SupportedLoadBalancerTypes", "member", q.load_balancer_types);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::params::ListStyle;

    fn call(form: &str) -> Result<String, ApiError> {
        let mut x = Xml::new();
        describe(&Params::from_form(form.as_bytes(), ListStyle::Member), &mut x)?;
        Ok(x.into_string())
    }

    #[test]
    fn a_named_policy_renders_as_botocore_shapes_it() {
        let xml = call("Names.member.1=ELBSecurityPolicy-TLS13-1-3-2021-06").unwrap();
        assert_eq!(
            xml,
            "<SslPolicies><member>\
             <SslProtocols><member>TLSv1.3</member></SslProtocols>\
             <Ciphers>\
             <member><Name>TLS_AES_128_GCM_SHA256</Name><Priority>1</Priority></member>\
             <member><Name>TLS_AES_256_GCM_SHA384</Name><Priority>2</Priority></member>\
             <member><Name>TLS_CHACHA20_POLY1305_SHA256</Name><Priority>3</Priority></member>\
             </Ciphers>\
             <Name>ELBSecurityPolicy-TLS13-1-3-2021-06</Name>\
             <SupportedLoadBalancerTypes><member>application</member><member>network</member></SupportedLoadBalancerTypes>\
             </member></SslPolicies>"
        );
    }

    #[test]
    fn names_come_back_in_the_order_asked_once_each() {
        let xml = call("Names.member.1=ELBSecurityPolicy-FS-2018-06&Names.member.2=ELBSecurityPolicy-2016-08&Names.member.3=ELBSecurityPolicy-FS-2018-06").unwrap();
        let names: Vec<&str> = xml.split("</Ciphers><Name>").skip(1).map(|s| s.split('<').next().unwrap()).collect();
        assert_eq!(names, ["ELBSecurityPolicy-FS-2018-06", "ELBSecurityPolicy-2016-08"]);
        // The default's eighteenth cipher has priority 18.
        assert!(xml.contains("<member><Name>AES256-SHA</Name><Priority>18</Priority></member>"), "{xml}");
    }

    #[test]
    fn an_unknown_name_is_ssl_policy_not_found() {
        let e = call("Names.member.1=ELBSecurityPolicy-2016-08&Names.member.2=Nope").unwrap_err();
        assert_eq!((e.status, e.code.as_ref(), e.message.as_str()), (400, "SSLPolicyNotFound", "SSL policy 'Nope' not found"));
    }

    #[test]
    fn all_policies_page_by_marker_and_filter_by_type() {
        let all = ssl_policy::all().len();
        let xml = call("").unwrap();
        assert_eq!(xml.matches("<SupportedLoadBalancerTypes>").count(), all);
        assert!(!xml.contains("NextMarker"));
        assert!(xml.starts_with("<SslPolicies><member><SslProtocols><member>TLSv1</member>"), "the default comes first: {xml}");

        let first = call("PageSize=10").unwrap();
        assert_eq!(first.matches("<SupportedLoadBalancerTypes>").count(), 10);
        assert!(first.ends_with("<NextMarker>10</NextMarker>"), "{first}");
        let rest = call("PageSize=400&Marker=10").unwrap();
        assert_eq!(rest.matches("<SupportedLoadBalancerTypes>").count(), all - 10);

        assert_eq!(call("LoadBalancerType=network").unwrap().matches("<SupportedLoadBalancerTypes>").count(), all);
        assert_eq!(call("LoadBalancerType=gateway").unwrap(), "<SslPolicies/>");
        let e = call("LoadBalancerType=classic").unwrap_err();
        assert_eq!(e.code, "ValidationError");
        assert_eq!(call("PageSize=0").unwrap_err().code, "ValidationError");
    }
}
