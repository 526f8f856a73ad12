package assessment

import (
	"fmt"
	"strings"

	"github.com/gridwatch/gridwatch/patrol/cases"
)

// SectorVolume is one sector of a unit's volume: its cases reported in the window against
// what the city's cases of that sector per patrol hour expect of the unit's patrol hours,
// and the ratio of the unit's shrunk rate to the city's (1 is the city's) with its 90 %
// interval. The breakdown explains the volume indicator; it is not scored on its own.
type SectorVolume struct {
	Sector   string   `json:"sector"`
	Name     string   `json:"name"`
	Cases    int      `json:"cases"`
	Expected float64  `json:"expected"` // the city's rate of the sector × the unit's patrol hours
	Ratio    *float64 `json:"ratio"`    // the shrunk rate over the city's
	RatioLo  *float64 `json:"ratio_lo"`
	RatioHi  *float64 `json:"ratio_hi"`
}

// SectorName is a sector of the volume's breakdown, in the order of the tables' columns.
type SectorName struct {
	Code string `json:"code"`
	Name string `json:"name"`
}

// sectorVolumes breaks each unit's volume down by sector: for each sector with a case in
// the city, a gamma prior fitted over the units' cases of the sector per patrol hour,
// shrunk as the volume is. hours[j] are unit j's patrol hours; reported[sector][unit] its
// cases. A unit without patrol hours gets no breakdown.
func sectorVolumes(sectors []cases.Sector, reported map[string]map[string]int, codes []string, hours []float64) [][]SectorVolume {
	out := make([][]SectorVolume, len(codes))
	for _, sec := range sectors {
		units := make([]Count, len(codes))
		for j, code := range codes {
			units[j] = Count{X: float64(reported[sec.Code][code]), N: hours[j]}
		}
		prior, ok := FitGamma(units)
		if !ok || prior.Lambda == 0 {
			continue // no case of the sector anywhere, or no patrol hour
		}
		for j, c := range units {
			if c.N <= 0 {
				continue
			}
			post := prior.Shrink(c)
			out[j] = append(out[j], SectorVolume{Sector: sec.Code, Name: sec.NameZH, Cases: int(c.X),
				Expected: round(prior.Lambda*c.N, 2), Ratio: ptr(round(post.Mean/prior.Lambda, 3)),
				RatioLo: ptr(round(post.Lo/prior.Lambda, 3)), RatioHi: ptr(round(post.Hi/prior.Lambda, 3))})
		}
	}
	return out
}

// sectorReason says which sectors of a unit's volume lie wholly below or above the
// city's rate (their interval excludes 1), "" when none does.
func sectorReason(list []SectorVolume) string {
	var below, above []string
	for _, s := range list {
		say := fmt.Sprintf("%s %d 件(按全市应有 %.1f 件)", s.Name, s.Cases, s.Expected)
		switch {
		case *s.RatioHi < 1:
			below = append(below, say)
		case *s.RatioLo > 1:
			above = append(above, say)
		}
	}
	var parts []string
	if len(below) > 0 {
		parts = append(parts, "低于全市:"+strings.Join(below, "、"))
	}
	if len(above) > 0 {
		parts = append(parts, "高于全市:"+strings.Join(above, "、"))
	}
	if len(parts) == 0 {
		return ""
	}
	return "分领域" + strings.Join(parts, ";") + "。"
}
