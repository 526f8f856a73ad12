// Package inspection is 双随机一公开 and 案卷评查: the inspection targets (检查对象库),
// draws of targets and inspectors and of closed penalty case files that anyone can
// recompute (the pure algorithm is package draw), the inspection tasks a draw makes and
// their results, the public record of each draw, and the review of drawn case files on a
// checklist with its fix-ups (整改). It owns the tables of migration 0016 and reads the
// grid, officers, cases, evidence, the powers catalog and the calendar through small
// interfaces (stores.go) that internal/app fills with the owners' stores.
package inspection
