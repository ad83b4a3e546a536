"""Process attributes: rlimits, scheduler, I/O priority, personality and small scalars.

These are applied inside the container's init, where a kernel refusal is far harder to
report than here.
"""

from __future__ import annotations

from libcontainer.errors import ConfigError

# The tables each rule needs are imported by the rule once it has something to check:
# a config without a scheduler, an I/O priority or a personality never loads their modules.


def rlimits(cfg, host):
    from ..rlimit import RLIMIT_TYPES  # the init imports it in any case

    known = frozenset(RLIMIT_TYPES.values())
    seen = set()
    for i, rl in enumerate(cfg.rlimits):
        field = f"rlimits[{i}]"
        if rl.type not in known:
            yield ConfigError(f"{field}.type", "unknown rlimit type", rl.type)
        elif rl.type in seen:
            yield ConfigError(f"{field}.type", "rlimit type given twice", rl.type)
        seen.add(rl.type)
        if rl.soft > rl.hard:
            yield ConfigError(f"{field}.soft", "soft limit exceeds hard limit", rl.soft)


def scheduler(cfg, host):
    """sched_setattr(2) rules, as runc checks them (plus known names)."""
    s = cfg.scheduler
    if s is None:
        return
    from ..scheduler import FLAGS, POLICIES, SCHED_DEADLINE, SCHED_FIFO, SCHED_RR

    if not s.policy:
        yield ConfigError("scheduler.policy", "scheduler policy is required")
        return
    if s.policy not in POLICIES:
        yield ConfigError("scheduler.policy", "invalid scheduler policy", s.policy)
    if not -20 <= s.nice <= 19:
        yield ConfigError("scheduler.nice", "must be between -20 and 19", s.nice)
    if s.priority and s.policy not in (SCHED_FIFO, SCHED_RR):
        yield ConfigError(
            "scheduler.priority",
            "can only be specified for SCHED_FIFO or SCHED_RR policy",
            s.priority,
        )
    elif s.priority and not 1 <= s.priority <= 99:
        yield ConfigError("scheduler.priority", "must be between 1 and 99", s.priority)
    if s.policy != SCHED_DEADLINE and (s.runtime or s.deadline or s.period):
        yield ConfigError(
            "scheduler", "runtime/deadline/period can only be specified for SCHED_DEADLINE policy"
        )
    for i, flag in enumerate(s.flags):
        if flag not in FLAGS:
            yield ConfigError(f"scheduler.flags[{i}]", "invalid scheduler flag", flag)


def io_priority(cfg, host):
    p = cfg.io_priority
    if p is None:
        return
    from ..iopriority import CLASSES

    if p.class_ not in CLASSES:
        yield ConfigError("io_priority.class_", "invalid io priority class", p.class_)
    if not 0 <= p.priority <= 7:
        yield ConfigError("io_priority.priority", "must be between 0 and 7", p.priority)


def misc(cfg, host):
    if cfg.umask is not None and not 0 <= cfg.umask <= 0o777:
        yield ConfigError("umask", "must be between 0 and 0o777", cfg.umask)
    if not 0 <= cfg.parent_death_signal <= 64:
        yield ConfigError("parent_death_signal", "not a signal number", cfg.parent_death_signal)
    if cfg.oom_score_adj is not None and not -1000 <= cfg.oom_score_adj <= 1000:
        yield ConfigError("oom_score_adj", "must be between -1000 and 1000", cfg.oom_score_adj)
    if cfg.personality is not None:
        from ..personality import PER_LINUX, PER_LINUX32

        if cfg.personality.domain not in (PER_LINUX, PER_LINUX32):
            yield ConfigError(
                "personality.domain", "only LINUX and LINUX32 are supported", cfg.personality.domain
            )
