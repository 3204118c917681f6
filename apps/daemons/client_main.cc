// phantasm-client: drop-in for phantun_client (same options and defaults).
#include <spdlog/spdlog.h>

#include <variant>

#include "apps/daemons/daemon.h"
#include "apps/daemons/logging.h"
#include "apps/daemons/options.h"

int main(int argc, char** argv) {
  auto parsed = phantasm::daemons::parse_client_options(argc, argv);
  if (auto* status = std::get_if<int>(&parsed)) return *status;
  if (auto warning = phantasm::daemons::setup_logging(); !warning.empty()) spdlog::warn("{}", warning);
  return phantasm::daemons::run_daemon(std::get<phantasm::daemons::DaemonOptions>(parsed));
}
