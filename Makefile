# Thin front door over CMake. Every target installs what is missing first,
# configures once, and rebuilds only what changed.
#   make demo   the main job (DEMO_PORT=2017)   make test   build and run every test
#   make bench  print the benchmarks  make fuzz   longer libFuzzer runs
#   make asan   every test under AddressSanitizer + UBSan
#   make install-plugin         the Wireshark plugin, for this user
#   make install-plugin-system  the Wireshark plugin, for every user (root)
#   make screenshots            docs/images/ from the real Wireshark under Xvfb
#   make test-platforms         `make test` on Debian 13 and testing in cached chroots, the
#                               packages on pristine roots, the plugin against 4.2 headers (root)

BUILD      ?= build
ASAN_BUILD ?= build-asan
JOBS       ?= $(shell nproc)
FUZZ_SECONDS ?= 300
DEMO_PORT  ?= 2017
GENERATOR  := $(shell command -v ninja >/dev/null 2>&1 && echo Ninja || echo "Unix Makefiles")

.PHONY: all deps build test test-platforms demo bench fuzz asan install-plugin install-plugin-system screenshots clean

all: build

deps:
	@sh scripts/ensure-deps.sh

$(BUILD)/CMakeCache.txt: | deps
	cmake -S . -B $(BUILD) -G "$(GENERATOR)" -DCMAKE_BUILD_TYPE=Release

build: deps $(BUILD)/CMakeCache.txt
	cmake --build $(BUILD) -j $(JOBS)

test: build
	ctest --test-dir $(BUILD) --output-on-failure -j $(JOBS)

# Roots cached in /var/cache/imup-roots (IMUP_ROOTS); PLATFORMS="bookworm trixie forky" by default.
test-platforms:
	@sh scripts/test-platforms.sh $(PLATFORMS)

demo: build
	@sh scripts/demo.sh --port $(DEMO_PORT) $(BUILD)

bench: build
	cmake --build $(BUILD) --target bench

fuzz: build
	@while read -r bin corpus; do \
	  sh tests/fuzz/run-fuzzer.sh "$$bin" "$$corpus" $(FUZZ_SECONDS) || exit 1; \
	done < $(BUILD)/fuzzers.txt
	cmake --build $(BUILD) --target fuzz-plugin
	cmake --build $(BUILD) --target fuzz-plugin-wireshark

install-plugin: build
	cmake --build $(BUILD) --target install-plugin

install-plugin-system: build
	cmake --build $(BUILD) --target install-plugin-system

screenshots: build
	sh scripts/screenshots.sh $(BUILD)

$(ASAN_BUILD)/CMakeCache.txt: | deps
	cmake -S . -B $(ASAN_BUILD) -G "$(GENERATOR)" -DCMAKE_BUILD_TYPE=Asan

asan: deps $(ASAN_BUILD)/CMakeCache.txt
	cmake --build $(ASAN_BUILD) -j $(JOBS)
	ctest --test-dir $(ASAN_BUILD) --output-on-failure -j $(JOBS)

clean:
	rm -rf $(BUILD) $(ASAN_BUILD)

# Debian packages for the release this runs on, into $(BUILD)/deb/ (debian/make-deb.sh:
# installs the build dependencies, builds from a clean copy of the sources without
# the test suite, which `make test` runs, and runs lintian).
#   make deb        the .debs, .buildinfo and .changes
#   make deb-test   those .debs installed and checked on a pristine root of this
#                   release (DEB_RELEASE, bookworm; scripts/deb-install-test.sh);
#                   `make test-platforms` builds and checks them for the others
DEB_RELEASE ?= bookworm
.PHONY: deb deb-test
deb:
	sh debian/make-deb.sh $(BUILD)/deb

deb-test:
	sh scripts/deb-install-test.sh $(DEB_RELEASE) $(BUILD)/deb
