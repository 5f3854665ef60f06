//! Where a group launches and which instance it terminates, as the Auto Scaling user guide
//! describes them: launches go to the availability zone with the fewest instances ("Balance
//! across Availability Zones"); the `Default` termination policy picks, among instances not
//! protected from scale in, the zone with the most instances, then the oldest launch template
//! or configuration, then the instance launched first.

use std::collections::HashMap;

/// An instance of a group, as the choices see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member<'a> {
    /// `i-…`.
    pub id: &'a str,
    /// Its availability zone.
    pub zone: &'a str,
    /// Protected from scale in.
    pub protected: bool,
    /// Launch template version it was launched with (`None`: a launch configuration, or unknown).
    pub version: Option<u64>,
    /// Launch time, Unix milliseconds.
    pub launched_at: u64,
}

/// The subnet (of `subnets`, `(subnet id, zone)` in the group's order) for the next launch:
/// one in the zone with the fewest of `members`.
pub fn subnet_for_launch<'a>(subnets: &'a [(String, String)], members: &[Member<'_>]) -> Option<&'a str> {
    let count = |zone: &str| members.iter().filter(|m| m.zone == zone).count();
    subnets.iter().min_by_key(|(_, zone)| count(zone)).map(|(id, _)| id.as_str())
}

/// The instance scale-in terminates, or `None` if every instance is protected.
pub fn to_terminate<'a>(members: &[Member<'a>]) -> Option<&'a str> {
    let mut per_zone: HashMap<&str, usize> = HashMap::new();
    for m in members {
        *per_zone.entry(m.zone).or_default() += 1;
    }
    let candidates: Vec<&Member<'a>> = members.iter().filter(|m| !m.protected).collect();
    let busiest = candidates.iter().map(|m| per_zone[m.zone]).max()?;
    candidates
        .into_iter()
        .filter(|m| per_zone[m.zone] == busiest)
        .min_by_key(|m| (m.version.unwrap_or(0), m.launched_at, m.id))
        .map(|m| m.id)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m<'a>(id: &'a str, zone: &'a str, version: Option<u64>, launched_at: u64) -> Member<'a> {
        Member { id, zone, protected: false, version, launched_at }
    }

    #[test]
    fn launches_balance_zones() {
        let subnets = vec![("subnet-a".to_string(), "us-east-1a".to_string()), ("subnet-b".to_string(), "us-east-1b".to_string())];
        assert_eq!(subnet_for_launch(&subnets, &[]), Some("subnet-a"));
        assert_eq!(subnet_for_launch(&subnets, &[m("i-1", "us-east-1a", None, 1)]), Some("subnet-b"));
        assert_eq!(subnet_for_launch(&[], &[]), None);
    }

    #[test]
    fn scale_in_takes_the_busiest_zone_then_the_oldest_template_then_the_first_launched() {
        let members = [m("i-1", "a", Some(2), 10), m("i-2", "a", Some(1), 20), m("i-3", "b", Some(1), 5)];
        assert_eq!(to_terminate(&members), Some("i-2"), "zone a has two; i-2 has the older version");
        let members = [m("i-1", "a", Some(1), 10), m("i-2", "a", Some(1), 20)];
        assert_eq!(to_terminate(&members), Some("i-1"), "same version: launched first");
    }

    #[test]
    fn protected_instances_are_never_chosen() {
        let mut members = [m("i-1", "a", None, 1), m("i-2", "a", None, 2)];
        members[0].protected = true;
        assert_eq!(to_terminate(&members), Some("i-2"));
        members[1].protected = true;
        assert_eq!(to_terminate(&members), None);
    }
}
