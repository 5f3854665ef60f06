//! Golden tests: Auto Scaling requests as the CLI encodes them, answers as botocore parses them.

use crate::service::Service;
use crate::test_support::{all, env, first, query};

async fn asg(e: &crate::test_support::Env, action: &str, pairs: &[(&str, &str)]) -> Result<String, crate::ApiError> {
    query(e, Service::AutoScaling, action, pairs).await
}

#[tokio::test]
async fn create_describe_and_refuse_like_aws() {
    let e = env().await;
    let body = asg(&e, "CreateLaunchConfiguration", &[("LaunchConfigurationName", "lc"), ("ImageId", "ami-1"), ("InstanceType", "t3.micro")]).await.unwrap();
    assert!(body.contains("<CreateLaunchConfigurationResponse xmlns=\"http://autoscaling.amazonaws.com/doc/2011-01-01/\"><ResponseMetadata>"), "{body}");
    assert!(!body.contains("Result"), "{body}");
    let err = asg(&e, "CreateLaunchConfiguration", &[("LaunchConfigurationName", "lc"), ("ImageId", "ami-1"), ("InstanceType", "t3.micro")]).await.unwrap_err();
    assert_eq!(err.code, "AlreadyExists");
    let err = asg(&e, "CreateLaunchConfiguration", &[("LaunchConfigurationName", "x")]).await.unwrap_err();
    assert_eq!(err.message, "Valid requests must contain either the InstanceID parameter or both the ImageId and InstanceType parameters.");

    let err = asg(&e, "CreateAutoScalingGroup", &[("AutoScalingGroupName", "g"), ("MinSize", "1"), ("MaxSize", "3"), ("AvailabilityZones.member.1", "us-east-1a")]).await.unwrap_err();
    assert!(err.message.starts_with("Valid requests must contain either LaunchTemplate"), "{}", err.message);
    let err = asg(&e, "CreateAutoScalingGroup", &[("AutoScalingGroupName", "g"), ("LaunchConfigurationName", "lc"), ("MinSize", "1"), ("MaxSize", "3")]).await.unwrap_err();
    assert_eq!(err.message, "At least one Availability Zone or VPC Subnet is required.");
    asg(
        &e,
        "CreateAutoScalingGroup",
        &[
            ("AutoScalingGroupName", "g"),
            ("LaunchConfigurationName", "lc"),
            ("MinSize", "1"),
            ("MaxSize", "3"),
            ("AvailabilityZones.member.1", "us-east-1a"),
            ("Tags.member.1.Key", "Name"),
            ("Tags.member.1.Value", "web"),
            ("Tags.member.1.PropagateAtLaunch", "true"),
        ],
    )
    .await
    .unwrap();
    let body = asg(&e, "DescribeAutoScalingGroups", &[("AutoScalingGroupNames.member.1", "g")]).await.unwrap();
    assert!(body.contains("<DescribeAutoScalingGroupsResult><AutoScalingGroups><member><AutoScalingGroupName>g</AutoScalingGroupName><AutoScalingGroupARN>arn:aws:autoscaling:us-east-1:123456789012:autoScalingGroup:"), "{body}");
    assert_eq!(first(&body, "LaunchConfigurationName"), "lc");
    assert_eq!(first(&body, "DesiredCapacity"), "1");
    assert_eq!(first(&body, "HealthCheckType"), "EC2");
    assert_eq!(first(&body, "HealthCheckGracePeriod"), "0");
    assert!(body.contains("<Instances/>"), "{body}");
    assert!(body.contains("<Tags><member><ResourceId>g</ResourceId><ResourceType>auto-scaling-group</ResourceType><Key>Name</Key><Value>web</Value><PropagateAtLaunch>true</PropagateAtLaunch></member></Tags>"), "{body}");
    assert!(body.contains("<TerminationPolicies><member>Default</member></TerminationPolicies>"), "{body}");
    // Unknown names: an empty list, not an error.
    let body = asg(&e, "DescribeAutoScalingGroups", &[("AutoScalingGroupNames.member.1", "nope")]).await.unwrap();
    assert!(body.contains("<AutoScalingGroups/>"), "{body}");

    let err = asg(&e, "SetDesiredCapacity", &[("AutoScalingGroupName", "g"), ("DesiredCapacity", "9")]).await.unwrap_err();
    assert_eq!((err.code.as_ref(), err.message.as_str()), ("ValidationError", "Desired capacity:9 must be between the specified min size:1 and max size:3"));
    let err = asg(&e, "SetDesiredCapacity", &[("AutoScalingGroupName", "x"), ("DesiredCapacity", "1")]).await.unwrap_err();
    assert_eq!(err.message, "AutoScalingGroup name not found - AutoScalingGroup 'x' not found");
    let err = asg(&e, "DeleteLaunchConfiguration", &[("LaunchConfigurationName", "lc")]).await.unwrap_err();
    assert_eq!(err.code, "ResourceInUse");
    let (_, rendered) = err.render(Service::AutoScaling, "r");
    assert!(rendered.contains("<ErrorResponse xmlns=\"http://autoscaling.amazonaws.com/doc/2011-01-01/\"><Error><Type>Sender</Type><Code>ResourceInUse</Code>"), "{rendered}");
}

#[tokio::test]
async fn target_tracking_policy_answers_arn_and_alarms() {
    let e = env().await;
    asg(&e, "CreateLaunchConfiguration", &[("LaunchConfigurationName", "lc"), ("ImageId", "ami-1"), ("InstanceType", "t3.micro")]).await.unwrap();
    asg(&e, "CreateAutoScalingGroup", &[("AutoScalingGroupName", "g"), ("LaunchConfigurationName", "lc"), ("MinSize", "1"), ("MaxSize", "3"), ("AvailabilityZones.member.1", "us-east-1a")])
        .await
        .unwrap();
    let body = asg(
        &e,
        "PutScalingPolicy",
        &[
            ("AutoScalingGroupName", "g"),
            ("PolicyName", "cpu"),
            ("PolicyType", "TargetTrackingScaling"),
            ("TargetTrackingConfiguration.PredefinedMetricSpecification.PredefinedMetricType", "ASGAverageCPUUtilization"),
            ("TargetTrackingConfiguration.TargetValue", "50.0"),
        ],
    )
    .await
    .unwrap();
    let arn = first(&body, "PolicyARN");
    assert!(arn.starts_with("arn:aws:autoscaling:us-east-1:123456789012:scalingPolicy:") && arn.ends_with(":autoScalingGroupName/g:policyName/cpu"), "{arn}");
    let alarms = all(&body, "AlarmName");
    assert_eq!(alarms.len(), 2);
    assert!(alarms[0].starts_with("TargetTracking-g-AlarmHigh-") && alarms[1].starts_with("TargetTracking-g-AlarmLow-"), "{alarms:?}");
    let body = asg(&e, "DescribePolicies", &[("AutoScalingGroupName", "g")]).await.unwrap();
    assert!(body.contains("<TargetTrackingConfiguration><PredefinedMetricSpecification><PredefinedMetricType>ASGAverageCPUUtilization</PredefinedMetricType></PredefinedMetricSpecification><TargetValue>50.0</TargetValue><DisableScaleIn>false</DisableScaleIn></TargetTrackingConfiguration><Enabled>true</Enabled>"), "{body}");
    let err = asg(&e, "PutScalingPolicy", &[("AutoScalingGroupName", "g"), ("PolicyName", "bad"), ("PolicyType", "Nope")]).await.unwrap_err();
    assert!(err.message.contains("Member must satisfy enum value set"), "{}", err.message);
    // Simple scaling executed now.
    asg(&e, "PutScalingPolicy", &[("AutoScalingGroupName", "g"), ("PolicyName", "up"), ("AdjustmentType", "ChangeInCapacity"), ("ScalingAdjustment", "1")]).await.unwrap();
    asg(&e, "ExecutePolicy", &[("AutoScalingGroupName", "g"), ("PolicyName", "up")]).await.unwrap();
    let body = asg(&e, "DescribeAutoScalingGroups", &[]).await.unwrap();
    assert_eq!(first(&body, "DesiredCapacity"), "2");
    let body = asg(&e, "DescribeScalingActivities", &[("AutoScalingGroupName", "g")]).await.unwrap();
    assert!(first(&body, "Cause").contains("changing the desired capacity from 1 to 2"), "{body}");
    assert_eq!(first(&body, "StatusCode"), "Successful");
}

#[tokio::test]
async fn pagination_and_fixed_lists() {
    let e = env().await;
    for n in ["a", "b", "c"] {
        asg(&e, "CreateLaunchConfiguration", &[("LaunchConfigurationName", n), ("ImageId", "ami-1"), ("InstanceType", "t3.micro")]).await.unwrap();
    }
    let body = asg(&e, "DescribeLaunchConfigurations", &[("MaxRecords", "2")]).await.unwrap();
    assert_eq!(all(&body, "LaunchConfigurationName"), vec!["a", "b"]);
    let token = first(&body, "NextToken");
    let body = asg(&e, "DescribeLaunchConfigurations", &[("MaxRecords", "2"), ("NextToken", &token)]).await.unwrap();
    assert_eq!(all(&body, "LaunchConfigurationName"), vec!["c"]);
    assert!(!body.contains("NextToken"), "{body}");
    let err = asg(&e, "DescribeLaunchConfigurations", &[("NextToken", "zz")]).await.unwrap_err();
    assert_eq!(err.code, "InvalidNextToken");
    let body = asg(&e, "DescribeAccountLimits", &[]).await.unwrap();
    assert_eq!(first(&body, "NumberOfLaunchConfigurations"), "3");
    let body = asg(&e, "DescribeScalingProcessTypes", &[]).await.unwrap();
    assert!(all(&body, "ProcessName").contains(&"AZRebalance".to_string()));
    let err = asg(&e, "DescribeWarmPool", &[]).await.unwrap_err();
    assert_eq!(err.code, "InvalidAction");
}
