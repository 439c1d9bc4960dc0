//! How much memory a run may use: the lower of what the system has available and what this
//! process is allowed, read from Linux's `/proc` and `/sys` (no `libc`: the workspace forbids
//! `unsafe`).
//!
//! * `MemAvailable` of `/proc/meminfo`: what the machine can give without swapping;
//! * the cgroup's limit less its usage: v2 `memory.max` − `memory.current`, v1
//!   `memory.limit_in_bytes` − `memory.usage_in_bytes` (containers, systemd slices);
//! * `RLIMIT_AS` (`ulimit -v`, the "Max address space" soft limit of `/proc/self/limits`)
//!   less the address space already mapped (`VmSize` of `/proc/self/status`).
//!
//! A run may use half of the lowest ([`budget`]); the results are still reserved fallibly,
//! so a refusal by the allocator is an error, never an abort.

/// Where nothing can be read (not Linux): 2 GiB.
pub const FALLBACK: u64 = 2 << 30;

/// `MemAvailable` of a `/proc/meminfo` text, in bytes.
pub fn mem_available(meminfo: &str) -> Option<u64> {
    meminfo
        .lines()
        .find_map(|l| l.strip_prefix("MemAvailable:"))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|kb| kb.parse::<u64>().ok())
        .and_then(|kb| kb.checked_mul(1024))
}

/// The soft "Max address space" limit of a `/proc/self/limits` text, in bytes (`None` when
/// unlimited or absent).
pub fn address_space_limit(limits: &str) -> Option<u64> {
    let rest = limits.lines().find_map(|l| l.strip_prefix("Max address space"))?;
    rest.split_whitespace().next()?.parse::<u64>().ok()
}

/// `VmSize` of a `/proc/self/status` text (address space mapped now), in bytes.
pub fn vm_size(status: &str) -> Option<u64> {
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmSize:"))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|kb| kb.parse::<u64>().ok())
        .and_then(|kb| kb.checked_mul(1024))
}

/// What a cgroup still allows: its limit (`memory.max`, or v1 `memory.limit_in_bytes`) less
/// its usage, in bytes. `None` when unlimited (v2 `max`; v1 reports unlimited as a number near
/// 2⁶³, anything from 2⁶⁰ up is taken as unlimited) or unreadable.
pub fn cgroup_headroom(limit: &str, usage: Option<&str>) -> Option<u64> {
    let limit = limit.trim().parse::<u64>().ok().filter(|&l| l < 1 << 60)?;
    let used = usage.and_then(|u| u.trim().parse::<u64>().ok()).unwrap_or(0);
    Some(limit.saturating_sub(used))
}

/// The lowest of the sources' headroom, from their texts (`None` where a source is absent).
pub fn lowest(
    meminfo: Option<&str>,
    limits: Option<&str>,
    status: Option<&str>,
    cgroup: Option<(&str, Option<&str>)>,
) -> Option<u64> {
    let available = meminfo.and_then(mem_available);
    let address_space =
        limits.and_then(address_space_limit).map(|limit| limit.saturating_sub(status.and_then(vm_size).unwrap_or(0)));
    let cgroup = cgroup.and_then(|(l, u)| cgroup_headroom(l, u));
    [available, address_space, cgroup].into_iter().flatten().min()
}

/// The memory available to this process now, in bytes (`None` where nothing can be read).
pub fn available() -> Option<u64> {
    let read = |p: &str| std::fs::read_to_string(p).ok();
    let cgroup = read("/sys/fs/cgroup/memory.max").map(|l| (l, read("/sys/fs/cgroup/memory.current"))).or_else(|| {
        read("/sys/fs/cgroup/memory/memory.limit_in_bytes")
            .map(|l| (l, read("/sys/fs/cgroup/memory/memory.usage_in_bytes")))
    });
    lowest(
        read("/proc/meminfo").as_deref(),
        read("/proc/self/limits").as_deref(),
        read("/proc/self/status").as_deref(),
        cgroup.as_ref().map(|(l, u)| (l.as_str(), u.as_deref())),
    )
}

/// What a run's results may take: half of [`available`], or [`FALLBACK`] where it cannot be
/// read. For [`crate::RunConfig::max_memory`].
pub fn budget() -> u64 {
    available().map_or(FALLBACK, |bytes| bytes / 2)
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIMITS: &str = "Limit                     Soft Limit           Hard Limit           Units     
Max cpu time              unlimited            unlimited            seconds   
Max address space         1073741824           unlimited            bytes     
Max resident set          unlimited            unlimited            bytes     
";

    #[test]
    fn parses_every_source() {
        assert_eq!(mem_available("MemTotal:  100 kB\nMemAvailable:   23831780 kB\n"), Some(23_831_780 * 1024));
        assert_eq!(mem_available("MemTotal:  100 kB\n"), None);
        assert_eq!(address_space_limit(LIMITS), Some(1 << 30));
        assert_eq!(address_space_limit(&LIMITS.replace("1073741824  ", "unlimited   ")), None);
        assert_eq!(vm_size("Name:\tkasim\nVmPeak:\t  9000 kB\nVmSize:\t    2048 kB\n"), Some(2 << 20));
        assert_eq!(cgroup_headroom("536870912\n", Some("134217728\n")), Some(402_653_184));
        assert_eq!(cgroup_headroom("max\n", Some("134217728\n")), None);
        // cgroup v1's "unlimited".
        assert_eq!(cgroup_headroom("9223372036854771712\n", Some("1")), None);
        assert_eq!(cgroup_headroom("100", Some("200")), Some(0));
    }

    #[test]
    fn takes_the_lowest() {
        let meminfo = "MemAvailable:   8388608 kB\n"; // 8 GiB
        let status = "VmSize:\t  262144 kB\n"; // 256 MiB mapped
        // ulimit -v 1 GiB with 256 MiB mapped: 768 MiB left, below MemAvailable.
        assert_eq!(lowest(Some(meminfo), Some(LIMITS), Some(status), None), Some(768 << 20));
        // A cgroup with 512 MiB left is lower still.
        assert_eq!(
            lowest(Some(meminfo), Some(LIMITS), Some(status), Some(("1073741824", Some("536870912")))),
            Some(512 << 20)
        );
        // Only MemAvailable.
        assert_eq!(lowest(Some(meminfo), None, None, Some(("max", None))), Some(8 << 30));
        assert_eq!(lowest(None, None, None, None), None);
    }
}
