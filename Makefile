# Entry points of the README's quick start. Everything real lives in CMake; this file only
# chains bootstrap -> configure -> build -> run.
BUILD_DIR ?= build
CMAKE_FLAGS ?=
JOBS ?= $(shell nproc)

.PHONY: all bootstrap configure build test demo package reliability ubsan clean

all: build

bootstrap:
	@bash scripts/bootstrap.sh

$(BUILD_DIR)/build.ninja:
	cmake -S . -B $(BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo $(CMAKE_FLAGS)

configure: bootstrap $(BUILD_DIR)/build.ninja

build: configure
	cmake --build $(BUILD_DIR) -j $(JOBS)

test: build
	ctest --test-dir $(BUILD_DIR) --output-on-failure -j $(JOBS)

demo: build
	@bash scripts/demo.sh $(BUILD_DIR)

# The long reliability suite (kill -9 rounds, flipped bytes, full disk, abusive requests);
# figures in $(BUILD_DIR)/reliability.txt, recorded in docs/reliability.md.
reliability: build
	cmake --build $(BUILD_DIR) --target reliability_long

# The whole suite built with UndefinedBehaviorSanitizer, any finding fatal, in its own tree
# (build-ubsan). The normal suite runs the short version: ubsan.compile. The Reliability.*
# scenarios are left out: they assert that health answers within 1 s under load, which
# instrumented code on a loaded machine does not promise (they run in `make test`).
UBSAN_DIR ?= build-ubsan
ubsan: bootstrap
	cmake -S . -B $(UBSAN_DIR) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DTTC_UBSAN=ON -DTTC_FUZZ=OFF $(CMAKE_FLAGS)
	cmake --build $(UBSAN_DIR) -j $(JOBS)
	UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 ctest --test-dir $(UBSAN_DIR) --output-on-failure -j $(JOBS) \
	  -E '^Reliability\.'


# The Debian package (CPack): $(BUILD_DIR)/ttc_<version>_amd64.deb
package: build
	cmake --build $(BUILD_DIR) --target package

clean:
	rm -rf $(BUILD_DIR) $(UBSAN_DIR)
