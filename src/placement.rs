//! Starting the pool's threads on other CPUs than the thread that starts them (issue 6, target 6).
//!
//! On a 2-CPU virtual machine, Linux often put the pool's new thread on the CPU of the thread that started it,
//! behind it in the run queue, and left it there until the load balancer moved one of them, up to 4 ms later.
//! Meanwhile both shared one CPU: the packs, which the new thread should load beside the first input's UTF-8
//! check, waited; the first chunks of a 10 MB script ran at half speed. In 10 runs of such a script without
//! this, 6 showed the two threads on one CPU for the first 1-4 ms; with it, none.
//!
//! So each new thread first restricts itself to the CPUs other than the starting thread's, which moves it
//! there at once, then allows every CPU again, so the scheduler stays free to move it later. Nothing is
//! pinned: several runs side by side still spread over the machine. After starting the pool the starting
//! thread yields once, so that a new thread queued behind it gets to run and move. Elsewhere than Linux this
//! is a no-op.

/// The starting thread's CPU and the CPUs the process may run on, read before the pool is built.
#[derive(Debug, Clone, Default)]
pub struct Placement {
    #[cfg(target_os = "linux")]
    inner: Option<linux::Cpus>,
}

impl Placement {
    /// Reads where the calling thread runs; with fewer than two allowed CPUs there is nothing to spread.
    pub fn here() -> Placement {
        Placement {
            #[cfg(target_os = "linux")]
            inner: linux::Cpus::here(),
        }
    }

    /// For a pool's start handler: moves the calling new thread off the starting thread's CPU. Returns the
    /// CPU it was moved to, if it was.
    pub fn move_off(&self) -> Option<usize> {
        #[cfg(target_os = "linux")]
        return self.inner.as_ref().and_then(|cpus| cpus.move_off());
        #[cfg(not(target_os = "linux"))]
        None
    }

    /// For the starting thread, once the pool is built: lets a new thread queued behind it run and move.
    pub fn yield_to_new_threads(&self) {
        #[cfg(target_os = "linux")]
        if self.inner.is_some() {
            std::thread::yield_now();
        }
    }
}

#[cfg(target_os = "linux")]
mod linux {
    use std::mem::{size_of, zeroed};

    #[derive(Debug, Clone)]
    pub struct Cpus {
        /// The CPU the starting thread ran on.
        pub start: usize,
        /// Every CPU the process may run on.
        pub allowed: Vec<usize>,
    }

    fn set_of(cpus: impl Iterator<Item = usize>) -> libc::cpu_set_t {
        // SAFETY: cpu_set_t is a plain bit array, for which all zeroes is the empty set.
        let mut set: libc::cpu_set_t = unsafe { zeroed() };
        for c in cpus {
            // SAFETY: `c` comes from CPU_ISSET over the same set type, so it is below CPU_SETSIZE.
            unsafe { libc::CPU_SET(c, &mut set) };
        }
        set
    }

    fn restrict(set: &libc::cpu_set_t) -> bool {
        // SAFETY: pid 0 is the calling thread; `set` is a valid cpu_set_t of the size passed.
        unsafe { libc::sched_setaffinity(0, size_of::<libc::cpu_set_t>(), set) == 0 }
    }

    /// The CPUs the calling thread may run on.
    pub fn allowed() -> Option<Vec<usize>> {
        // SAFETY: as in `set_of`; sched_getaffinity fills the set of the size passed.
        let mut set: libc::cpu_set_t = unsafe { zeroed() };
        if unsafe { libc::sched_getaffinity(0, size_of::<libc::cpu_set_t>(), &mut set) } != 0 {
            return None;
        }
        let cpus = (0..libc::CPU_SETSIZE as usize)
            // SAFETY: `c` is below CPU_SETSIZE.
            .filter(|&c| unsafe { libc::CPU_ISSET(c, &set) })
            .collect();
        Some(cpus)
    }

    impl Cpus {
        pub fn here() -> Option<Cpus> {
            let allowed = allowed()?;
            // SAFETY: sched_getcpu takes no arguments; it returns -1 on failure.
            let start = usize::try_from(unsafe { libc::sched_getcpu() }).ok()?;
            (allowed.len() >= 2 && allowed.contains(&start)).then_some(Cpus { start, allowed })
        }

        /// The kernel moves a thread whose CPU leaves its set before `sched_setaffinity` returns, so the CPU
        /// read between the two calls is one of the others.
        pub fn move_off(&self) -> Option<usize> {
            let others = set_of(self.allowed.iter().copied().filter(|&c| c != self.start));
            if !restrict(&others) {
                return None;
            }
            // SAFETY: sched_getcpu takes no arguments; it returns -1 on failure.
            let moved = usize::try_from(unsafe { libc::sched_getcpu() }).ok();
            restrict(&set_of(self.allowed.iter().copied()));
            moved
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(target_os = "linux")]
    #[test]
    fn a_new_thread_leaves_the_starting_cpu_and_may_run_anywhere_after() {
        let placement = Placement::here();
        let Some(start) = placement.inner.as_ref().map(|c| c.start) else {
            return; // One allowed CPU: nothing to spread, and `move_off` does nothing.
        };
        let p = placement.clone();
        let (moved, allowed) = std::thread::spawn(move || (p.move_off(), linux::allowed()))
            .join()
            .unwrap();
        let moved = moved.expect("the new thread was not moved");
        assert_ne!(moved, start, "the new thread stayed on the starting CPU");
        assert_eq!(
            allowed,
            linux::allowed(),
            "the new thread was left restricted"
        );
    }

    #[test]
    fn without_two_cpus_nothing_moves() {
        let none = Placement::default();
        assert_eq!(none.move_off(), None);
        none.yield_to_new_threads();
    }
}
