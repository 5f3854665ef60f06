//! Commands: one variant per mutating AWS action. The `api` crate fills in everything random or
//! time-dependent (ids, ARNs, timestamps) so that [`crate::Snapshot::apply`] is deterministic and
//! a command log replays to the same state on every node.

use serde::{Deserialize, Serialize};

pub use crate::autoscaling_command::AutoScalingCommand;
pub use crate::classic_command::ClassicCommand;
use crate::certificate::StoredCertificate;
use crate::ec2::SecurityGroupRule;
use crate::ids::Millis;
use crate::listener::{Action, RuleCondition};
use crate::load_balancer::{IpAddressType, LoadBalancerType, Scheme};
use crate::target_group::{HealthCheckPort, Matcher, Protocol, ProtocolVersion, TargetGroupIpAddressType, TargetType};

/// A change to the configuration, addressed to one region (or to the whole node).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Command {
    /// An ELBv2 (2015-12-01) action in a region.
    Elbv2 {
        /// Region from the request's SigV4 scope.
        region: String,
        /// The action.
        op: Elbv2Command,
    },
    /// An EC2 (2016-11-15) action in a region.
    Ec2 {
        /// Region from the request's SigV4 scope.
        region: String,
        /// The action.
        op: Ec2Command,
    },
    /// An IAM (2010-05-08) action; IAM is account-wide, so no region.
    Iam {
        /// The action.
        op: IamCommand,
    },
    /// An ACM (2015-12-08) action in a region.
    Acm {
        /// Region from the request's SigV4 scope.
        region: String,
        /// The action.
        op: AcmCommand,
    },
    /// An Auto Scaling (2011-01-01) action in a region, or the Auto Scaling controller's
    /// housekeeping.
    AutoScaling {
        /// Region from the request's SigV4 scope.
        region: String,
        /// The action.
        op: AutoScalingCommand,
    },
    /// A Classic Load Balancer (Elastic Load Balancing 2012-06-01) action in a region.
    Classic {
        /// Region from the request's SigV4 scope.
        region: String,
        /// The action.
        op: ClassicCommand,
    },
    /// Housekeeping: forget targets (and classic instances) whose deregistration delay or
    /// connection draining ended at or before `now`.
    ExpireDrainingTargets {
        /// The current time.
        now: Millis,
    },
}

/// `CreateLoadBalancer` with ids chosen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreateLoadBalancer {
    /// New ARN (used only if no load balancer has this name).
    pub arn: String,
    /// 16 hex digits, the ARN's last part.
    pub id: String,
    /// `Name`.
    pub name: String,
    /// DNS name to report.
    pub dns_name: String,
    /// Route 53 zone id to report.
    pub canonical_hosted_zone_id: String,
    /// `Subnets` (plus the subnet ids of `SubnetMappings`).
    pub subnets: Vec<String>,
    /// `SecurityGroups`; `None` when the parameter was absent.
    pub security_groups: Option<Vec<String>>,
    /// `Scheme`.
    pub scheme: Scheme,
    /// `Type`.
    pub kind: LoadBalancerType,
    /// `IpAddressType`.
    pub ip_address_type: IpAddressType,
    /// `Tags`.
    pub tags: Vec<(String, String)>,
    /// Creation time.
    pub now: Millis,
}

/// `CreateTargetGroup` with ids chosen and AWS defaults not yet applied (`None` = absent).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreateTargetGroup {
    /// New ARN.
    pub arn: String,
    /// 16 hex digits.
    pub id: String,
    /// `Name`.
    pub name: String,
    /// `Protocol`.
    pub protocol: Option<Protocol>,
    /// `ProtocolVersion`.
    pub protocol_version: Option<ProtocolVersion>,
    /// `Port`.
    pub port: Option<u16>,
    /// `VpcId`.
    pub vpc_id: Option<String>,
    /// `TargetType`.
    pub target_type: Option<TargetType>,
    /// `IpAddressType`.
    pub ip_address_type: Option<TargetGroupIpAddressType>,
    /// The health-check members.
    pub health_check: HealthCheckInput,
    /// `Tags`.
    pub tags: Vec<(String, String)>,
    /// Creation time.
    pub now: Millis,
}

/// Health-check members of CreateTargetGroup and ModifyTargetGroup (`None` = absent).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct HealthCheckInput {
    /// `HealthCheckEnabled`.
    pub enabled: Option<bool>,
    /// `HealthCheckProtocol`.
    pub protocol: Option<Protocol>,
    /// `HealthCheckPort`.
    pub port: Option<HealthCheckPort>,
    /// `HealthCheckPath`.
    pub path: Option<String>,
    /// `HealthCheckIntervalSeconds`.
    pub interval_seconds: Option<u32>,
    /// `HealthCheckTimeoutSeconds`.
    pub timeout_seconds: Option<u32>,
    /// `HealthyThresholdCount`.
    pub healthy_threshold: Option<u32>,
    /// `UnhealthyThresholdCount`.
    pub unhealthy_threshold: Option<u32>,
    /// `Matcher`.
    pub matcher: Option<Matcher>,
}

/// One `TargetDescription` of RegisterTargets/DeregisterTargets.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TargetInput {
    /// `Id`: IP address or instance id.
    pub id: String,
    /// `Port`; the target group's port when absent.
    pub port: Option<u16>,
    /// `AvailabilityZone`.
    pub availability_zone: Option<String>,
}

/// `CreateListener` with ids chosen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreateListener {
    /// New ARN.
    pub arn: String,
    /// 16 hex digits.
    pub id: String,
    /// ARN id of its default rule.
    pub default_rule_id: String,
    /// `LoadBalancerArn`.
    pub load_balancer_arn: String,
    /// `Protocol` (required by elbow for ALBs, as AWS requires it).
    pub protocol: Option<Protocol>,
    /// `Port`.
    pub port: Option<u16>,
    /// `SslPolicy`.
    pub ssl_policy: Option<String>,
    /// `Certificates[].CertificateArn`.
    pub certificates: Vec<String>,
    /// `DefaultActions`.
    pub default_actions: Vec<Action>,
    /// `AlpnPolicy`.
    pub alpn_policy: Vec<String>,
    /// `Tags`.
    pub tags: Vec<(String, String)>,
    /// Creation time.
    pub now: Millis,
}

/// `ModifyListener`: absent members keep their values; lists replace wholesale.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ModifyListener {
    /// `ListenerArn`.
    pub arn: String,
    /// `Port`.
    pub port: Option<u16>,
    /// `Protocol`.
    pub protocol: Option<Protocol>,
    /// `SslPolicy`.
    pub ssl_policy: Option<String>,
    /// `Certificates`.
    pub certificates: Option<Vec<String>>,
    /// `DefaultActions`.
    pub default_actions: Option<Vec<Action>>,
    /// `AlpnPolicy`.
    pub alpn_policy: Option<Vec<String>>,
}

/// `CreateRule` with ids chosen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreateRule {
    /// New ARN (`…:listener-rule/app/<lb>/<lb-id>/<listener-id>/<id>`).
    pub arn: String,
    /// `ListenerArn`.
    pub listener_arn: String,
    /// `Priority`, 1–50000.
    pub priority: u32,
    /// `Conditions`.
    pub conditions: Vec<RuleCondition>,
    /// `Actions`.
    pub actions: Vec<Action>,
    /// `Tags`.
    pub tags: Vec<(String, String)>,
}

/// The ELBv2 actions that change state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Elbv2Command {
    /// `CreateLoadBalancer`.
    CreateLoadBalancer(CreateLoadBalancer),
    /// `DeleteLoadBalancer`.
    DeleteLoadBalancer {
        /// `LoadBalancerArn`.
        arn: String,
    },
    /// `ModifyLoadBalancerAttributes`.
    ModifyLoadBalancerAttributes {
        /// `LoadBalancerArn`.
        arn: String,
        /// `Attributes` as key/value pairs.
        attributes: Vec<(String, String)>,
    },
    /// `SetSecurityGroups`.
    SetSecurityGroups {
        /// `LoadBalancerArn`.
        arn: String,
        /// `SecurityGroups`.
        security_groups: Vec<String>,
    },
    /// `SetSubnets`.
    SetSubnets {
        /// `LoadBalancerArn`.
        arn: String,
        /// `Subnets`.
        subnets: Vec<String>,
    },
    /// `SetIpAddressType`.
    SetIpAddressType {
        /// `LoadBalancerArn`.
        arn: String,
        /// `IpAddressType`.
        ip_address_type: IpAddressType,
    },
    /// `CreateTargetGroup`.
    CreateTargetGroup(CreateTargetGroup),
    /// `ModifyTargetGroup`.
    ModifyTargetGroup {
        /// `TargetGroupArn`.
        arn: String,
        /// Health-check members to change.
        health_check: HealthCheckInput,
    },
    /// `DeleteTargetGroup`.
    DeleteTargetGroup {
        /// `TargetGroupArn`.
        arn: String,
    },
    /// `ModifyTargetGroupAttributes`.
    ModifyTargetGroupAttributes {
        /// `TargetGroupArn`.
        arn: String,
        /// `Attributes`.
        attributes: Vec<(String, String)>,
    },
    /// `RegisterTargets`.
    RegisterTargets {
        /// `TargetGroupArn`.
        target_group_arn: String,
        /// `Targets`.
        targets: Vec<TargetInput>,
        /// Registration time.
        now: Millis,
    },
    /// `DeregisterTargets`.
    DeregisterTargets {
        /// `TargetGroupArn`.
        target_group_arn: String,
        /// `Targets`.
        targets: Vec<TargetInput>,
        /// Deregistration time; draining ends at `now + deregistration delay`.
        now: Millis,
    },
    /// `CreateListener`.
    CreateListener(CreateListener),
    /// `ModifyListener`.
    ModifyListener(ModifyListener),
    /// `DeleteListener`.
    DeleteListener {
        /// `ListenerArn`.
        arn: String,
    },
    /// `ModifyListenerAttributes`.
    ModifyListenerAttributes {
        /// `ListenerArn`.
        arn: String,
        /// `Attributes`.
        attributes: Vec<(String, String)>,
    },
    /// `CreateRule`.
    CreateRule(CreateRule),
    /// `ModifyRule`: absent lists keep their values; the default rule takes actions only.
    ModifyRule {
        /// `RuleArn`.
        arn: String,
        /// `Conditions`.
        conditions: Option<Vec<RuleCondition>>,
        /// `Actions`.
        actions: Option<Vec<Action>>,
    },
    /// `DeleteRule` (never the default rule).
    DeleteRule {
        /// `RuleArn`.
        arn: String,
    },
    /// `SetRulePriorities`: all or nothing.
    SetRulePriorities {
        /// (`RuleArn`, `Priority`) pairs.
        priorities: Vec<(String, u32)>,
    },
    /// `AddTags`.
    AddTags {
        /// `ResourceArns`.
        arns: Vec<String>,
        /// `Tags`.
        tags: Vec<(String, String)>,
    },
    /// `RemoveTags`.
    RemoveTags {
        /// `ResourceArns`.
        arns: Vec<String>,
        /// `TagKeys`.
        keys: Vec<String>,
    },
    /// `AddListenerCertificates`: to the listener's certificate list (SNI).
    AddListenerCertificates {
        /// `ListenerArn`.
        listener_arn: String,
        /// `Certificates[].CertificateArn`.
        certificates: Vec<String>,
    },
    /// `RemoveListenerCertificates`: from the listener's certificate list (never the default).
    RemoveListenerCertificates {
        /// `ListenerArn`.
        listener_arn: String,
        /// `Certificates[].CertificateArn`.
        certificates: Vec<String>,
    },
}

/// `UploadServerCertificate` with the id, ARN and time chosen, the certificate parsed and
/// validated, and its private key sealed by the api (never in the clear here).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UploadServerCertificate {
    /// `ServerCertificateName`.
    pub name: String,
    /// `ServerCertificateId` (`ASCA…`).
    pub id: String,
    /// `Path` (`/` when absent).
    pub path: String,
    /// `arn:aws:iam::<account>:server-certificate<path><name>`.
    pub arn: String,
    /// Body, chain, sealed key and facts.
    pub certificate: StoredCertificate,
    /// `Tags`.
    pub tags: Vec<(String, String)>,
    /// Upload time.
    pub now: Millis,
}

/// The IAM actions that change state (server certificates).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum IamCommand {
    /// `UploadServerCertificate`.
    UploadServerCertificate(Box<UploadServerCertificate>),
    /// `UpdateServerCertificate`: a new name and/or path, hence a new ARN.
    UpdateServerCertificate {
        /// `ServerCertificateName`.
        name: String,
        /// `NewServerCertificateName`.
        new_name: Option<String>,
        /// `NewPath`.
        new_path: Option<String>,
    },
    /// `DeleteServerCertificate`.
    DeleteServerCertificate {
        /// `ServerCertificateName`.
        name: String,
    },
}

/// `RequestCertificate` with the ARN chosen and the certificate already issued by the node's
/// local certificate authority (key sealed).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestCertificate {
    /// New ARN (used only if the idempotency token does not name a recent request).
    pub arn: String,
    /// `DomainName` first, then the other `SubjectAlternativeNames`.
    pub names: Vec<String>,
    /// `KeyAlgorithm` (`RSA_2048` when absent).
    pub key_algorithm: String,
    /// `ValidationMethod` (`DNS` when absent).
    pub validation_method: String,
    /// `IdempotencyToken`.
    pub idempotency_token: Option<String>,
    /// The issued certificate.
    pub certificate: StoredCertificate,
    /// `Tags`.
    pub tags: Vec<(String, String)>,
    /// Request (and issue) time.
    pub now: Millis,
}

/// ACM's idempotency window: a `RequestCertificate` repeated with the same token within an
/// hour returns the first request's certificate (RequestCertificate, `IdempotencyToken`).
pub const ACM_IDEMPOTENCY_WINDOW_MS: Millis = 60 * 60 * 1000;

/// The ACM actions that change state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum AcmCommand {
    /// `ImportCertificate`: a new certificate, or with `reimport` new material for `arn`.
    ImportCertificate {
        /// The new ARN, or the `CertificateArn` given to re-import.
        arn: String,
        /// `CertificateArn` was given: replace the material of that imported certificate.
        reimport: bool,
        /// Body, chain, sealed key and facts.
        certificate: StoredCertificate,
        /// `Tags` (not allowed with a re-import).
        tags: Vec<(String, String)>,
        /// Import time.
        now: Millis,
    },
    /// `RequestCertificate`.
    RequestCertificate(RequestCertificate),
    /// ACM managed renewal of an `AMAZON_ISSUED` certificate: new material from the local
    /// certificate authority, same ARN (no AWS action; the node's renewal task submits it).
    RenewCertificate {
        /// The certificate.
        arn: String,
        /// The certificate it had when renewal was decided; the renewal is dropped if it
        /// changed meanwhile (another node renewed it first).
        expected_serial: String,
        /// The new certificate, sealed key and facts.
        certificate: StoredCertificate,
        /// Issue time.
        now: Millis,
    },
    /// `DeleteCertificate`.
    DeleteCertificate {
        /// `CertificateArn`.
        arn: String,
    },
    /// `AddTagsToCertificate`.
    AddTagsToCertificate {
        /// `CertificateArn`.
        arn: String,
        /// `Tags`.
        tags: Vec<(String, String)>,
    },
    /// `RemoveTagsFromCertificate`: a tag with a value is removed only if the value matches.
    RemoveTagsFromCertificate {
        /// `CertificateArn`.
        arn: String,
        /// `Tags`.
        tags: Vec<TagKeyValue>,
    },
}

/// A tag filter of EC2 `DeleteTags`: a key, and optionally the only value to delete.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TagKeyValue {
    /// Tag key.
    pub key: String,
    /// For DeleteTags: delete only if the value matches; for CreateTags: the value.
    pub value: Option<String>,
}

/// The EC2 actions that change state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Ec2Command {
    /// `CreateVpc`, with the ids of the main route table, default security group and their
    /// parts chosen.
    CreateVpc {
        /// `vpc-…`.
        vpc_id: String,
        /// `CidrBlock`.
        cidr_block: String,
        /// `InstanceTenancy`.
        instance_tenancy: String,
        /// `rtb-…` of the main route table.
        main_route_table_id: String,
        /// `rtbassoc-…` of its main association.
        main_association_id: String,
        /// `sg-…` of the default security group.
        default_security_group_id: String,
        /// `sgr-…` ids of the default group's inbound and outbound rules.
        default_rule_ids: (String, String),
        /// `TagSpecifications` tags.
        tags: Vec<(String, String)>,
        /// Creation time.
        now: Millis,
    },
    /// `DeleteVpc`.
    DeleteVpc {
        /// `VpcId`.
        vpc_id: String,
    },
    /// `CreateSubnet`.
    CreateSubnet {
        /// `subnet-…`.
        subnet_id: String,
        /// `VpcId`.
        vpc_id: String,
        /// `CidrBlock`.
        cidr_block: String,
        /// `AvailabilityZone` (the first zone when absent).
        availability_zone: Option<String>,
        /// Tags.
        tags: Vec<(String, String)>,
        /// Creation time.
        now: Millis,
    },
    /// `DeleteSubnet`.
    DeleteSubnet {
        /// `SubnetId`.
        subnet_id: String,
    },
    /// `CreateSecurityGroup`.
    CreateSecurityGroup {
        /// `sg-…`.
        group_id: String,
        /// `GroupName`.
        name: String,
        /// `GroupDescription`.
        description: String,
        /// `VpcId` (the default VPC when absent).
        vpc_id: Option<String>,
        /// `sgr-…` id of the default outbound rule.
        egress_rule_id: String,
        /// Tags.
        tags: Vec<(String, String)>,
        /// Creation time.
        now: Millis,
    },
    /// `DeleteSecurityGroup`, by id or by name in the default VPC.
    DeleteSecurityGroup {
        /// `GroupId`.
        group_id: Option<String>,
        /// `GroupName`.
        group_name: Option<String>,
    },
    /// `AuthorizeSecurityGroupIngress` (or `…Egress` when `egress`).
    AuthorizeSecurityGroupRules {
        /// `GroupId`.
        group_id: Option<String>,
        /// `GroupName` (default VPC).
        group_name: Option<String>,
        /// Outbound instead of inbound.
        egress: bool,
        /// Rules with ids chosen, one per source.
        rules: Vec<SecurityGroupRule>,
    },
    /// `RevokeSecurityGroupIngress` (or `…Egress`).
    RevokeSecurityGroupRules {
        /// `GroupId`.
        group_id: Option<String>,
        /// `GroupName`.
        group_name: Option<String>,
        /// Outbound instead of inbound.
        egress: bool,
        /// Rules to remove, matched by permission (ids ignored).
        rules: Vec<SecurityGroupRule>,
        /// `SecurityGroupRuleIds` to remove.
        rule_ids: Vec<String>,
    },
    /// `CreateTags`.
    CreateTags {
        /// `ResourceId.N`.
        resource_ids: Vec<String>,
        /// `Tag.N`.
        tags: Vec<(String, String)>,
    },
    /// `DeleteTags`.
    DeleteTags {
        /// `ResourceId.N`.
        resource_ids: Vec<String>,
        /// `Tag.N`; empty deletes every tag.
        tags: Vec<TagKeyValue>,
    },
    /// `CreateInternetGateway`.
    CreateInternetGateway {
        /// `igw-…`.
        internet_gateway_id: String,
        /// Tags.
        tags: Vec<(String, String)>,
        /// Creation time.
        now: Millis,
    },
    /// `AttachInternetGateway`.
    AttachInternetGateway {
        /// `InternetGatewayId`.
        internet_gateway_id: String,
        /// `VpcId`.
        vpc_id: String,
    },
    /// `DetachInternetGateway`.
    DetachInternetGateway {
        /// `InternetGatewayId`.
        internet_gateway_id: String,
        /// `VpcId`.
        vpc_id: String,
    },
    /// `DeleteInternetGateway`.
    DeleteInternetGateway {
        /// `InternetGatewayId`.
        internet_gateway_id: String,
    },
    /// `CreateRouteTable`.
    CreateRouteTable {
        /// `rtb-…`.
        route_table_id: String,
        /// `VpcId`.
        vpc_id: String,
        /// Tags.
        tags: Vec<(String, String)>,
        /// Creation time.
        now: Millis,
    },
    /// `DeleteRouteTable`.
    DeleteRouteTable {
        /// `RouteTableId`.
        route_table_id: String,
    },
    /// `AssociateRouteTable`.
    AssociateRouteTable {
        /// `RouteTableId`.
        route_table_id: String,
        /// `rtbassoc-…` chosen.
        association_id: String,
        /// `SubnetId`.
        subnet_id: Option<String>,
        /// `GatewayId`.
        gateway_id: Option<String>,
    },
    /// `DisassociateRouteTable`.
    DisassociateRouteTable {
        /// `AssociationId`.
        association_id: String,
    },
    /// `CreateRoute`.
    CreateRoute {
        /// `RouteTableId`.
        route_table_id: String,
        /// `DestinationCidrBlock`.
        destination_cidr_block: String,
        /// `GatewayId`.
        gateway_id: String,
    },
    /// `DeleteRoute`.
    DeleteRoute {
        /// `RouteTableId`.
        route_table_id: String,
        /// `DestinationCidrBlock`.
        destination_cidr_block: String,
    },
    /// `ModifyVpcAttribute`: one attribute per call, as EC2 requires.
    ModifyVpcAttribute {
        /// `VpcId`.
        vpc_id: String,
        /// The attribute and its new value.
        attribute: crate::ec2::VpcAttribute,
    },
    /// `ModifySubnetAttribute`: one stored attribute per call.
    ModifySubnetAttribute {
        /// `SubnetId`.
        subnet_id: String,
        /// The attribute and its new value.
        attribute: crate::ec2::SubnetAttribute,
    },
    /// `ReplaceRoute`: a new target for an existing route.
    ReplaceRoute {
        /// `RouteTableId`.
        route_table_id: String,
        /// `DestinationCidrBlock` of the existing route.
        destination_cidr_block: String,
        /// `GatewayId`, or `local` for `LocalTarget=true` (reset the local route).
        gateway_id: String,
    },
    /// `ReplaceRouteTableAssociation`: the association moves to another table with a new id
    /// (a main association makes that table the VPC's main one).
    ReplaceRouteTableAssociation {
        /// `AssociationId` being replaced.
        association_id: String,
        /// `RouteTableId` of the new table.
        route_table_id: String,
        /// `rtbassoc-…` chosen for the new association.
        new_association_id: String,
    },
    /// `CreateDefaultVpc`, with the ids of its parts chosen (its subnets' ids derive from
    /// `ids.vpc_id` and the zone names).
    CreateDefaultVpc {
        /// Ids of the VPC, its security group, rules, main route table and gateway.
        ids: crate::ec2::DefaultVpcIds,
        /// Creation time.
        now: Millis,
    },
    /// `CreateLaunchTemplate` (see [`crate::instance`]).
    CreateLaunchTemplate(crate::instance::CreateLaunchTemplate),
    /// `CreateLaunchTemplateVersion`: the next version number, from `data` over the
    /// `source_version`'s data when given.
    CreateLaunchTemplateVersion {
        /// `LaunchTemplateId` or `LaunchTemplateName`.
        template: crate::instance::LaunchTemplateRef,
        /// `SourceVersion`.
        source_version: Option<String>,
        /// `VersionDescription`.
        description: Option<String>,
        /// `LaunchTemplateData`.
        data: crate::instance::LaunchTemplateData,
        /// Creation time.
        now: Millis,
    },
    /// `ModifyLaunchTemplate`: the default version.
    ModifyLaunchTemplate {
        /// `LaunchTemplateId` or `LaunchTemplateName`.
        template: crate::instance::LaunchTemplateRef,
        /// `SetDefaultVersion` (a number or `$Latest`).
        default_version: Option<String>,
    },
    /// `DeleteLaunchTemplate` (all versions).
    DeleteLaunchTemplate {
        /// `LaunchTemplateId` or `LaunchTemplateName`.
        template: crate::instance::LaunchTemplateRef,
    },
    /// `RunInstances`: new instances, `pending`.
    RunInstances(crate::instance::RunInstances),
    /// `StopInstances`: `running`/`pending` → `stopping`.
    StopInstances {
        /// `InstanceId.N`.
        instance_ids: Vec<String>,
        /// Request time.
        now: Millis,
    },
    /// `StartInstances`: `stopped` → `pending`.
    StartInstances {
        /// `InstanceId.N`.
        instance_ids: Vec<String>,
        /// Request time.
        now: Millis,
    },
    /// `TerminateInstances`: → `shutting-down` (a stopped instance → `terminated`).
    TerminateInstances {
        /// `InstanceId.N`.
        instance_ids: Vec<String>,
        /// Request time.
        now: Millis,
    },
    /// `ModifyInstanceAttribute` of `instanceType` or `userData` (only while stopped).
    ModifyInstanceAttribute {
        /// `InstanceId`.
        instance_id: String,
        /// New `InstanceType`.
        instance_type: Option<String>,
        /// New `UserData` (base64).
        user_data: Option<String>,
    },
    /// Housekeeping (no AWS action): the instance supervisor reports a state change, e.g.
    /// `pending` → `running` once launched, `shutting-down` → `terminated` once its processes
    /// are gone, `running` → `terminated` with `Server.InternalError` if they died. Also drops
    /// instances terminated more than an hour before `now`.
    SetInstanceState {
        /// `i-…`.
        id: String,
        /// The new state.
        state: crate::instance::InstanceState,
        /// `StateReason` to report; `None` keeps the current one (cleared on `running`).
        reason: Option<crate::instance::StateReason>,
        /// Time of the change.
        now: Millis,
    },
    /// `CreateImage` of an instance (not terminated); the name must be new in the region.
    CreateImage(crate::instance::RegisteredImage),
    /// `DeregisterImage` of an image made by `CreateImage`.
    DeregisterImage {
        /// `ImageId`.
        image_id: String,
    },
}
