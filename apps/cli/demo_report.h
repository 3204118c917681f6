// The demo's output: a readable report for people, JSON for scripts.
#pragma once

#include <cstdio>
#include <string>

#include "apps/cli/demo_run.h"

namespace phantasm::cli {

void print_demo_report(const DemoResult& result, std::FILE* out);
std::string demo_json(const DemoResult& result);

}  // namespace phantasm::cli
