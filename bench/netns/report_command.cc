#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "bench/netns/bench_command.h"

#ifndef PHANTASM_SOURCE_DIR
#define PHANTASM_SOURCE_DIR "."
#endif

namespace phantasm::bench {

// Debian's interpreter on purpose: a python3 earlier on PATH (pyenv) does not see Debian's
// python3-matplotlib.
int run_report_command(int argc, char** argv) {
  const char* python = "/usr/bin/python3";
  const char* dir = std::getenv("PHANTASM_REPORTS_DIR");
  const std::string script = std::string(dir != nullptr ? dir : PHANTASM_SOURCE_DIR "/reports") + "/phantasm_report.py";
  if (::access(python, X_OK) != 0) {
    std::fprintf(stderr, "phantasm report: %s is missing (apt-get install python3 python3-matplotlib)\n", python);
    return 77;
  }
  if (::access(script.c_str(), R_OK) != 0) {
    std::fprintf(stderr, "phantasm report: cannot read %s (set PHANTASM_REPORTS_DIR to the reports/ folder)\n",
                 script.c_str());
    return 2;
  }
  std::vector<char*> args{const_cast<char*>(python), const_cast<char*>(script.c_str())};
  for (int i = 1; i < argc; ++i) args.push_back(argv[i]);
  args.push_back(nullptr);
  ::execv(python, args.data());
  std::perror("phantasm report: exec /usr/bin/python3");
  return 1;
}

}  // namespace phantasm::bench
