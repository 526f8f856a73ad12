# The two commands of the README: `make demo` and `make test`.
.PHONY: demo test test-citus bench build db db-stop web citus citus-stop

demo: web ## start PostGIS when none is configured, migrate, load the demo city, serve
	go run ./cmd/gridwatch demo

test: ## start PostGIS, then gofmt, go vet and all tests against it
	./scripts/test

test-citus: ## start a Citus coordinator and two workers, run the distributed path's tests (docs/scaling.md)
	./scripts/test-citus

web: ## the command-center pages: npm ci when needed, bundle into web/dist (embedded by go build)
	./scripts/web build

build: ## the binary, in bin/
	go build -o bin/gridwatch ./cmd/gridwatch

db: ## start (or reuse) the project's PostGIS and print its DATABASE_URL
	./scripts/devdb start

db-stop: ## stop the project's PostGIS
	./scripts/devdb stop

citus: ## start (or reuse) the project's Citus cluster and print the coordinator's DATABASE_URL
	./scripts/citus start

citus-stop: ## stop the project's Citus cluster
	./scripts/citus stop

bench: ## benchmarks (with the database); see docs/benchmarks.md
	./scripts/bench
