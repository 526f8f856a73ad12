package main

import (
	"io"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/gridwatch/gridwatch/patrol/cases"
)

func TestProcedureFlags(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		periods cases.Periods
		major   cases.MajorRule
	}{
		{"defaults: the law's", nil, cases.DefaultPeriods(), cases.DefaultMajorRule()},
		{"every flag", []string{"--penalty-decide-days", "60", "--penalty-hearing-request-workdays", "3",
			"--penalty-deliver-workdays", "2", "--penalty-pay-days", "30", "--penalty-publish-workdays", "5", "--referral-take-up-workdays", "10", "--major-fine-individual-yuan", "5000",
			"--major-fine-organization-yuan", "0", "--major-licence-revoked=false", "--major-hearing=false"},
			cases.Periods{DecideDays: 60, HearingRequestWorkdays: 3, DeliverWorkdays: 2, PayDays: 30, PublishWorkdays: 5, TakeUpWorkdays: 10},
			cases.MajorRule{FineIndividualYuan: 5000}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fs := newFlags("serve", io.Discard)
			cfg := procedureFlags(fs)
			if err := fs.Parse(tt.args); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.periods, cfg.Periods); diff != "" {
				t.Errorf("periods (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.major, *cfg.Major); diff != "" {
				t.Errorf("major rule (-want +got):\n%s", diff)
			}
		})
	}
}
