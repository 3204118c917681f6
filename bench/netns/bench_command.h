// `phantasm bench` and `phantasm report`.
//
//   phantasm bench [--seconds T] [--repetitions N] [--streams 1,5] [--modes a,b] [--quick]
//                  [--udp2raw PATH] [--phantun-client PATH --phantun-server PATH]
//                  [--client-bin PATH --server-bin PATH] [--json FILE] [--no-search] ...
//   Exit: 0 every trial ran; 1 some failed (the JSON says which); 2 usage; 77 not root or a
//   tool is missing.
//   phantasm report [BENCH_JSON] [--out DIR]   (runs reports/phantasm_report.py)
#pragma once

namespace phantasm::bench {

int run_bench_command(int argc, char** argv);
int run_report_command(int argc, char** argv);

}  // namespace phantasm::bench
