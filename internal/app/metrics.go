package app

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/gridwatch/gridwatch/patrol/alert"
	"github.com/gridwatch/gridwatch/patrol/position"
	"github.com/gridwatch/gridwatch/patrol/webhook"
	"github.com/gridwatch/gridwatch/tiles"
)

// registerMetrics adds the collectors of ingest, alerts, tiles and webhooks to the
// server's registry: the time of each ingest stage, the group transactions of ingest, the
// alerts by rule and outcome, the alert rules' time, the tile cache, and the webhooks'
// deliveries, attempts and outbox.
func (s *Server) registerMetrics() {
	reg := s.metrics.Registry()
	for st, name := range position.StageNames {
		reg.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name:        "gridwatch_ingest_stage_seconds_total",
			Help:        "Time spent in each stage of position ingest.",
			ConstLabels: prometheus.Labels{"stage": name},
		}, func() float64 { return s.Positions.StageTime(position.Stage(st)).Seconds() }))
	}

	for _, rule := range alert.Rules {
		for _, o := range alert.Outcomes {
			reg.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{
				Name:        "gridwatch_alerts_total",
				Help:        "Alerts raised, acknowledged and resolved (by the system or a person) through this instance, by rule.",
				ConstLabels: prometheus.Labels{"rule": string(rule), "outcome": string(o)},
			}, func() float64 { return float64(s.Alerts.Count(rule, o)) }))
		}
	}
	for _, c := range alert.Checks {
		reg.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name:        "gridwatch_alert_evaluation_seconds_total",
			Help:        "Time the alert rules took, by check (fixes: the rules over fixes; the others: the tickers), their alerts' writes included.",
			ConstLabels: prometheus.Labels{"check": string(c)},
		}, func() float64 { return s.Watcher.EvalTime(c).Seconds() }))
	}
	reg.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{
		Name: "gridwatch_alert_fixes_evaluated_total",
		Help: "Fixes the alert rules evaluated.",
	}, func() float64 { return float64(s.Watcher.FixesEvaluated()) }))

	cache := func(name, help string, kind prometheus.ValueType, v func(tiles.CacheStats) int64) {
		opts := prometheus.Opts{Name: "gridwatch_tile_cache_" + name, Help: help}
		read := func() float64 { return float64(v(s.Tiles.CacheStats())) }
		if kind == prometheus.CounterValue {
			reg.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts(opts), read))
		} else {
			reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts(opts), read))
		}
	}
	cache("hits_total", "Tile lookups answered from the cache.", prometheus.CounterValue, func(c tiles.CacheStats) int64 { return c.Hits })
	cache("misses_total", "Tile lookups not answered from the cache.", prometheus.CounterValue, func(c tiles.CacheStats) int64 { return c.Misses })
	cache("builds_total", "Tiles built (concurrent misses of one tile share a build).", prometheus.CounterValue, func(c tiles.CacheStats) int64 { return c.Builds })
	cache("evictions_total", "Tiles dropped to stay within the cache's budget.", prometheus.CounterValue, func(c tiles.CacheStats) int64 { return c.Evictions })
	cache("entries", "Tiles held.", prometheus.GaugeValue, func(c tiles.CacheStats) int64 { return c.Entries })
	cache("bytes", "Bytes held by the tile cache, both encodings and overhead.", prometheus.GaugeValue, func(c tiles.CacheStats) int64 { return c.Bytes })
	reg.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{
		Name: "gridwatch_tile_analysis_computations_total",
		Help: "Analyses computed for the analysis tile layers (concurrent tiles of one analysis share one).",
	}, func() float64 { return float64(s.Tiles.AnalysisComputations()) }))

	hooks := func(name, help string, v func(webhook.Stats) int64) {
		reg.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "gridwatch_webhook_" + name, Help: help},
			func() float64 { return float64(v(s.Webhooks.Stats())) }))
	}
	hooks("deliveries_queued_total", "Webhook deliveries written to the outbox by this instance, in their events' transactions.",
		func(st webhook.Stats) int64 { return st.Queued })
	hooks("deliveries_succeeded_total", "Webhook deliveries acknowledged by a 2xx to an attempt of this instance.",
		func(st webhook.Stats) int64 { return st.Delivered })
	hooks("attempts_failed_total", "Webhook attempts of this instance not answered 2xx (tried again after a backoff).",
		func(st webhook.Stats) int64 { return st.Failed })
	hooks("attempts_total", "Webhook attempts recorded by this instance.", func(st webhook.Stats) int64 { return st.Attempts })
	reg.MustRegister(backlogCollector{s.Webhooks})
}

// backlogCollector reads the webhook outbox's backlog, shared by every instance, at
// scrape time.
type backlogCollector struct{ store *webhook.Store }

var (
	backlogPending = prometheus.NewDesc("gridwatch_webhook_outbox_depth",
		"Webhook deliveries of active subscriptions not yet delivered (every instance's: the same on each).", nil, nil)
	backlogOldest = prometheus.NewDesc("gridwatch_webhook_outbox_oldest_seconds",
		"Age of the oldest webhook delivery not yet delivered (0 when none).", nil, nil)
)

// backlogTimeout bounds the scrape's query: a slow database leaves the backlog out of one
// scrape rather than holding Prometheus.
const backlogTimeout = 2 * time.Second

func (backlogCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- backlogPending
	ch <- backlogOldest
}

func (c backlogCollector) Collect(ch chan<- prometheus.Metric) {
	// The registry gives collectors no context: the query gets its own, bounded.
	ctx, cancel := context.WithTimeout(context.Background(), backlogTimeout)
	defer cancel()
	b, err := c.store.Backlog(ctx, time.Now())
	if err != nil {
		ch <- prometheus.NewInvalidMetric(backlogPending, err)
		return
	}
	ch <- prometheus.MustNewConstMetric(backlogPending, prometheus.GaugeValue, float64(b.Pending))
	ch <- prometheus.MustNewConstMetric(backlogOldest, prometheus.GaugeValue, b.Oldest.Seconds())
}

// groupMetrics are the statistics of ingest's group transactions.
type groupMetrics struct {
	requests, fixes, wait, took prometheus.Histogram
	retried                     prometheus.Counter
}

func newGroupMetrics(reg prometheus.Registerer) *groupMetrics {
	m := &groupMetrics{
		requests: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "gridwatch_ingest_group_requests",
			Help:    "Ingest requests per group transaction.",
			Buckets: prometheus.ExponentialBuckets(1, 2, 11),
		}),
		fixes: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "gridwatch_ingest_group_fixes",
			Help:    "Fixes per group transaction.",
			Buckets: prometheus.ExponentialBuckets(1, 2, 12),
		}),
		wait: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "gridwatch_ingest_group_wait_seconds",
			Help:    "Time from a group's first request to the start of its transaction.",
			Buckets: []float64{.0005, .001, .002, .005, .01, .025, .05, .1, .25, .5, 1},
		}),
		took: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "gridwatch_ingest_group_transaction_seconds",
			Help:    "Time of a group transaction, its requests' retries alone included.",
			Buckets: []float64{.001, .002, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5},
		}),
		retried: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "gridwatch_ingest_group_retries_total",
			Help: "Group transactions that failed, their requests then committed alone.",
		}),
	}
	reg.MustRegister(m.requests, m.fixes, m.wait, m.took, m.retried)
	return m
}

// observe records one group transaction; pass it to position.Store.SetGroupCommit.
func (m *groupMetrics) observe(r position.GroupRun) {
	m.requests.Observe(float64(r.Requests))
	m.fixes.Observe(float64(r.Fixes))
	m.wait.Observe(r.Wait.Seconds())
	m.took.Observe(r.Took.Seconds())
	if r.Retried {
		m.retried.Inc()
	}
}
