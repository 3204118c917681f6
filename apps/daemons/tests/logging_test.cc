#include "apps/daemons/logging.h"

#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <regex>
#include <sstream>

namespace phantasm::daemons {
namespace {

TEST(LogFormat, ColourAndTimeOnATerminalOnly) {
  LogFormat tty = choose_log_format(true, nullptr, false);
  EXPECT_TRUE(tty.colour);
  EXPECT_TRUE(tty.timestamp);
  EXPECT_FALSE(tty.syslog_priority);
  LogFormat pipe = choose_log_format(false, nullptr, false);
  EXPECT_FALSE(pipe.colour);
  EXPECT_FALSE(pipe.timestamp);
  EXPECT_FALSE(pipe.syslog_priority);
  LogFormat journal = choose_log_format(false, nullptr, true);
  EXPECT_FALSE(journal.colour);
  EXPECT_FALSE(journal.timestamp);
  EXPECT_TRUE(journal.syslog_priority);
}

TEST(LogFormat, PhantasmLogTimeDecidesTheTimestamp) {
  EXPECT_TRUE(choose_log_format(false, "1", false).timestamp);
  EXPECT_TRUE(choose_log_format(false, "1", true).timestamp);
  EXPECT_FALSE(choose_log_format(true, "0", false).timestamp);
  EXPECT_FALSE(choose_log_format(false, "", false).timestamp);  // empty: as unset
}

std::string log_through(const LogFormat& format, spdlog::level::level_enum level,
                        const std::string& message) {
  std::ostringstream out;
  auto sink = std::make_shared<spdlog::sinks::ostream_sink_st>(out);
  sink->set_formatter(make_log_formatter(format));
  spdlog::logger logger("test", sink);
  logger.set_level(spdlog::level::trace);
  logger.log(level, "{}", message);
  return out.str();
}

TEST(LogFormat, OneEventPerLineWithoutColourCodes) {
  std::string line = log_through(LogFormat{false, false, false}, spdlog::level::warn,
                                 "first\nsecond\r\nthird");
  EXPECT_EQ(line, "warning first\\nsecond\\r\\nthird\n");
  EXPECT_EQ(line.find('\x1b'), std::string::npos);
}

TEST(LogFormat, JournalPriorityPrefix) {
  EXPECT_EQ(log_through(LogFormat{false, false, true}, spdlog::level::warn, "w"), "<4>warning w\n");
  EXPECT_EQ(log_through(LogFormat{false, false, true}, spdlog::level::err, "e"), "<3>error e\n");
  EXPECT_EQ(log_through(LogFormat{false, false, true}, spdlog::level::info, "i"), "<6>info  i\n");
  EXPECT_EQ(log_through(LogFormat{false, false, true}, spdlog::level::debug, "d"), "<7>debug d\n");
}

TEST(LogFormat, Timestamp) {
  std::string line = log_through(LogFormat{false, true, false}, spdlog::level::info, "x");
  EXPECT_TRUE(std::regex_match(line, std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3} info  x\n)")))
      << line;
}

}  // namespace
}  // namespace phantasm::daemons
