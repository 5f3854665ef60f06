//! The few facts elbow reads from `/proc`: a process's state, process group, CPU ticks and
//! start time, and the members of a process group.

use std::fs;
use std::sync::OnceLock;

/// What `/proc/<pid>/stat` says about one process.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Stat {
    /// `R`, `S`, `D`, `Z`, …
    pub state: char,
    /// Process group id.
    pub pgid: i32,
    /// utime + stime + cutime + cstime, in clock ticks.
    pub ticks: u64,
    /// Start time after boot, in clock ticks: with the pid, identifies a process across pid reuse.
    pub start_time: u64,
}

impl Stat {
    /// A process that still runs (not a zombie waiting to be reaped, not dead).
    pub fn is_live(&self) -> bool {
        !matches!(self.state, 'Z' | 'X' | 'x')
    }
}

/// Parses the text of `/proc/<pid>/stat`. The command name (field 2) may hold spaces and
/// parentheses, so fields are counted from the last `)`.
pub(crate) fn parse_stat(text: &str) -> Option<Stat> {
    let rest = &text[text.rfind(')')? + 1..];
    let f: Vec<&str> = rest.split_ascii_whitespace().collect();
    // f[0] is field 3 (state); field N is f[N - 3].
    let num = |n: usize| f.get(n - 3)?.parse::<i64>().ok();
    let state = f.first()?.chars().next()?;
    let pgid = i32::try_from(num(5)?).ok()?;
    let ticks = [14, 15, 16, 17]
        .iter()
        .map(|&n| num(n).map(|v| v.max(0) as u64))
        .sum::<Option<u64>>()?;
    let start_time = u64::try_from(num(22)?).ok()?;
    Some(Stat {
        state,
        pgid,
        ticks,
        start_time,
    })
}

/// Reads one process's stat; `None` if it does not exist (any more).
pub(crate) fn stat(pid: i32) -> Option<Stat> {
    parse_stat(&fs::read_to_string(format!("/proc/{pid}/stat")).ok()?)
}

/// The live (non-zombie) members of a process group, with their stats.
pub(crate) fn group_members(pgid: i32) -> Vec<(i32, Stat)> {
    let Ok(dir) = fs::read_dir("/proc") else {
        return Vec::new();
    };
    dir.filter_map(|e| {
        let pid: i32 = e.ok()?.file_name().to_str()?.parse().ok()?;
        let st = stat(pid)?;
        (st.pgid == pgid && st.is_live()).then_some((pid, st))
    })
    .collect()
}

/// Clock ticks per second (`sysconf(_SC_CLK_TCK)`, 100 on every Linux elbow runs on).
pub(crate) fn clock_ticks_per_second() -> u64 {
    static TICKS: OnceLock<u64> = OnceLock::new();
    *TICKS.get_or_init(|| match rustix::param::clock_ticks_per_second() {
        0 => 100,
        n => n,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_names_with_spaces_and_parens() {
        let s = "1234 (we ird) (x)) S 1 1234 1234 0 -1 4194560 100 0 0 0 7 3 2 1 20 0 1 0 5555 0 0";
        let st = parse_stat(s).unwrap();
        assert_eq!(
            st,
            Stat {
                state: 'S',
                pgid: 1234,
                ticks: 13,
                start_time: 5555
            }
        );
    }

    #[test]
    fn reads_own_process() {
        let me = std::process::id() as i32;
        let st = stat(me).unwrap();
        assert!(st.is_live());
        assert!(clock_ticks_per_second() > 0);
    }
}
