// Package metrics exposes Prometheus metrics: HTTP requests by route pattern, their
// latency, the database pool, and the Go runtime. Each server has its own registry.
package metrics

import (
	"net/http"
	"strconv"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/gridwatch/gridwatch/internal/httpx"
)

// Metrics holds a registry and the HTTP collectors.
type Metrics struct {
	registry *prometheus.Registry
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
}

// New returns Metrics with the Go, process and database pool collectors registered.
// pool may be nil.
func New(pool *pgxpool.Pool) *Metrics {
	m := &Metrics{
		registry: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "gridwatch_http_requests_total",
			Help: "HTTP requests by method, route pattern and status code.",
		}, []string{"method", "route", "code"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "gridwatch_http_request_duration_seconds",
			Help:    "HTTP request latency by method and route pattern.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
		}, []string{"method", "route"}),
	}
	m.registry.MustRegister(m.requests, m.latency,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	if pool != nil {
		m.registry.MustRegister(poolCollector{pool})
	}
	return m
}

// Observe records a finished request; pass it to httpx.Observe.
func (m *Metrics) Observe(info httpx.RequestInfo) {
	m.requests.WithLabelValues(info.Method, info.Route, strconv.Itoa(info.Status)).Inc()
	m.latency.WithLabelValues(info.Method, info.Route).Observe(info.Duration.Seconds())
}

// Handler serves the metrics in the Prometheus text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.registry, promhttp.HandlerOpts{})
}

// Registry returns the registry, for packages that add their own collectors.
func (m *Metrics) Registry() *prometheus.Registry { return m.registry }

// poolCollector reads pgxpool statistics at scrape time.
type poolCollector struct{ pool *pgxpool.Pool }

var (
	poolAcquired = prometheus.NewDesc("gridwatch_db_pool_acquired_conns", "Connections in use.", nil, nil)
	poolIdle     = prometheus.NewDesc("gridwatch_db_pool_idle_conns", "Idle connections.", nil, nil)
	poolTotal    = prometheus.NewDesc("gridwatch_db_pool_total_conns", "Open connections.", nil, nil)
	poolMax      = prometheus.NewDesc("gridwatch_db_pool_max_conns", "Pool size limit.", nil, nil)
	poolAcquires = prometheus.NewDesc("gridwatch_db_pool_acquires_total", "Successful connection acquisitions.", nil, nil)
	poolWaits    = prometheus.NewDesc("gridwatch_db_pool_empty_acquires_total", "Acquisitions that had to wait for a connection.", nil, nil)
	poolCanceled = prometheus.NewDesc("gridwatch_db_pool_canceled_acquires_total", "Acquisitions cancelled while waiting.", nil, nil)
	poolWaitSecs = prometheus.NewDesc("gridwatch_db_pool_acquire_seconds_total", "Time spent acquiring connections.", nil, nil)
)

func (poolCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{poolAcquired, poolIdle, poolTotal, poolMax, poolAcquires, poolWaits, poolCanceled, poolWaitSecs} {
		ch <- d
	}
}

func (c poolCollector) Collect(ch chan<- prometheus.Metric) {
	s := c.pool.Stat()
	gauge := func(d *prometheus.Desc, v float64) { ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v) }
	counter := func(d *prometheus.Desc, v float64) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, v)
	}
	gauge(poolAcquired, float64(s.AcquiredConns()))
	gauge(poolIdle, float64(s.IdleConns()))
	gauge(poolTotal, float64(s.TotalConns()))
	gauge(poolMax, float64(s.MaxConns()))
	counter(poolAcquires, float64(s.AcquireCount()))
	counter(poolWaits, float64(s.EmptyAcquireCount()))
	counter(poolCanceled, float64(s.CanceledAcquireCount()))
	counter(poolWaitSecs, s.AcquireDuration().Seconds())
}
