//! The Classic Load Balancer control plane (Elastic Load Balancing 2012-06-01) end to end,
//! driven by the real `aws elb` CLI against a real `elbow serve`: load balancers, listeners,
//! health checks, instances, policies, attributes, tags, zones, subnets, security groups and
//! listener certificates; every refused call changes nothing; a `kill -9` restart keeps it all.
//!
//! Listener ports are free ports because the data plane binds classic listeners too; traffic
//! through classic load balancers is tested elsewhere.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::{Value, json};
use testkit::{AwsError, Elbow, default_network, free_port};

fn ok(elbow: &Elbow, args: &[&str]) -> Value {
    elbow.aws(args).unwrap_or_else(|e| panic!("aws {args:?}: {e:?}"))
}

/// Runs a call that must fail with `code`, and checks that nothing changed.
fn refused(elbow: &Elbow, args: &[&str], code: &str) -> AwsError {
    let before = state(elbow);
    let e = elbow.aws(args).expect_err(&format!("aws {args:?} should fail with {code}"));
    assert_eq!(e.code, code, "aws {args:?}: {}", e.message);
    assert_eq!(state(elbow), before, "aws {args:?} was refused but changed the configuration");
    e
}

/// What `describe-*` shows of the classic load balancers: descriptions (listeners, policy
/// names, instances, health check, placement), tags, and the attributes of `web`. Three calls,
/// because every CLI call costs a Python start.
fn state(elbow: &Elbow) -> Value {
    let lbs = ok(elbow, &["elb", "describe-load-balancers"]);
    let names: Vec<String> = lbs["LoadBalancerDescriptions"].as_array().unwrap().iter().map(|l| l["LoadBalancerName"].as_str().unwrap().to_string()).collect();
    let mut out = json!({"lbs": lbs});
    if !names.is_empty() {
        let mut args = vec!["elb", "describe-tags", "--load-balancer-names"];
        args.extend(names.iter().map(String::as_str));
        out["tags"] = ok(elbow, &args);
    }
    if names.iter().any(|n| n == "web") {
        out["attributes"] = ok(elbow, &["elb", "describe-load-balancer-attributes", "--load-balancer-name", "web"]);
    }
    out
}

fn describe(elbow: &Elbow, name: &str) -> Value {
    ok(elbow, &["elb", "describe-load-balancers", "--load-balancer-names", name])["LoadBalancerDescriptions"][0].clone()
}

fn strings(v: &Value) -> Vec<String> {
    let mut out: Vec<String> = v.as_array().map(|a| a.iter().filter_map(|x| x.as_str().map(str::to_string)).collect()).unwrap_or_default();
    out.sort();
    out
}

fn instance_ids(v: &Value) -> Vec<String> {
    let mut out: Vec<String> = v.as_array().unwrap().iter().map(|i| i["InstanceId"].as_str().unwrap().to_string()).collect();
    out.sort();
    out
}

/// A self-signed certificate and key made with openssl in `dir`.
fn certificate(dir: &Path, stem: &str, cn: &str) -> (PathBuf, PathBuf) {
    let (crt, key) = (dir.join(format!("{stem}.crt")), dir.join(format!("{stem}.key")));
    let out = Command::new("openssl")
        .args(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "30", "-subj", &format!("/CN={cn}"), "-addext", &format!("subjectAltName=DNS:{cn}")])
        .arg("-keyout")
        .arg(&key)
        .arg("-out")
        .arg(&crt)
        .output()
        .expect("openssl is installed");
    assert!(out.status.success(), "openssl: {}", String::from_utf8_lossy(&out.stderr));
    (crt, key)
}

fn upload(elbow: &Elbow, dir: &Path, name: &str) -> String {
    let (crt, key) = certificate(dir, name, &format!("{name}.example.test"));
    let out = ok(
        elbow,
        &[
            "iam",
            "upload-server-certificate",
            "--server-certificate-name",
            name,
            "--certificate-body",
            &format!("file://{}", crt.display()),
            "--private-key",
            &format!("file://{}", key.display()),
        ],
    );
    out["ServerCertificateMetadata"]["Arn"].as_str().unwrap().to_string()
}

#[test]
fn classic_load_balancers_through_the_aws_cli() {
    let mut elbow = Elbow::start();
    let (vpc, subnets) = default_network(&elbow);
    let (s1, s2) = (subnets[0].clone(), subnets[1].clone());
    let http_port = free_port("127.0.0.1");
    let http_port_s = http_port.to_string();

    // Create: DNS name, AWS defaults, idempotent repeat, refusals.
    let listeners = json!([{"Protocol": "HTTP", "LoadBalancerPort": http_port, "InstanceProtocol": "HTTP", "InstancePort": 8080}]).to_string();
    let create = ["elb", "create-load-balancer", "--load-balancer-name", "web", "--listeners", &listeners, "--subnets", &s1, &s2, "--tags", "Key=env,Value=dev"];
    let dns = ok(&elbow, &create)["DNSName"].as_str().unwrap().to_string();
    assert!(dns.starts_with("web-") && dns.ends_with(".us-east-1.elb.localhost"), "{dns}");
    assert_eq!(ok(&elbow, &create)["DNSName"], dns.as_str(), "an identical create answers the same load balancer");
    let lb = describe(&elbow, "web");
    assert_eq!(lb["DNSName"], dns.as_str());
    assert_eq!(lb["VPCId"], vpc.as_str());
    assert_eq!(strings(&lb["Subnets"]), { let mut v = vec![s1.clone(), s2.clone()]; v.sort(); v });
    assert_eq!(strings(&lb["AvailabilityZones"]), vec!["us-east-1a", "us-east-1b"]);
    assert_eq!(lb["Scheme"], "internet-facing");
    assert_eq!(lb["HealthCheck"], json!({"Target": "TCP:8080", "Interval": 30, "Timeout": 5, "UnhealthyThreshold": 2, "HealthyThreshold": 10}));
    assert_eq!(lb["ListenerDescriptions"], json!([{"Listener": {"Protocol": "HTTP", "LoadBalancerPort": http_port, "InstanceProtocol": "HTTP", "InstancePort": 8080}, "PolicyNames": []}]));
    assert_eq!(lb["Policies"], json!({"AppCookieStickinessPolicies": [], "LBCookieStickinessPolicies": [], "OtherPolicies": []}));
    assert_eq!(lb["Instances"], json!([]));
    assert_eq!(lb["SourceSecurityGroup"]["GroupName"], "default");
    assert_eq!(lb["SecurityGroups"].as_array().unwrap().len(), 1);
    let other = json!([{"Protocol": "TCP", "LoadBalancerPort": http_port, "InstancePort": 9090}]).to_string();
    refused(&elbow, &["elb", "create-load-balancer", "--load-balancer-name", "web", "--listeners", &other, "--subnets", &s1], "DuplicateLoadBalancerName");
    let p = free_port("127.0.0.1");
    let mixed = json!([{"Protocol": "TCP", "LoadBalancerPort": p, "InstanceProtocol": "HTTP", "InstancePort": 9090}]).to_string();
    refused(&elbow, &["elb", "create-load-balancer", "--load-balancer-name", "mixed", "--listeners", &mixed, "--subnets", &s1], "InvalidConfigurationRequest");
    let tcp = json!([{"Protocol": "TCP", "LoadBalancerPort": p, "InstancePort": 9090}]).to_string();
    refused(&elbow, &["elb", "create-load-balancer", "--load-balancer-name", "nosubnet", "--listeners", &tcp, "--subnets", "subnet-0000000000000000a"], "SubnetNotFound");
    refused(&elbow, &["elb", "create-load-balancer", "--load-balancer-name", "badsg", "--listeners", &tcp, "--subnets", &s1, "--security-groups", "sg-0000000000000000a"], "InvalidSecurityGroup");
    refused(&elbow, &["elb", "describe-load-balancers", "--load-balancer-names", "nope"], "LoadBalancerNotFound");

    // An internal load balancer from Availability Zones lands in the default subnets.
    let internal = ok(&elbow, &["elb", "create-load-balancer", "--load-balancer-name", "inner", "--listeners", &tcp, "--availability-zones", "us-east-1a", "--scheme", "internal"]);
    assert!(internal["DNSName"].as_str().unwrap().starts_with("internal-inner-"), "{internal}");
    let inner = describe(&elbow, "inner");
    assert_eq!((inner["Scheme"].as_str(), inner["Subnets"].as_array().map(Vec::len)), (Some("internal"), Some(1)));

    // Listeners: add, same again (no-op), clash, remove.
    let tcp_port = free_port("127.0.0.1");
    let extra = json!([{"Protocol": "TCP", "LoadBalancerPort": tcp_port, "InstancePort": 9090}]).to_string();
    ok(&elbow, &["elb", "create-load-balancer-listeners", "--load-balancer-name", "web", "--listeners", &extra]);
    ok(&elbow, &["elb", "create-load-balancer-listeners", "--load-balancer-name", "web", "--listeners", &extra]);
    let lb = describe(&elbow, "web");
    let ports: Vec<u64> = lb["ListenerDescriptions"].as_array().unwrap().iter().map(|l| l["Listener"]["LoadBalancerPort"].as_u64().unwrap()).collect();
    assert_eq!(ports.len(), 2);
    let added = lb["ListenerDescriptions"].as_array().unwrap().iter().find(|l| l["Listener"]["LoadBalancerPort"] == tcp_port).unwrap();
    assert_eq!(added["Listener"]["InstanceProtocol"], "TCP", "{lb}");
    let clash = json!([{"Protocol": "TCP", "LoadBalancerPort": tcp_port, "InstancePort": 9191}]).to_string();
    refused(&elbow, &["elb", "create-load-balancer-listeners", "--load-balancer-name", "web", "--listeners", &clash], "DuplicateListener");
    refused(&elbow, &["elb", "create-load-balancer-listeners", "--load-balancer-name", "nope", "--listeners", &clash], "LoadBalancerNotFound");
    ok(&elbow, &["elb", "delete-load-balancer-listeners", "--load-balancer-name", "web", "--load-balancer-ports", &tcp_port.to_string()]);
    assert_eq!(describe(&elbow, "web")["ListenerDescriptions"].as_array().unwrap().len(), 1);

    // Health check: good, malformed target, timeout not below interval.
    let hc = ok(&elbow, &["elb", "configure-health-check", "--load-balancer-name", "web", "--health-check", "Target=HTTP:8080/health,Interval=10,Timeout=5,UnhealthyThreshold=2,HealthyThreshold=3"]);
    assert_eq!(hc["HealthCheck"], json!({"Target": "HTTP:8080/health", "Interval": 10, "Timeout": 5, "UnhealthyThreshold": 2, "HealthyThreshold": 3}));
    let e = refused(&elbow, &["elb", "configure-health-check", "--load-balancer-name", "web", "--health-check", "Target=HTTP:8080,Interval=10,Timeout=5,UnhealthyThreshold=2,HealthyThreshold=3"], "ValidationError");
    assert!(e.message.contains("HTTP:8080"), "{}", e.message);
    refused(&elbow, &["elb", "configure-health-check", "--load-balancer-name", "web", "--health-check", "Target=FTP:21,Interval=10,Timeout=5,UnhealthyThreshold=2,HealthyThreshold=3"], "ValidationError");
    refused(&elbow, &["elb", "configure-health-check", "--load-balancer-name", "web", "--health-check", "Target=TCP:80,Interval=10,Timeout=10,UnhealthyThreshold=2,HealthyThreshold=3"], "ValidationError");

    // Instances: register two, describe their health, refuse unknown ones.
    let run = ok(&elbow, &["ec2", "run-instances", "--image-id", "ami-12345678", "--count", "2", "--subnet-id", &s1]);
    let ids: Vec<String> = run["Instances"].as_array().unwrap().iter().map(|i| i["InstanceId"].as_str().unwrap().to_string()).collect();
    let (i1, i2) = (ids[0].as_str(), ids[1].as_str());
    let reg = ok(&elbow, &["elb", "register-instances-with-load-balancer", "--load-balancer-name", "web", "--instances", i1, i2]);
    assert_eq!(instance_ids(&reg["Instances"]), { let mut v = ids.clone(); v.sort(); v });
    refused(&elbow, &["elb", "register-instances-with-load-balancer", "--load-balancer-name", "web", "--instances", "i-0123456789abcdef0"], "InvalidInstance");
    let health = ok(&elbow, &["elb", "describe-instance-health", "--load-balancer-name", "web"]);
    let states = health["InstanceStates"].as_array().unwrap();
    assert_eq!(states.len(), 2, "{health}");
    for s in states {
        assert!(["InService", "OutOfService"].contains(&s["State"].as_str().unwrap()), "{s}");
        assert!(
            [
                "N/A",
                "Instance registration is still in progress.",
                "Instance has failed at least the UnhealthyThreshold number of health checks consecutively.",
                "Instance is in pending state."
            ]
            .contains(&s["Description"].as_str().unwrap()),
            "{s}"
        );
    }
    let one = ok(&elbow, &["elb", "describe-instance-health", "--load-balancer-name", "web", "--instances", i1]);
    assert_eq!(one["InstanceStates"][0]["InstanceId"], i1);
    refused(&elbow, &["elb", "describe-instance-health", "--load-balancer-name", "web", "--instances", "i-0123456789abcdef0"], "InvalidInstance");
    // Without connection draining a deregistered instance goes at once.
    let left = ok(&elbow, &["elb", "deregister-instances-from-load-balancer", "--load-balancer-name", "web", "--instances", i2]);
    assert_eq!(instance_ids(&left["Instances"]), vec![i1.to_string()]);
    refused(&elbow, &["elb", "deregister-instances-from-load-balancer", "--load-balancer-name", "web", "--instances", i2], "InvalidInstance");
    ok(&elbow, &["elb", "register-instances-with-load-balancer", "--load-balancer-name", "web", "--instances", i2]);

    // Policies: LB cookie, app cookie, unknown policy, wrong listener, delete in use.
    ok(&elbow, &["elb", "create-lb-cookie-stickiness-policy", "--load-balancer-name", "web", "--policy-name", "sticky", "--cookie-expiration-period", "60"]);
    ok(&elbow, &["elb", "create-app-cookie-stickiness-policy", "--load-balancer-name", "web", "--policy-name", "app", "--cookie-name", "SESSION"]);
    ok(&elbow, &["elb", "create-load-balancer-policy", "--load-balancer-name", "web", "--policy-name", "pp", "--policy-type-name", "ProxyProtocolPolicyType", "--policy-attributes", "AttributeName=ProxyProtocol,AttributeValue=true"]);
    refused(&elbow, &["elb", "create-lb-cookie-stickiness-policy", "--load-balancer-name", "web", "--policy-name", "sticky"], "DuplicatePolicyName");
    refused(&elbow, &["elb", "create-load-balancer-policy", "--load-balancer-name", "web", "--policy-name", "x", "--policy-type-name", "NopeType"], "PolicyTypeNotFound");
    ok(&elbow, &["elb", "set-load-balancer-policies-of-listener", "--load-balancer-name", "web", "--load-balancer-port", &http_port_s, "--policy-names", "sticky"]);
    refused(&elbow, &["elb", "set-load-balancer-policies-of-listener", "--load-balancer-name", "web", "--load-balancer-port", &http_port_s, "--policy-names", "nope"], "PolicyNotFound");
    refused(&elbow, &["elb", "set-load-balancer-policies-of-listener", "--load-balancer-name", "web", "--load-balancer-port", "1", "--policy-names", "sticky"], "ListenerNotFound");
    refused(&elbow, &["elb", "set-load-balancer-policies-of-listener", "--load-balancer-name", "web", "--load-balancer-port", &http_port_s, "--policy-names", "pp"], "InvalidConfigurationRequest");
    refused(&elbow, &["elb", "delete-load-balancer-policy", "--load-balancer-name", "web", "--policy-name", "sticky"], "InvalidConfigurationRequest");
    ok(&elbow, &["elb", "set-load-balancer-policies-for-backend-server", "--load-balancer-name", "web", "--instance-port", "8080", "--policy-names", "pp"]);
    let lb = describe(&elbow, "web");
    assert_eq!(lb["ListenerDescriptions"][0]["PolicyNames"], json!(["sticky"]));
    assert_eq!(lb["Policies"]["LBCookieStickinessPolicies"], json!([{"PolicyName": "sticky", "CookieExpirationPeriod": 60}]));
    assert_eq!(lb["Policies"]["AppCookieStickinessPolicies"], json!([{"PolicyName": "app", "CookieName": "SESSION"}]));
    assert_eq!(lb["Policies"]["OtherPolicies"], json!(["pp"]));
    assert_eq!(lb["BackendServerDescriptions"], json!([{"InstancePort": 8080, "PolicyNames": ["pp"]}]));
    let samples = ok(&elbow, &["elb", "describe-load-balancer-policies"]);
    let names: Vec<&str> = samples["PolicyDescriptions"].as_array().unwrap().iter().map(|p| p["PolicyName"].as_str().unwrap()).collect();
    assert!(names.contains(&"ELBSecurityPolicy-2016-08") && names.contains(&"ELBSecurityPolicy-TLS-1-2-2017-01"), "{names:?}");
    let types = ok(&elbow, &["elb", "describe-load-balancer-policy-types", "--policy-type-names", "LBCookieStickinessPolicyType"]);
    assert_eq!(types["PolicyTypeDescriptions"][0]["PolicyAttributeTypeDescriptions"][0]["AttributeName"], "CookieExpirationPeriod");

    // Attributes round trip; out-of-range refused.
    let attrs = json!({"CrossZoneLoadBalancing": {"Enabled": true}, "ConnectionDraining": {"Enabled": true, "Timeout": 60}, "ConnectionSettings": {"IdleTimeout": 120}, "AccessLog": {"Enabled": false}}).to_string();
    let m = ok(&elbow, &["elb", "modify-load-balancer-attributes", "--load-balancer-name", "web", "--load-balancer-attributes", &attrs]);
    assert_eq!(m["LoadBalancerName"], "web");
    let a = ok(&elbow, &["elb", "describe-load-balancer-attributes", "--load-balancer-name", "web"])["LoadBalancerAttributes"].clone();
    assert_eq!(a["CrossZoneLoadBalancing"]["Enabled"], true);
    assert_eq!(a["ConnectionDraining"], json!({"Enabled": true, "Timeout": 60}));
    assert_eq!(a["ConnectionSettings"]["IdleTimeout"], 120);
    assert_eq!(a["AdditionalAttributes"], json!([{"Key": "elb.http.desyncmitigationmode", "Value": "defensive"}]));
    let bad = json!({"ConnectionSettings": {"IdleTimeout": 5000}}).to_string();
    refused(&elbow, &["elb", "modify-load-balancer-attributes", "--load-balancer-name", "web", "--load-balancer-attributes", &bad], "ValidationError");
    let unknown = json!({"AdditionalAttributes": [{"Key": "nope", "Value": "x"}]}).to_string();
    refused(&elbow, &["elb", "modify-load-balancer-attributes", "--load-balancer-name", "web", "--load-balancer-attributes", &unknown], "LoadBalancerAttributeNotFound");

    // With connection draining, a deregistered instance drains out of sight.
    let left = ok(&elbow, &["elb", "deregister-instances-from-load-balancer", "--load-balancer-name", "web", "--instances", i2]);
    assert_eq!(instance_ids(&left["Instances"]), vec![i1.to_string()]);
    assert_eq!(instance_ids(&describe(&elbow, "web")["Instances"]), vec![i1.to_string()]);

    // Tags.
    ok(&elbow, &["elb", "add-tags", "--load-balancer-names", "web", "--tags", "Key=team,Value=edge"]);
    ok(&elbow, &["elb", "remove-tags", "--load-balancer-names", "web", "--tags", r#"[{"Key": "env"}]"#]);
    let t = ok(&elbow, &["elb", "describe-tags", "--load-balancer-names", "web"]);
    assert_eq!(t["TagDescriptions"], json!([{"LoadBalancerName": "web", "Tags": [{"Key": "team", "Value": "edge"}]}]));
    refused(&elbow, &["elb", "add-tags", "--load-balancer-names", "web", "--tags", "Key=k,Value=1", "Key=k,Value=2"], "DuplicateTagKeys");
    refused(&elbow, &["elb", "add-tags", "--load-balancer-names", "nope", "--tags", "Key=k,Value=1"], "LoadBalancerNotFound");

    // Zones, subnets and security groups.
    let z = ok(&elbow, &["elb", "disable-availability-zones-for-load-balancer", "--load-balancer-name", "web", "--availability-zones", "us-east-1b"]);
    assert_eq!(strings(&z["AvailabilityZones"]), vec!["us-east-1a"]);
    refused(&elbow, &["elb", "disable-availability-zones-for-load-balancer", "--load-balancer-name", "web", "--availability-zones", "us-east-1a"], "InvalidConfigurationRequest");
    let z = ok(&elbow, &["elb", "enable-availability-zones-for-load-balancer", "--load-balancer-name", "web", "--availability-zones", "us-east-1b"]);
    assert_eq!(strings(&z["AvailabilityZones"]), vec!["us-east-1a", "us-east-1b"]);
    let s = ok(&elbow, &["elb", "detach-load-balancer-from-subnets", "--load-balancer-name", "web", "--subnets", &s2]);
    assert_eq!(strings(&s["Subnets"]), vec![s1.clone()]);
    let s = ok(&elbow, &["elb", "attach-load-balancer-to-subnets", "--load-balancer-name", "web", "--subnets", &s2]);
    assert_eq!(s["Subnets"].as_array().unwrap().len(), 2);
    refused(&elbow, &["elb", "attach-load-balancer-to-subnets", "--load-balancer-name", "web", "--subnets", "subnet-0000000000000000a"], "SubnetNotFound");
    let sg = ok(&elbow, &["ec2", "create-security-group", "--group-name", "clb", "--description", "classic", "--vpc-id", &vpc])["GroupId"].as_str().unwrap().to_string();
    let g = ok(&elbow, &["elb", "apply-security-groups-to-load-balancer", "--load-balancer-name", "web", "--security-groups", &sg]);
    assert_eq!(g["SecurityGroups"], json!([sg]));
    assert_eq!(describe(&elbow, "web")["SourceSecurityGroup"]["GroupName"], "clb");
    refused(&elbow, &["elb", "apply-security-groups-to-load-balancer", "--load-balancer-name", "web", "--security-groups", "sg-0000000000000000a"], "InvalidSecurityGroup");

    // HTTPS listener with an IAM server certificate; replacing it; refusals.
    let dir = tempfile::tempdir().unwrap();
    let (c1, c2) = (upload(&elbow, dir.path(), "clb-one"), upload(&elbow, dir.path(), "clb-two"));
    let https_port = free_port("127.0.0.1");
    let https_port_s = https_port.to_string();
    let missing_cert = json!([{"Protocol": "HTTPS", "LoadBalancerPort": https_port, "InstancePort": 8080, "SSLCertificateId": "arn:aws:iam::123456789012:server-certificate/nope"}]).to_string();
    refused(&elbow, &["elb", "create-load-balancer-listeners", "--load-balancer-name", "web", "--listeners", &missing_cert], "CertificateNotFound");
    let https = json!([{"Protocol": "HTTPS", "LoadBalancerPort": https_port, "InstanceProtocol": "HTTP", "InstancePort": 8080, "SSLCertificateId": c1}]).to_string();
    ok(&elbow, &["elb", "create-load-balancer-listeners", "--load-balancer-name", "web", "--listeners", &https]);
    ok(&elbow, &["elb", "set-load-balancer-listener-ssl-certificate", "--load-balancer-name", "web", "--load-balancer-port", &https_port_s, "--ssl-certificate-id", &c2]);
    let lb = describe(&elbow, "web");
    let l = lb["ListenerDescriptions"].as_array().unwrap().iter().find(|l| l["Listener"]["LoadBalancerPort"] == https_port).unwrap().clone();
    assert_eq!(l["Listener"]["SSLCertificateId"], c2.as_str());
    assert_eq!(l["PolicyNames"], json!(["ELBSecurityPolicy-2016-08"]));
    refused(&elbow, &["elb", "set-load-balancer-listener-ssl-certificate", "--load-balancer-name", "web", "--load-balancer-port", &http_port_s, "--ssl-certificate-id", &c1], "InvalidConfigurationRequest");
    refused(&elbow, &["elb", "set-load-balancer-listener-ssl-certificate", "--load-balancer-name", "web", "--load-balancer-port", "1", "--ssl-certificate-id", &c1], "ListenerNotFound");
    refused(&elbow, &["elb", "set-load-balancer-listener-ssl-certificate", "--load-balancer-name", "web", "--load-balancer-port", &https_port_s, "--ssl-certificate-id", "arn:aws:iam::123456789012:server-certificate/nope"], "CertificateNotFound");
    // A certificate in use cannot be deleted.
    assert_eq!(elbow.aws(&["iam", "delete-server-certificate", "--server-certificate-name", "clb-two"]).unwrap_err().code, "DeleteConflict");

    let limits = ok(&elbow, &["elb", "describe-account-limits"]);
    assert_eq!(limits["Limits"][0], json!({"Name": "classic-load-balancers", "Max": "20"}));

    // kill -9 keeps everything, including the draining instance's deadline.
    let policies = |e: &Elbow| ok(e, &["elb", "describe-load-balancer-policies", "--load-balancer-name", "web"]);
    let before = (state(&elbow), policies(&elbow));
    elbow.restart();
    assert_eq!((state(&elbow), policies(&elbow)), before, "a restart changed the classic load balancers");

    // Delete: idempotent; then gone.
    ok(&elbow, &["elb", "delete-load-balancer", "--load-balancer-name", "web"]);
    ok(&elbow, &["elb", "delete-load-balancer", "--load-balancer-name", "web"]);
    refused(&elbow, &["elb", "describe-load-balancers", "--load-balancer-names", "web"], "LoadBalancerNotFound");
    ok(&elbow, &["iam", "delete-server-certificate", "--server-certificate-name", "clb-two"]);
}

/// Auto Scaling's `LoadBalancerNames`: the group's instances are registered with the classic
/// load balancer once running and deregistered on scale-in; names of missing load balancers are
/// refused.
#[tokio::test(flavor = "multi_thread")]
async fn auto_scaling_groups_register_instances_with_classic_load_balancers() {
    use std::time::Duration;
    let elbow = Elbow::start();
    let (_, subnets) = default_network(&elbow);
    let listeners = json!([{"Protocol": "TCP", "LoadBalancerPort": free_port("127.0.0.1"), "InstancePort": 8080}]).to_string();
    ok(&elbow, &["elb", "create-load-balancer", "--load-balancer-name", "asg-web", "--listeners", &listeners, "--subnets", &subnets[0]]);
    let data = json!({"ImageId": "ami-12345678", "InstanceType": "t3.micro"}).to_string();
    ok(&elbow, &["ec2", "create-launch-template", "--launch-template-name", "clb", "--launch-template-data", &data]);
    let group = |lb: &str| {
        vec![
            "autoscaling".to_string(), "create-auto-scaling-group".into(), "--auto-scaling-group-name".into(), "clb-asg".into(), "--launch-template".into(), "LaunchTemplateName=clb,Version=$Latest".into(),
            "--min-size".into(), "0".into(), "--max-size".into(), "2".into(), "--desired-capacity".into(), "1".into(), "--vpc-zone-identifier".into(), subnets[0].clone(), "--load-balancer-names".into(), lb.to_string(),
        ]
    };
    let args = group("nope");
    let e = elbow.aws(&args.iter().map(String::as_str).collect::<Vec<_>>()).unwrap_err();
    assert_eq!(e.code, "ValidationError", "{e:?}");
    assert_eq!(ok(&elbow, &["autoscaling", "describe-auto-scaling-groups"])["AutoScalingGroups"], json!([]));
    let args = group("asg-web");
    ok(&elbow, &args.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(elbow.aws(&["autoscaling", "attach-load-balancers", "--auto-scaling-group-name", "clb-asg", "--load-balancer-names", "nope"]).unwrap_err().code, "ValidationError");

    let registered = testkit::eventually(Duration::from_secs(60), "the group's instance is registered with the classic load balancer", || async {
        let ids = instance_ids(&describe(&elbow, "asg-web")["Instances"]);
        let members = testkit::autoscaling::group_instances(&elbow, "clb-asg");
        (ids.len() == 1 && members.iter().any(|(id, _)| *id == ids[0])).then(|| ids[0].clone())
    })
    .await;
    let health = ok(&elbow, &["elb", "describe-instance-health", "--load-balancer-name", "asg-web"]);
    assert_eq!(health["InstanceStates"][0]["InstanceId"], registered.as_str());

    ok(&elbow, &["autoscaling", "set-desired-capacity", "--auto-scaling-group-name", "clb-asg", "--desired-capacity", "0"]);
    testkit::eventually(Duration::from_secs(60), "scale-in deregisters the instance", || async { describe(&elbow, "asg-web")["Instances"].as_array().unwrap().is_empty().then_some(()) }).await;
    ok(&elbow, &["autoscaling", "delete-auto-scaling-group", "--auto-scaling-group-name", "clb-asg", "--force-delete"]);
}
