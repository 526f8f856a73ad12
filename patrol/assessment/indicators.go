package assessment

import (
	"fmt"
	"math"
)

// Kind says how an indicator's counts are modelled.
type Kind string

// The kinds of indicator.
const (
	Proportion Kind = "proportion" // x of n, beta-binomial
	Rate       Kind = "rate"       // x per unit of exposure n, gamma-Poisson
)

// Definition is one indicator of the assessment.
type Definition struct {
	Key    string // stable name, the key of its weight
	NameZH string // its name in the tables
	Kind   Kind
	Higher bool    // a higher value is better
	Weight float64 // default weight
	Unit   string  // what x counts over n, for the reasons
	NoData string  // why a unit with n = 0 has no data
	// TownshipOnly marks an indicator whose data exist per township only (inspections,
	// reviews, delegated powers): squadrons and officers have no data for it.
	TownshipOnly bool
}

// Definitions are the indicators, in the order of the tables.
var Definitions = []Definition{
	{Key: "patrol", NameZH: "巡查覆盖率", Kind: Proportion, Higher: true, Weight: 0.10, Unit: "格·周", NoData: "无负责网格"},
	{Key: "plan", NameZH: "巡查计划按时执行率", Kind: Proportion, Higher: true, Weight: 0.10, Unit: "计划格",
		NoData: "本期未制定巡查计划"},
	{Key: "arrival", NameZH: "到场及时率", Kind: Proportion, Higher: true, Weight: 0.10, Unit: "件", NoData: "无派遣案件"},
	{Key: "resolution", NameZH: "办结及时率", Kind: Proportion, Higher: true, Weight: 0.10, Unit: "件",
		NoData: "无本单位处置的派遣案件"},
	{Key: "repeat", NameZH: "重复投诉率", Kind: Proportion, Higher: false, Weight: 0.05, Unit: "件", NoData: "无办结案件"},
	{Key: "timeliness", NameZH: "处罚程序期限遵守率", Kind: Proportion, Higher: true, Weight: 0.10, Unit: "个期限",
		NoData: "本期无到期的处罚程序期限"},
	{Key: "position", NameZH: "取证位置核验通过率", Kind: Proportion, Higher: true, Weight: 0.05, Unit: "份证据",
		NoData: "本期无经位置核验的证据"},
	{Key: "volume", NameZH: "执法体量(件/巡查小时)", Kind: Rate, Higher: true, Weight: 0.10, Unit: "件/小时", NoData: "无巡查时长"},
	{Key: "decisions", NameZH: "处罚决定按期公示率", Kind: Proportion, Higher: true, Weight: 0.05, Unit: "项决定",
		NoData: "本期未作出处罚决定"},
	{Key: "referral", NameZH: "移送案件受理率", Kind: Proportion, Higher: true, Weight: 0.05, Unit: "件受理/部门已答复",
		NoData: "本期无接收部门已答复(受理或退回)的移送案件"},
	{Key: "review", NameZH: "案卷评查得分", Kind: Proportion, Higher: true, Weight: 0.05, Unit: "卷(得分/100)",
		NoData: "本期无已评查案卷", TownshipOnly: true},
	{Key: "fixups", NameZH: "整改未逾期率", Kind: Proportion, Higher: true, Weight: 0.05, Unit: "项", NoData: "本期无整改事项",
		TownshipOnly: true},
	{Key: "disclosure", NameZH: "抽查结果按期公示率", Kind: Proportion, Higher: true, Weight: 0.05, Unit: "项",
		NoData: "本期无双随机抽查任务", TownshipOnly: true},
	{Key: "unused", NameZH: "下放事项双空白率", Kind: Proportion, Higher: false, Weight: 0.05, Unit: "项",
		NoData: "本期无全期持有的下放事项", TownshipOnly: true},
}

// DefaultWeights are the weights of Definitions.
func DefaultWeights() Weights {
	w := Weights{}
	for _, d := range Definitions {
		w[d.Key] = d.Weight
	}
	return w
}

// Weights are the indicators' weights by key. The defaults sum to 1; whatever they sum
// to, the composite score divides by their sum over the indicators a unit has data for
// (the weights are normalised per unit).
type Weights map[string]float64

// Indicator is one indicator of one unit: the counts, the city's value it is expected to
// reach, the shrunk estimate with its interval, the score and the reason in a sentence.
// NoData marks a unit without any input for it (no case dispatched, no cell to patrol):
// it has no score and does not count in the composite. An indicator on which the whole
// city is at 0 (or 100 %) has its observed value but no estimate or score either: it
// cannot tell units apart.
type Indicator struct {
	Key      string   `json:"key"`
	Name     string   `json:"name"`
	X        float64  `json:"x"`        // events counted
	N        float64  `json:"n"`        // trials, or exposure (patrol hours) of a rate
	Observed *float64 `json:"observed"` // x / n; null without data
	Expected float64  `json:"expected"` // the city's pooled value
	Estimate *float64 `json:"estimate"` // the posterior mean
	Lo       *float64 `json:"lo"`       // 90 % credible interval of the estimate
	Hi       *float64 `json:"hi"`
	Score    *float64 `json:"score"` // 0–100, 50 at the city's value
	ScoreLo  *float64 `json:"score_lo"`
	ScoreHi  *float64 `json:"score_hi"`
	NoData   bool     `json:"no_data"`
	Reason   string   `json:"reason"`
	// Sectors breaks the volume down by sector (the volume indicator only, with data).
	Sectors []SectorVolume `json:"sectors,omitempty"`
}

// score maps a value v of an indicator to 0–100: the logistic of the difference of v and
// the city's value c on the log-odds scale (proportions) or the log scale (rates), so
// that the city's value scores 50, and turned round where lower is better.
func score(d Definition, v, c float64) float64 {
	var diff float64
	switch d.Kind {
	case Proportion:
		diff = logit(v) - logit(c)
	default:
		diff = safeLog(v) - safeLog(c)
	}
	if !d.Higher {
		diff = -diff
	}
	return 100 / (1 + math.Exp(-diff))
}

// flat says whether the city's pooled value leaves nothing to tell units apart: no event
// anywhere, or (a proportion) every trial an event. Scores on the log-odds scale would
// then turn the prior's last traces of mass into wild intervals.
func flat(d Definition, city float64) bool {
	return city == 0 || (d.Kind == Proportion && city == 1)
}

const eps = 1e-9

func logit(p float64) float64 {
	p = math.Min(math.Max(p, eps), 1-eps)
	return math.Log(p / (1 - p))
}

func safeLog(x float64) float64 { return math.Log(math.Max(x, eps)) }

// assess fills one indicator of a unit from its counts and the posterior; city is the
// city's pooled value, ref the prior's mean against which it is scored.
func assess(d Definition, level string, c Count, city, ref float64, post Posterior) Indicator {
	in := Indicator{Key: d.Key, Name: d.NameZH, X: round(c.X, 2), N: round(c.N, 2), Expected: round(city, 4)}
	if c.N <= 0 {
		in.NoData = true
		why := d.NoData
		if d.TownshipOnly && level != Township {
			why = "本指标按镇街统计,本级别无此数据"
		}
		in.Reason = fmt.Sprintf("%s:%s,不计分,不作零分。", d.NameZH, why)
		return in
	}
	obs := c.X / c.N
	in.Observed = ptr(round(obs, 4))
	if flat(d, city) {
		in.Reason = fmt.Sprintf("%s:实际 %s(%s),全市均为 %s,本指标不区分单位,不计分。", d.NameZH, format(d, obs), counts(d, c),
			format(d, city))
		return in
	}
	s, lo, hi := score(d, post.Mean, ref), score(d, post.Lo, ref), score(d, post.Hi, ref)
	if lo > hi {
		lo, hi = hi, lo
	}
	in.Estimate, in.Lo, in.Hi = ptr(round(post.Mean, 4)), ptr(round(post.Lo, 4)), ptr(round(post.Hi, 4))
	in.Score, in.ScoreLo, in.ScoreHi = ptr(round(s, 1)), ptr(round(lo, 1)), ptr(round(hi, 1))
	verdict := "与全市水平相当(区间含全市值)"
	switch {
	case post.Lo > ref && d.Higher, post.Hi < ref && !d.Higher:
		verdict = "优于全市"
	case post.Hi < ref && d.Higher, post.Lo > ref && !d.Higher:
		verdict = "差于全市"
	}
	in.Reason = fmt.Sprintf("%s:实际 %s(%s),全市 %s;按全市分布收缩后 %s,90%% 区间 %s–%s,%s。",
		d.NameZH, format(d, obs), counts(d, c), format(d, city), format(d, post.Mean), format(d, post.Lo), format(d, post.Hi), verdict)
	return in
}

// returnedReason completes the reason of the referral indicator: the referrals the
// departments returned, each counted against the unit as a misrouted referral.
func returnedReason(returned float64) string {
	if returned == 0 {
		return "无退回。"
	}
	return fmt.Sprintf("其中退回 %g 件,计为移送不当。", returned)
}

func format(d Definition, v float64) string {
	if d.Kind == Proportion {
		return fmt.Sprintf("%.1f%%", 100*v)
	}
	return fmt.Sprintf("%.3f 件/小时", v)
}

func counts(d Definition, c Count) string {
	if d.Kind == Proportion {
		return fmt.Sprintf("%g/%g %s", c.X, c.N, d.Unit)
	}
	return fmt.Sprintf("%g 件/%.1f 小时", c.X, c.N)
}

func ptr(v float64) *float64 { return &v }

func round(v float64, digits int) float64 {
	p := math.Pow(10, float64(digits))
	return math.Round(v*p) / p
}
