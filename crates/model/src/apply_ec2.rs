//! EC2 networking commands applied to one region.

use crate::command::Ec2Command;
use crate::error::ModelError;
use crate::snapshot::RegionState;

pub(crate) fn apply(_r: &mut RegionState, op: &Ec2Command) -> Result<(), ModelError> {
    Err(ModelError::InvalidConfiguration(format!("{op:?} is not implemented yet")))
}
