//! Commands of the Classic Load Balancer API (Elastic Load Balancing 2012-06-01): one variant
//! per mutating action, with everything random or time-dependent (ARN, DNS name, `now`)
//! chosen by the `api` crate so [`crate::Snapshot::apply`] stays deterministic.

use serde::{Deserialize, Serialize};

use crate::classic::{ClassicAccessLog, ClassicHealthCheck, ClassicPolicy, ClassicProtocol};
use crate::ids::Millis;

/// One `Listener` of `CreateLoadBalancer` / `CreateLoadBalancerListeners` as sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClassicListenerInput {
    /// `Protocol`.
    pub protocol: ClassicProtocol,
    /// `LoadBalancerPort`, 1–65535.
    pub load_balancer_port: u16,
    /// `InstanceProtocol`; `None` takes the plain counterpart of `Protocol`.
    pub instance_protocol: Option<ClassicProtocol>,
    /// `InstancePort`, 1–65535.
    pub instance_port: u16,
    /// `SSLCertificateId` (HTTPS and SSL listeners).
    pub ssl_certificate_id: Option<String>,
}

/// `CreateLoadBalancer` (ELB API reference, CreateLoadBalancer) with ids chosen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreateClassicLoadBalancer {
    /// `LoadBalancerName`.
    pub name: String,
    /// `arn:aws:elasticloadbalancing:<region>:<account>:loadbalancer/<name>`.
    pub arn: String,
    /// DNS name to report (used only if no load balancer has this name).
    pub dns_name: String,
    /// `CanonicalHostedZoneNameID` to report.
    pub canonical_hosted_zone_name_id: String,
    /// `Listeners`, in request order.
    pub listeners: Vec<ClassicListenerInput>,
    /// `AvailabilityZones` (placed in the default VPC's default subnets).
    pub availability_zones: Vec<String>,
    /// `Subnets`.
    pub subnets: Vec<String>,
    /// `SecurityGroups`; `None` when absent (the VPC's default group then).
    pub security_groups: Option<Vec<String>>,
    /// `Scheme`: `internet-facing` (default) or `internal`.
    pub scheme: String,
    /// `Tags`.
    pub tags: Vec<(String, String)>,
    /// Creation time.
    pub now: Millis,
}

/// `LoadBalancerAttributes` of `ModifyLoadBalancerAttributes`: absent parts keep their values.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct ClassicAttributesInput {
    /// `CrossZoneLoadBalancing.Enabled`.
    pub cross_zone: Option<bool>,
    /// `ConnectionDraining.Enabled`.
    pub connection_draining: Option<bool>,
    /// `ConnectionDraining.Timeout`, seconds.
    pub connection_draining_timeout: Option<u32>,
    /// `ConnectionSettings.IdleTimeout`, seconds.
    pub idle_timeout: Option<u32>,
    /// `AccessLog`, replaced whole.
    pub access_log: Option<ClassicAccessLog>,
    /// `AdditionalAttributes` (`Key`, `Value`).
    pub additional: Vec<(String, String)>,
}

/// The classic ELB actions that change state. Load balancers are named by `LoadBalancerName`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum ClassicCommand {
    /// `CreateLoadBalancer`.
    CreateLoadBalancer(Box<CreateClassicLoadBalancer>),
    /// `DeleteLoadBalancer` (a missing one is no error).
    DeleteLoadBalancer {
        /// `LoadBalancerName`.
        name: String,
    },
    /// `CreateLoadBalancerListeners`.
    CreateLoadBalancerListeners {
        /// `LoadBalancerName`.
        name: String,
        /// `Listeners`.
        listeners: Vec<ClassicListenerInput>,
    },
    /// `DeleteLoadBalancerListeners`.
    DeleteLoadBalancerListeners {
        /// `LoadBalancerName`.
        name: String,
        /// `LoadBalancerPorts`.
        ports: Vec<u16>,
    },
    /// `ConfigureHealthCheck`.
    ConfigureHealthCheck {
        /// `LoadBalancerName`.
        name: String,
        /// `HealthCheck`.
        health_check: ClassicHealthCheck,
    },
    /// `RegisterInstancesWithLoadBalancer`.
    RegisterInstances {
        /// `LoadBalancerName`.
        name: String,
        /// `Instances[].InstanceId`.
        instance_ids: Vec<String>,
        /// Registration time.
        now: Millis,
    },
    /// `DeregisterInstancesFromLoadBalancer`: with connection draining enabled the instances
    /// drain until `now + ConnectionDraining.Timeout`.
    DeregisterInstances {
        /// `LoadBalancerName`.
        name: String,
        /// `Instances[].InstanceId`.
        instance_ids: Vec<String>,
        /// Deregistration time.
        now: Millis,
    },
    /// `SetLoadBalancerListenerSSLCertificate`.
    SetListenerSslCertificate {
        /// `LoadBalancerName`.
        name: String,
        /// `LoadBalancerPort`.
        port: u16,
        /// `SSLCertificateId`.
        certificate_id: String,
    },
    /// `CreateLoadBalancerPolicy`, `CreateLBCookieStickinessPolicy` and
    /// `CreateAppCookieStickinessPolicy` (the latter two as their policy types).
    CreatePolicy {
        /// `LoadBalancerName`.
        name: String,
        /// `PolicyName`, `PolicyTypeName`, `PolicyAttributes`.
        policy: ClassicPolicy,
    },
    /// `DeleteLoadBalancerPolicy`.
    DeletePolicy {
        /// `LoadBalancerName`.
        name: String,
        /// `PolicyName`.
        policy_name: String,
    },
    /// `SetLoadBalancerPoliciesOfListener`: replaces the listener's list.
    SetPoliciesOfListener {
        /// `LoadBalancerName`.
        name: String,
        /// `LoadBalancerPort`.
        port: u16,
        /// `PolicyNames` (empty clears).
        policy_names: Vec<String>,
    },
    /// `SetLoadBalancerPoliciesForBackendServer`: replaces the instance port's list.
    SetPoliciesForBackendServer {
        /// `LoadBalancerName`.
        name: String,
        /// `InstancePort`.
        instance_port: u16,
        /// `PolicyNames` (empty clears).
        policy_names: Vec<String>,
    },
    /// `ModifyLoadBalancerAttributes`.
    ModifyAttributes {
        /// `LoadBalancerName`.
        name: String,
        /// `LoadBalancerAttributes`.
        attributes: ClassicAttributesInput,
    },
    /// `AddTags`.
    AddTags {
        /// `LoadBalancerNames`.
        names: Vec<String>,
        /// `Tags`.
        tags: Vec<(String, String)>,
    },
    /// `RemoveTags`.
    RemoveTags {
        /// `LoadBalancerNames`.
        names: Vec<String>,
        /// `Tags[].Key`.
        keys: Vec<String>,
    },
    /// `EnableAvailabilityZonesForLoadBalancer`.
    EnableAvailabilityZones {
        /// `LoadBalancerName`.
        name: String,
        /// `AvailabilityZones`.
        zones: Vec<String>,
    },
    /// `DisableAvailabilityZonesForLoadBalancer`.
    DisableAvailabilityZones {
        /// `LoadBalancerName`.
        name: String,
        /// `AvailabilityZones`.
        zones: Vec<String>,
    },
    /// `AttachLoadBalancerToSubnets`.
    AttachToSubnets {
        /// `LoadBalancerName`.
        name: String,
        /// `Subnets`.
        subnets: Vec<String>,
    },
    /// `DetachLoadBalancerFromSubnets`.
    DetachFromSubnets {
        /// `LoadBalancerName`.
        name: String,
        /// `Subnets`.
        subnets: Vec<String>,
    },
    /// `ApplySecurityGroupsToLoadBalancer`.
    ApplySecurityGroups {
        /// `LoadBalancerName`.
        name: String,
        /// `SecurityGroups`.
        security_groups: Vec<String>,
    },
}
