# The Go toolchain matrix every fixture is built with (sourced by the scripts).
GO_VERSIONS=(1.21.13 1.22.10 1.23.9 1.24.11 1.25.5 1.26.6 1.27.3)
