//! Regions.

use testkit::elbv2::Client;
use testkit::elbv2::config::Region;
use testkit::elbv2::types::ProtocolEnum;
use testkit::{Elbow, default_network};

use crate::support::*;

#[tokio::test(flavor = "multi_thread")]
async fn a_target_group_created_in_eu_west_1_lives_only_in_eu_west_1() {
    let elbow = Elbow::start();
    let us = elbow.elbv2();
    let eu = Client::from_conf(us.config().to_builder().region(Region::new("eu-west-1")).build());
    let (us_vpc, _) = default_network(&elbow);
    let vpcs = elbow.aws(&["ec2", "describe-vpcs", "--region", "eu-west-1", "--filters", "Name=isDefault,Values=true"]).unwrap();
    let eu_vpc = vpcs["Vpcs"][0]["VpcId"].as_str().expect("eu-west-1 has its own default VPC").to_string();
    assert_ne!(eu_vpc, us_vpc);

    let tg = create_ip_tg(&eu, &eu_vpc, "regional", 80).await;
    let arn = tg.target_group_arn().unwrap();
    assert!(arn.starts_with("arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/regional/"), "{arn}");
    assert_eq!(eu.describe_target_groups().target_group_arns(arn).send().await.unwrap().target_groups(), std::slice::from_ref(&tg));
    assert!(us.describe_target_groups().send().await.unwrap().target_groups().is_empty(), "invisible from us-east-1");
    assert_code(&failure(us.describe_target_groups().names("regional").send().await), "TargetGroupNotFound");
    assert_code(&failure(us.describe_target_groups().target_group_arns(arn).send().await), "TargetGroupNotFound");
    // The same name is free in us-east-1, and a VPC of another region is not found.
    let us_tg = create_ip_tg(&us, &us_vpc, "regional", 80).await;
    assert_ne!(us_tg.target_group_arn(), tg.target_group_arn());
    let e = failure(eu.create_target_group().name("cross").protocol(ProtocolEnum::Http).port(80).vpc_id(&us_vpc).send().await);
    assert_code(&e, "ValidationError");
    // The CLI with --region reaches the same region.
    let cli = elbow.aws(&["elbv2", "describe-target-groups", "--region", "eu-west-1"]).unwrap();
    assert_eq!(cli["TargetGroups"].as_array().unwrap().len(), 1);
    assert_eq!(cli["TargetGroups"][0]["TargetGroupArn"], arn);
}
