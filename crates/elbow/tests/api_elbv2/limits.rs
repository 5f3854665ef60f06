//! Account limits, capacity reservation, listener attributes.

use std::collections::BTreeMap;
use testkit::Elbow;

use crate::support::*;

#[tokio::test(flavor = "multi_thread")]
async fn describe_account_limits_lists_awss_limit_names() {
    let elbow = Elbow::start();
    let c = elbow.elbv2();
    let out = c.describe_account_limits().send().await.unwrap();
    let limits: BTreeMap<&str, &str> = out.limits().iter().map(|l| (l.name().unwrap(), l.max().unwrap())).collect();
    // Every name of api-surface §3.11 (the awscli example of describe-account-limits).
    let names = [
        "application-load-balancers",
        "network-load-balancers",
        "gateway-load-balancers",
        "gateway-load-balancers-per-vpc",
        "target-groups",
        "targets-per-application-load-balancer",
        "targets-per-network-load-balancer",
        "targets-per-availability-zone-per-network-load-balancer",
        "targets-per-availability-zone-per-gateway-load-balancer",
        "targets-per-target-group",
        "target-id-registrations-per-application-load-balancer",
        "listeners-per-application-load-balancer",
        "listeners-per-network-load-balancer",
        "rules-per-application-load-balancer",
        "condition-values-per-alb-rule",
        "condition-wildcards-per-alb-rule",
        "target-groups-per-application-load-balancer",
        "target-groups-per-action-on-application-load-balancer",
        "target-groups-per-action-on-network-load-balancer",
        "certificates-per-application-load-balancer",
        "certificates-per-network-load-balancer",
        "network-load-balancer-enis-per-vpc",
        "geneve-target-groups",
    ];
    for name in names {
        let max = limits.get(name).unwrap_or_else(|| panic!("{name} missing from {limits:?}"));
        assert!(max.parse::<u64>().is_ok(), "{name}={max}");
    }
    assert_eq!(limits.len(), names.len(), "no other names: {limits:?}");
    assert_eq!(limits["application-load-balancers"], "50");
    assert_eq!(limits["target-groups"], "3000");
    assert_eq!(limits["listeners-per-application-load-balancer"], "50");
    // Paginated like the other Describe calls.
    let page = c.describe_account_limits().page_size(3).send().await.unwrap();
    assert_eq!(page.limits().len(), 3);
    assert!(page.next_marker().is_some());
}

#[tokio::test(flavor = "multi_thread")]
async fn describe_capacity_reservation_answers_for_an_existing_load_balancer() {
    let elbow = Elbow::start();
    let c = elbow.elbv2();
    let fx = fixture(&elbow).await;
    let out = c.describe_capacity_reservation().load_balancer_arn(&fx.lb).send().await.expect("Terraform calls this on every refresh");
    assert!(out.capacity_reservation_state().is_empty(), "{out:?}");
    assert!(out.minimum_load_balancer_capacity().is_none(), "no reservation was made: {out:?}");
    assert_code(&failure(c.describe_capacity_reservation().load_balancer_arn(BOGUS_LB).send().await), "LoadBalancerNotFound");
    // The CLI parses it too.
    let cli = elbow.aws(&["elbv2", "describe-capacity-reservation", "--load-balancer-arn", &fx.lb]).unwrap();
    assert_eq!(cli["CapacityReservationState"], serde_json::json!([]));
}

#[tokio::test(flavor = "multi_thread")]
async fn describe_listener_attributes_works_for_an_http_listener_through_the_cli() {
    let elbow = Elbow::start();
    let fx = fixture(&elbow).await;
    let out = elbow.aws(&["elbv2", "describe-listener-attributes", "--listener-arn", &fx.listener]).unwrap();
    let attrs: BTreeMap<String, String> =
        out["Attributes"].as_array().unwrap().iter().map(|a| (a["Key"].as_str().unwrap().to_string(), a["Value"].as_str().unwrap().to_string())).collect();
    assert_eq!(attrs.get("routing.http.response.server.enabled").map(String::as_str), Some("false"), "the fixture turned it off: {attrs:?}");
    let e = elbow.aws(&["elbv2", "describe-listener-attributes", "--listener-arn", BOGUS_LISTENER]).unwrap_err();
    assert_eq!(e.code, "ListenerNotFound", "{e:?}");
}
