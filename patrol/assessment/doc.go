// Package assessment computes the supervision assessment (监督考核) of townships, squadrons
// and officers for a month, quarter or year: indicators read from the stores that own
// the data (cases, coverage), each rate shrunk toward the city's by an empirical-Bayes
// model so that a small unit is judged on its evidence rather than its noise, a score
// with a credible interval, and a ranking whose ranges show the ties. docs/analytics.md
// ("The assessment") gives the method, the default weights and a worked example.
package assessment
