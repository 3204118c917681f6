#include "harness/scenario/units.h"

#include <gtest/gtest.h>

#include <string>

namespace phantasm::scenario {
namespace {

TEST(Units, DurationsNeedAUnit) {
  EXPECT_EQ(parse_duration("250ms"), Millis{250});
  EXPECT_EQ(parse_duration("10s"), Millis{10000});
  EXPECT_EQ(parse_duration("1.5s"), Millis{1500});
  EXPECT_EQ(parse_duration("6m"), Millis{360000});
  EXPECT_EQ(parse_duration("2h"), Millis{7200000});
  EXPECT_FALSE(parse_duration("10"));
  EXPECT_FALSE(parse_duration("s"));
  EXPECT_FALSE(parse_duration("-1s"));
  EXPECT_FALSE(parse_duration("10 parsecs"));
  EXPECT_FALSE(parse_duration("9999h"));
  EXPECT_FALSE(parse_duration(std::string(400, '9') + "s"));  // overflows a double: rejected, not thrown
}

TEST(Units, FractionsArePercentagesOrUnitInterval) {
  EXPECT_DOUBLE_EQ(*parse_fraction("1%"), 0.01);
  EXPECT_DOUBLE_EQ(*parse_fraction("99.9%"), 0.999);
  EXPECT_DOUBLE_EQ(*parse_fraction("0.25"), 0.25);
  EXPECT_FALSE(parse_fraction("2"));
  EXPECT_FALSE(parse_fraction("101%"));
  EXPECT_FALSE(parse_fraction("1%%"));
}

TEST(Units, PortRanges) {
  EXPECT_EQ(parse_port_range("4567"), (PortRange{4567, 4567}));
  EXPECT_EQ(parse_port_range("40000-40100"), (PortRange{40000, 40100}));
  EXPECT_FALSE(parse_port_range("0"));
  EXPECT_FALSE(parse_port_range("200-100"));
  EXPECT_FALSE(parse_port_range("65536"));
  EXPECT_FALSE(parse_port_range("1-"));
}

TEST(Units, RatesAndSizesFollowUdpgen) {
  for (const char* ok : {"200pps", "10kpps", "5M", "500Mbit", "1.5G", "1000000", "max"}) EXPECT_TRUE(is_rate(ok)) << ok;
  for (const char* bad : {"", "fast", "10kbps", "0pps"}) EXPECT_FALSE(is_rate(bad)) << bad;
  for (const char* ok : {"1400", "64-1400", "64,576,1400", "64:7,576:4,1400:1"}) EXPECT_TRUE(is_size(ok)) << ok;
  for (const char* bad : {"", "39", "1400-64", "65508", "64:0", "a"}) EXPECT_FALSE(is_size(bad)) << bad;
}

TEST(Units, FormatDurationPicksTheLargestWholeUnit) {
  EXPECT_EQ(format_duration(Millis{360000}), "6m");
  EXPECT_EQ(format_duration(Millis{1500}), "1500ms");
  EXPECT_EQ(format_duration(Millis{10000}), "10s");
}

}  // namespace
}  // namespace phantasm::scenario
