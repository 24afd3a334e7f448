//! Room for the connections a run may hold: each request in flight beyond the pool's reuse
//! needs a socket, and many systems start a process with a soft limit of 1,024 open files. A
//! run raises its soft limit towards the hard one (what any process may do) when
//! `delivery.concurrency` needs more, and says so when the hard limit is still too low.

/// Files a run needs beside its sockets (the journal, the report, the runtime).
const SPARE: u64 = 64;

/// Raises the open-file limit so `connections` fit; the limit it leaves when that is still too
/// low for them (`None`: they fit, or the platform has no such limit).
pub fn make_room(connections: usize) -> Option<u64> {
    let needed = connections as u64 + SPARE;
    #[cfg(unix)]
    {
        use rustix::process::{Resource, Rlimit, getrlimit, setrlimit};
        let limit = getrlimit(Resource::Nofile);
        let current = limit.current?;
        if current >= needed {
            return None;
        }
        let raised = limit.maximum.map_or(needed, |max| max.min(needed));
        let set = setrlimit(Resource::Nofile, Rlimit { current: Some(raised), maximum: limit.maximum });
        let now = if set.is_ok() { raised } else { current };
        (now < needed).then_some(now)
    }
    #[cfg(not(unix))]
    {
        let _ = needed;
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_run_gets_room_for_its_connections_up_to_the_hard_limit() {
        // A modest need always fits (the soft limit is at least 1,024 here, or raised).
        assert_eq!(make_room(100), None);
        #[cfg(unix)]
        {
            let limit = rustix::process::getrlimit(rustix::process::Resource::Nofile);
            let hard = limit.maximum.unwrap_or(u64::MAX);
            let want = 2_000usize;
            let left = make_room(want);
            let now = rustix::process::getrlimit(rustix::process::Resource::Nofile).current.unwrap_or(u64::MAX);
            if hard >= want as u64 + SPARE {
                assert_eq!(left, None);
                assert!(now >= want as u64 + SPARE, "{now}");
            } else {
                assert_eq!(left, Some(now), "a hard limit too low is said, not hidden");
            }
        }
    }
}
