//! The whole configuration at one revision, and the pure function that changes it.

use std::borrow::Cow;
use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::certificate::{AcmCertificate, IamState, StoredCertificate};
use crate::command::Command;
use crate::ec2::{DEFAULT_ZONE_COUNT, Ec2State};
use crate::error::ModelError;
use crate::ids::Millis;
use crate::listener::{Listener, Rule};
use crate::load_balancer::LoadBalancer;
use crate::target_group::TargetGroup;

/// Everything one AWS region holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegionState {
    /// The region name, e.g. `us-east-1`.
    pub name: String,
    /// Load balancers by ARN.
    #[serde(default)]
    pub load_balancers: BTreeMap<String, LoadBalancer>,
    /// Target groups by ARN.
    #[serde(default)]
    pub target_groups: BTreeMap<String, TargetGroup>,
    /// Listeners by ARN.
    #[serde(default)]
    pub listeners: BTreeMap<String, Listener>,
    /// Non-default listener rules by ARN.
    #[serde(default)]
    pub rules: BTreeMap<String, Rule>,
    /// VPCs, subnets, security groups, gateways and route tables.
    pub ec2: Ec2State,
    /// ACM certificates by ARN.
    #[serde(default)]
    pub acm_certificates: BTreeMap<String, AcmCertificate>,
    /// Auto Scaling: launch configurations, groups, policies, activities.
    #[serde(default)]
    pub autoscaling: crate::autoscaling::AutoScalingState,
    /// Classic Load Balancers (API 2012-06-01) by name.
    #[serde(default)]
    pub classic_load_balancers: BTreeMap<String, crate::classic::ClassicLoadBalancer>,
}

impl RegionState {
    /// A region as a new AWS account sees it: empty, with a default VPC.
    pub fn new(name: &str) -> RegionState {
        RegionState {
            name: name.to_string(),
            load_balancers: BTreeMap::new(),
            target_groups: BTreeMap::new(),
            listeners: BTreeMap::new(),
            rules: BTreeMap::new(),
            ec2: Ec2State::new_default(name, DEFAULT_ZONE_COUNT),
            acm_certificates: BTreeMap::new(),
            autoscaling: Default::default(),
            classic_load_balancers: BTreeMap::new(),
        }
    }

    /// Listeners of one load balancer, ordered by port.
    pub fn listeners_of<'a>(&'a self, load_balancer_arn: &'a str) -> impl Iterator<Item = &'a Listener> + 'a {
        let mut v: Vec<&Listener> = self.listeners.values().filter(move |l| l.load_balancer_arn == load_balancer_arn).collect();
        v.sort_by_key(|l| l.port);
        v.into_iter()
    }

    /// Rules of one listener, by ascending priority.
    pub fn rules_of<'a>(&'a self, listener_arn: &'a str) -> Vec<&'a Rule> {
        let mut v: Vec<&Rule> = self.rules.values().filter(|r| r.listener_arn == listener_arn).collect();
        v.sort_by_key(|r| r.priority);
        v
    }

    /// ARNs of the load balancers whose listeners or rules forward to this target group
    /// (`TargetGroup.LoadBalancerArns`).
    pub fn load_balancers_of_target_group(&self, target_group_arn: &str) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        let mut add = |lb: &str| {
            if !out.iter().any(|a| a == lb) {
                out.push(lb.to_string());
            }
        };
        for l in self.listeners.values() {
            if l.default_actions.iter().any(|a| a.target_group_arns().any(|t| t == target_group_arn)) {
                add(&l.load_balancer_arn);
            }
        }
        for r in self.rules.values() {
            if r.actions.iter().any(|a| a.target_group_arns().any(|t| t == target_group_arn))
                && let Some(l) = self.listeners.get(&r.listener_arn) {
                    add(&l.load_balancer_arn);
                }
        }
        out
    }

    /// Listeners whose default certificate or certificate list names `certificate_arn`.
    pub fn listeners_using_certificate<'a>(&'a self, certificate_arn: &'a str) -> impl Iterator<Item = &'a Listener> + 'a {
        self.listeners
            .values()
            .filter(move |l| l.certificate_arn.as_deref() == Some(certificate_arn) || l.sni_certificate_arns.iter().any(|a| a == certificate_arn))
    }

    /// ARNs of the load balancers (ELBv2 and classic) with a listener using `certificate_arn`
    /// (ACM's `InUseBy`; IAM and ACM refuse to delete a certificate in use).
    pub fn load_balancers_using_certificate(&self, certificate_arn: &str) -> Vec<String> {
        let mut out: Vec<String> = self.listeners_using_certificate(certificate_arn).map(|l| l.load_balancer_arn.clone()).collect();
        for lb in self.classic_load_balancers.values() {
            if lb.listeners.iter().any(|l| l.ssl_certificate_id.as_deref() == Some(certificate_arn)) {
                out.push(lb.arn.clone());
            }
        }
        out.sort();
        out.dedup();
        out
    }

    /// True if some listener or rule forwards to the target group, so its targets get health
    /// checks and traffic (otherwise they are `unused`/`Target.NotInUse`).
    pub fn target_group_in_use(&self, target_group_arn: &str) -> bool {
        !self.load_balancers_of_target_group(target_group_arn).is_empty()
    }
}

fn region_entry<'a>(regions: &'a mut BTreeMap<String, RegionState>, name: &str) -> &'a mut RegionState {
    regions.entry(name.to_string()).or_insert_with(|| RegionState::new(name))
}

/// The configuration of a node (or cluster) at one revision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Snapshot {
    /// Increases by one with every committed command.
    pub revision: u64,
    /// Regions that have been changed at least once, by name. A region not listed here looks
    /// like [`RegionState::new`].
    #[serde(default)]
    pub regions: BTreeMap<String, RegionState>,
    /// IAM (account-wide): server certificates.
    #[serde(default)]
    pub iam: IamState,
}

impl Snapshot {
    /// The empty configuration, revision 0.
    pub fn empty() -> Snapshot {
        Snapshot::default()
    }

    /// A region's state, or the pristine default for a region never changed.
    pub fn region(&self, name: &str) -> Cow<'_, RegionState> {
        match self.regions.get(name) {
            Some(r) => Cow::Borrowed(r),
            None => Cow::Owned(RegionState::new(name)),
        }
    }

    fn region_mut(&mut self, name: &str) -> &mut RegionState {
        region_entry(&mut self.regions, name)
    }

    /// The certificate a listener of `region` names by `arn` (IAM server certificate or ACM
    /// certificate of that region), as [`crate::certificate::resolve`].
    pub fn certificate(&self, region: &str, arn: &str) -> Option<&StoredCertificate> {
        let r = self.regions.get(region)?;
        crate::certificate::resolve(&self.iam, r, arn)
    }

    /// Applies one command, returning the next snapshot (revision + 1) or the reason it cannot
    /// be applied. `self` is never changed.
    pub fn apply(&self, cmd: &Command) -> Result<Snapshot, ModelError> {
        let mut next = self.clone();
        match cmd {
            Command::Elbv2 { region, op } => {
                let Snapshot { regions, iam, .. } = &mut next;
                crate::apply_elbv2::apply(region_entry(regions, region), iam, op)?
            }
            Command::Iam { op } => crate::apply_iam::apply(&mut next, op)?,
            Command::Acm { region, op } => crate::apply_acm::apply(next.region_mut(region), op)?,
            Command::Ec2 { region, op } => crate::apply_ec2::apply(next.region_mut(region), op)?,
            Command::AutoScaling { region, op } => crate::apply_autoscaling::apply(next.region_mut(region), op)?,
            Command::Classic { region, op } => {
                let Snapshot { regions, iam, .. } = &mut next;
                crate::apply_classic::apply(region_entry(regions, region), iam, op)?
            }
            Command::ExpireDrainingTargets { now } => {
                for r in next.regions.values_mut() {
                    for tg in r.target_groups.values_mut() {
                        tg.targets.retain(|t| t.draining.is_none_or(|d| d.until > *now));
                    }
                    crate::apply_classic::expire_draining(r, *now);
                }
            }
        }
        next.check_invariants()?;
        next.revision = self.revision + 1;
        Ok(next)
    }

    /// The earliest time a draining target's deregistration delay ends, if any is draining.
    pub fn next_drain_deadline(&self) -> Option<Millis> {
        self.regions
            .values()
            .flat_map(|r| r.target_groups.values())
            .flat_map(|tg| tg.targets.iter())
            .filter_map(|t| t.draining.map(|d| d.until))
            .chain(
                self.regions
                    .values()
                    .flat_map(|r| r.classic_load_balancers.values())
                    .flat_map(|lb| lb.instances.iter())
                    .filter_map(|i| i.draining.map(|d| d.until)),
            )
            .min()
    }

    /// Checks the references between resources. A failure is a bug in `apply`, reported as an
    /// `InvalidConfiguration` error so the command is refused rather than stored.
    pub fn check_invariants(&self) -> Result<(), ModelError> {
        let broken = |what: String| Err(ModelError::InvalidConfiguration(format!("internal invariant violated: {what}")));
        for r in self.regions.values() {
            for l in r.listeners.values() {
                if !r.load_balancers.contains_key(&l.load_balancer_arn) {
                    return broken(format!("listener {} has no load balancer", l.arn));
                }
                for c in l.certificate_arn.iter().chain(&l.sni_certificate_arns) {
                    if crate::certificate::resolve(&self.iam, r, c).is_none() {
                        return broken(format!("listener {} uses missing certificate {c}", l.arn));
                    }
                }
                for tg in l.default_actions.iter().flat_map(|a| a.target_group_arns()) {
                    if !r.target_groups.contains_key(tg) {
                        return broken(format!("listener {} forwards to missing {tg}", l.arn));
                    }
                }
            }
            for rule in r.rules.values() {
                if !r.listeners.contains_key(&rule.listener_arn) {
                    return broken(format!("rule {} has no listener", rule.arn));
                }
                for tg in rule.actions.iter().flat_map(|a| a.target_group_arns()) {
                    if !r.target_groups.contains_key(tg) {
                        return broken(format!("rule {} forwards to missing {tg}", rule.arn));
                    }
                }
            }
            for lb in r.load_balancers.values() {
                for z in &lb.availability_zones {
                    if !r.ec2.subnets.contains_key(&z.subnet_id) {
                        return broken(format!("load balancer {} uses missing subnet {}", lb.arn, z.subnet_id));
                    }
                }
            }
            for lb in r.classic_load_balancers.values() {
                for l in &lb.listeners {
                    if let Some(c) = &l.ssl_certificate_id
                        && crate::certificate::resolve(&self.iam, r, c).is_none() {
                            return broken(format!("classic load balancer {} uses missing certificate {c}", lb.name));
                        }
                }
                if let Some(s) = lb.subnets.iter().find(|s| !r.ec2.subnets.contains_key(*s)) {
                    return broken(format!("classic load balancer {} uses missing subnet {s}", lb.name));
                }
            }
            for s in r.ec2.subnets.values() {
                if !r.ec2.vpcs.contains_key(&s.vpc_id) {
                    return broken(format!("subnet {} has no VPC", s.id));
                }
            }
        }
        Ok(())
    }
}
