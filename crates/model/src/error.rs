//! Semantic errors of [`crate::Snapshot::apply`], mapped to AWS error codes by the `api` crate.

use std::fmt;

/// The kinds of resources a [`ModelError`] can name. The `api` crate maps a kind to the
/// service-specific error code (`LoadBalancerNotFound` in ELBv2, `InvalidVpcID.NotFound` in EC2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResourceKind {
    /// An ELBv2 load balancer.
    LoadBalancer,
    /// An ELBv2 listener.
    Listener,
    /// An ELBv2 listener rule.
    Rule,
    /// An ELBv2 target group.
    TargetGroup,
    /// A target inside a target group.
    Target,
    /// A certificate (IAM server certificate or ACM certificate).
    Certificate,
    /// A predefined ELB security policy (`SslPolicy`), see [`crate::ssl_policy`].
    SslPolicy,
    /// An EC2 VPC.
    Vpc,
    /// An EC2 subnet.
    Subnet,
    /// An EC2 security group.
    SecurityGroup,
    /// An EC2 internet gateway.
    InternetGateway,
    /// An EC2 route table.
    RouteTable,
    /// An EC2 route table association.
    RouteTableAssociation,
    /// An EC2 availability zone.
    AvailabilityZone,
    /// A tagged resource named by ARN or id whose kind is not known.
    Resource,
    /// An Auto Scaling group.
    AutoScalingGroup,
    /// An Auto Scaling launch configuration.
    LaunchConfiguration,
    /// An Auto Scaling scaling policy.
    ScalingPolicy,
    /// A classic load balancer policy (`PolicyNotFound`, `DuplicatePolicyName`).
    Policy,
    /// A classic load balancer policy type (`PolicyTypeNotFound`).
    PolicyType,
    /// A classic load balancer attribute (`LoadBalancerAttributeNotFound`).
    LoadBalancerAttribute,
}

impl ResourceKind {
    /// Lower-case English noun used in messages ("load balancer", "target group").
    pub fn noun(self) -> &'static str {
        match self {
            ResourceKind::LoadBalancer => "load balancer",
            ResourceKind::Listener => "listener",
            ResourceKind::Rule => "rule",
            ResourceKind::TargetGroup => "target group",
            ResourceKind::Target => "target",
            ResourceKind::Certificate => "certificate",
            ResourceKind::SslPolicy => "SSL policy",
            ResourceKind::Vpc => "VPC",
            ResourceKind::Subnet => "subnet",
            ResourceKind::SecurityGroup => "security group",
            ResourceKind::InternetGateway => "internet gateway",
            ResourceKind::RouteTable => "route table",
            ResourceKind::RouteTableAssociation => "route table association",
            ResourceKind::AvailabilityZone => "availability zone",
            ResourceKind::Resource => "resource",
            ResourceKind::AutoScalingGroup => "Auto Scaling group",
            ResourceKind::LaunchConfiguration => "launch configuration",
            ResourceKind::ScalingPolicy => "scaling policy",
            ResourceKind::Policy => "policy",
            ResourceKind::PolicyType => "policy type",
            ResourceKind::LoadBalancerAttribute => "load balancer attribute",
        }
    }
}

impl fmt::Display for ResourceKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.noun())
    }
}

/// Quotas whose excess is a `TooMany…` error (ELBv2 API reference, "Quotas for your Application
/// Load Balancers").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Quota {
    /// `TooManyLoadBalancers`.
    LoadBalancers,
    /// `TooManyTargetGroups`.
    TargetGroups,
    /// `TooManyListeners` (per load balancer).
    Listeners,
    /// `TooManyTargets` (per target group).
    Targets,
    /// `TooManyTags` (per resource).
    Tags,
    /// `TooManyRules` (per load balancer).
    Rules,
    /// `TooManyActions` (per rule).
    Actions,
    /// `TooManyCertificates` (per listener).
    Certificates,
    /// `TooManyUniqueTargetGroupsPerLoadBalancer`.
    UniqueTargetGroupsPerLoadBalancer,
    /// `TargetGroupAssociationLimit`: a target group serves one load balancer.
    TargetGroupAssociation,
    /// IAM `LimitExceeded`: server certificates per account.
    ServerCertificates,
    /// ACM `LimitExceededException`: certificates per region.
    AcmCertificates,
    /// Auto Scaling `LimitExceeded`: groups per region.
    AutoScalingGroups,
    /// Auto Scaling `LimitExceeded`: launch configurations per region.
    LaunchConfigurations,
    /// Auto Scaling `LimitExceeded`: scaling policies per group.
    ScalingPolicies,
    /// Auto Scaling `LimitExceeded`: scheduled actions per group.
    ScheduledActions,
}

/// A semantic failure of a command against the current state. Nothing is changed when one is
/// returned: `apply` builds a new snapshot and only a successful one is committed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ModelError {
    /// The named resource does not exist (`…NotFound`).
    #[error("{kind} '{id}' not found")]
    NotFound {
        /// What was looked up.
        kind: ResourceKind,
        /// The ARN, name or id that was given.
        id: String,
    },
    /// A resource with that name (or port) already exists with other settings (`Duplicate…`).
    #[error("{message}")]
    Duplicate {
        /// What already exists.
        kind: ResourceKind,
        /// Human-readable explanation naming the clash.
        message: String,
    },
    /// A parameter is syntactically fine but not acceptable (`ValidationError`).
    #[error("{message}")]
    Invalid {
        /// The request parameter (API member name) that is wrong.
        field: String,
        /// Why, naming the bad value.
        message: String,
    },
    /// The combination of settings is not valid (`InvalidConfigurationRequest`).
    #[error("{0}")]
    InvalidConfiguration(String),
    /// The resource is referenced by another (`ResourceInUse`, EC2 `DependencyViolation`).
    #[error("{message}")]
    InUse {
        /// What is in use.
        kind: ResourceKind,
        /// Which resource uses it.
        message: String,
    },
    /// The action is not allowed in the current state (`OperationNotPermitted`).
    #[error("{0}")]
    NotPermitted(String),
    /// A quota would be exceeded (`TooMany…`).
    #[error("{message}")]
    TooMany {
        /// Which quota.
        quota: Quota,
        /// Explanation with the limit.
        message: String,
    },
    /// A target cannot be registered (`InvalidTarget`).
    #[error("{0}")]
    InvalidTarget(String),
    /// A subnet is not usable for this load balancer (`InvalidSubnet`).
    #[error("{0}")]
    InvalidSubnet(String),
    /// A security group does not exist or is in another VPC (`InvalidSecurityGroup`).
    #[error("{0}")]
    InvalidSecurityGroup(String),
    /// The protocol is not supported here (`UnsupportedProtocol`).
    #[error("{0}")]
    UnsupportedProtocol(String),
    /// Two settings' protocols do not fit together (`IncompatibleProtocols`).
    #[error("{0}")]
    IncompatibleProtocols(String),
    /// The actions of a listener or rule are not a valid combination (`InvalidLoadBalancerAction`).
    #[error("{0}")]
    InvalidAction(String),
    /// A tag key was given twice (`DuplicateTagKeys`).
    #[error("{0}")]
    DuplicateTagKeys(String),
    /// A rule priority is taken (`PriorityInUse`).
    #[error("{0}")]
    PriorityInUse(String),
    /// An EC2-specific error whose code has no generic variant, e.g. `InvalidSubnet.Range`.
    #[error("{message}")]
    Ec2 {
        /// The EC2 error code, e.g. `InvalidPermission.Duplicate`.
        code: &'static str,
        /// Human-readable explanation.
        message: String,
    },
}

impl ModelError {
    /// Shorthand for [`ModelError::NotFound`].
    pub fn not_found(kind: ResourceKind, id: impl Into<String>) -> Self {
        ModelError::NotFound { kind, id: id.into() }
    }

    /// Shorthand for [`ModelError::Invalid`].
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        ModelError::Invalid { field: field.into(), message: message.into() }
    }
}
