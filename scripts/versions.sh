# The Go toolchain matrix every fixture is built with (sourced by the scripts), and the
# versions the real-program corpus (scripts/build-corpus.sh) is built with.
GO_VERSIONS=(1.21.13 1.22.10 1.23.9 1.24.11 1.25.5 1.26.6 1.27.3)
CORPUS_VERSIONS=(1.21.13 1.23.9 1.25.5 1.26.6 1.27.3)
