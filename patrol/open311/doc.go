// Package open311 serves the Open311 GeoReport v2 API (wiki.open311.org/GeoReport_v2) over
// the enforcement cases: the 12345 hotline and the citizen app list services, report
// problems and follow their status with any GeoReport v2 client.
//
// Services are the enforcement sectors (service_code = sector code); service requests are
// cases. Every resource answers in XML (the spec's required format) or JSON, chosen by the
// extension of the path (services.xml, requests/42.json). Errors use the spec's shape
// (<errors><error><code>…) and statuses: 404 for a resource that does not exist, 403 for a
// missing, unknown or insufficient api_key, 400 for anything else the client got wrong,
// 413 for a body over its limit and 503 when the case store is unavailable.
//
// The handler holds no state of its own: it reads and writes through a Backend, which
// the application implements with the case store.
package open311
