package main

import (
	"flag"
	"fmt"
	"math"
	"strconv"

	"github.com/gridwatch/gridwatch/patrol/cases"
)

// procedureFlags adds the flags of the penalty procedure's periods and major-decision
// rule to fs, each defaulting to the Administrative Penalty Law (2021) where the law
// sets it, and returns the configuration they fill. A value out of range fails the
// parse, naming the flag.
func procedureFlags(fs *flag.FlagSet) *cases.ProcedureConfig {
	cfg := &cases.ProcedureConfig{Periods: cases.DefaultPeriods()}
	major := cases.DefaultMajorRule()
	cfg.Major = &major
	p := &cfg.Periods
	daysFlag(fs, &p.DecideDays, "penalty-decide-days", 1, 365,
		"days from filing (立案) to the decision (行政处罚法 第六十条: 90)")
	daysFlag(fs, &p.HearingRequestWorkdays, "penalty-hearing-request-workdays", 1, 60,
		"working days from the notice (告知) for the party to state a defence or request a hearing; no decision before they run out (第六十四条, 第八十五条: 5)")
	daysFlag(fs, &p.DeliverWorkdays, "penalty-deliver-workdays", 1, 60,
		"working days from the decision to its delivery when the party is absent (第六十一条, 第八十五条: 7)")
	daysFlag(fs, &p.PayDays, "penalty-pay-days", 1, 365,
		"days from delivery for the party to pay the fine (第六十七条: 15)")
	daysFlag(fs, &p.PublishWorkdays, "penalty-publish-workdays", 1, 60,
		"working days from a decision to its publication (执法公示), as the assessment counts it (国办发〔2018〕118号: 7)")
	daysFlag(fs, &p.TakeUpWorkdays, "referral-take-up-workdays", 1, 60,
		"working days from a referral (流转/移送) for the department to take the case up or return it, shown on the case; a setting of this city, not a period of law")
	yuanFlag(fs, &major.FineIndividualYuan, "major-fine-individual-yuan",
		"a fine at or above this on a person is a major decision, legally reviewed first (第五十八条 with 第六十三条 较大数额罚款: the amount is local policy; 0: no such rule)")
	yuanFlag(fs, &major.FineOrganizationYuan, "major-fine-organization-yuan",
		"a fine at or above this on an organization is a major decision (第五十八条 with 第六十三条: local policy; 0: no such rule)")
	fs.BoolVar(&major.LicenceRevoked, "major-licence-revoked", major.LicenceRevoked,
		"revoking a licence is a major decision (第五十八条 with 第六十三条: 吊销许可证件 bears on the party's major rights)")
	fs.BoolVar(&major.Hearing, "major-hearing", major.Hearing,
		"a decision after a hearing was requested or held is major (第五十八条第一款第二项: 经过听证程序的)")
	return cfg
}

// daysFlag adds a flag for a whole number of days from lo to hi.
func daysFlag(fs *flag.FlagSet, p *int, name string, lo, hi int, usage string) {
	fs.Func(name, fmt.Sprintf("%s (default %d)", usage, *p), func(s string) error {
		v, err := strconv.Atoi(s)
		if err != nil || v < lo || v > hi {
			return fmt.Errorf("%q is not a whole number of days from %d to %d", s, lo, hi)
		}
		*p = v
		return nil
	})
}

// yuanFlag adds a flag for an amount of yuan, 0 to 10,000,000,000.
func yuanFlag(fs *flag.FlagSet, p *float64, name, usage string) {
	fs.Func(name, fmt.Sprintf("%s (default %g)", usage, *p), func(s string) error {
		v, err := strconv.ParseFloat(s, 64)
		if err != nil || math.IsNaN(v) || v < 0 || v > 1e10 {
			return fmt.Errorf("%q is not an amount of yuan from 0 to 10000000000", s)
		}
		*p = v
		return nil
	})
}
