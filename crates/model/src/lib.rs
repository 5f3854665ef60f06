//! # model — control-plane and data-plane shared nouns
//!
//! AWS Elastic Load Balancing resources as plain data ([`LoadBalancer`], [`Listener`],
//! [`TargetGroup`], …), the EC2 networking records they live in, one [`Command`] per mutating
//! AWS action, and [`Snapshot::apply`], a pure function from (snapshot, command) to the next
//! snapshot. The [`HealthTable`] carries target health from the data plane back to the API.
//!
//! This crate does no IO and runs no async runtime; it depends on no other crate of elbow.

#![forbid(unsafe_code)]

mod apply_acm;
mod apply_autoscaling;
mod apply_classic;
mod apply_ec2;
mod apply_elbv2;
mod apply_iam;
mod apply_instances;
mod apply_listener_certificates;
mod apply_rules;
mod apply_scheduled_actions;
pub mod attributes;
pub mod autoscaling;
pub mod autoscaling_command;
mod aws_enum;
pub mod classic;
pub mod classic_command;
pub mod certificate;
pub mod command;
pub mod cron;
pub mod ec2;
pub mod error;
pub mod health_table;
pub mod ids;
pub mod instance;
pub mod listener;
pub mod load_balancer;
pub mod snapshot;
pub mod ssl_policy;
pub mod tags;
pub mod target_group;

pub use apply_acm::{CERTIFICATES_PER_REGION as ACM_CERTIFICATES_PER_REGION, idempotent_request as acm_idempotent_request};
pub use apply_elbv2::{DEFAULT_SSL_POLICY, limits, parse_code_matcher, resource_kind_of_arn};
pub use apply_iam::SERVER_CERTIFICATES_PER_ACCOUNT;
pub use apply_listener_certificates::CERTIFICATES_PER_LOAD_BALANCER;
pub use apply_classic::{DESYNC_MITIGATION_MODE as CLASSIC_DESYNC_MITIGATION_MODE, check_health_check as check_classic_health_check, limits as classic_limits, policy_types as classic_policy_types};
pub use command::{AcmCommand, AutoScalingCommand, ClassicCommand, Command, Ec2Command, Elbv2Command, IamCommand};
pub use error::{ModelError, Quota, ResourceKind};
pub use health_table::{HealthTable, TargetHealth, TargetHealthCell, TargetHealthReason, TargetHealthState, TargetKey};
pub use ids::Millis;
pub use listener::{Action, ActionType, Listener, Rule, RuleCondition};
pub use load_balancer::{IpAddressType, LoadBalancer, LoadBalancerType, Scheme};
pub use snapshot::{RegionState, Snapshot};
pub use target_group::{HealthCheck, HealthCheckPort, Matcher, Protocol, ProtocolVersion, RegisteredTarget, TargetGroup, TargetType};
